"""Loading one conference's briefing-pack facts from the database, in a fixed number of queries.

Everything every copy of a conference's pack is made from is read once into a
:class:`~marac.agenda.packs.ConferencePacks`: the published agenda version, each discussed case's
referral, assessment, earlier MARAC dates, research by agency and open actions, the must-not-receive
lists, the coordinator's relevance marks, and who receives a copy.  The queries are per conference,
not per recipient or per case, so twelve copies cost one load.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.area_settings import load_area_settings
from marac.access.models import Agency, Area, Membership, Role, User
from marac.actions.views import local_today
from marac.agenda.documents import AreaInfo, Attendee, ConferenceInfo, PackCase, ResearchEntry
from marac.agenda.documents_models import PackRelevance
from marac.agenda.models import (
    AgendaItem,
    Conference,
    Outcome,
    ResearchState,
    ResearchStatus,
    SeriesRepresentative,
)
from marac.agenda.packs import DISCUSSED_SECTIONS, ConferencePacks, ListedCase, PackRecipient
from marac.agenda.packs_actions import open_actions_for_cases
from marac.agenda.publication import latest_version
from marac.agenda.research import NOTE_CONTEXT
from marac.agenda.visibility import attending_agency_ids
from marac.cases.access import exclusions_for_cases
from marac.cases.instruments import get_instrument
from marac.cases.models import Case, Referral
from marac.cases.people import Protector
from marac.errors import Conflict, NotFound
from marac.notify.models import Invitation, InvitationMethod, Response

CRITERIA_LABELS = {
    "visible_high_risk": "Visible high risk",
    "professional_judgement": "Professional judgement",
    "potential_escalation": "Potential escalation",
    "repeat": "Repeat",
}
RESEARCH_LABELS = {
    ResearchState.NOT_STARTED: "not started",
    ResearchState.NOTHING_HELD: "nothing held",
    ResearchState.INFORMATION_HELD: "information held",
    ResearchState.SHARED: "shared",
}
# Coordinators and chairs run the meeting: their copies hold every case (see marac.agenda.packs).
_RUNS_MEETING = (Role.COORDINATOR, Role.CHAIR)


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def _discussed_lines(snapshot: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (section["key"], line)
        for section in snapshot["sections"]
        if section["key"] in DISCUSSED_SECTIONS
        for line in section["items"]
        if not line.get("notification_only")
    ]


def _mentioned_cases(snapshot: dict[str, Any]) -> set[uuid.UUID]:
    lines = [line["case_id"] for section in snapshot["sections"] for line in section["items"]]
    actions = [action["case_id"] for action in snapshot.get("previous_actions", [])]
    return {_uuid(case_id) for case_id in (*lines, *actions)}


def _instrument_title(referral: Referral) -> str:
    if referral.instrument_id is None:
        return "No instrument (professional judgement)"
    try:
        title = get_instrument(referral.instrument_id, referral.instrument_version).title
    except NotFound:
        title = referral.instrument_id
    return f"{title} v{referral.instrument_version}" if referral.instrument_version else title


def _result(referral: Referral) -> tuple[str, str]:
    """(result as printed, band): the stored assessment, or the referrer's judgement alone."""
    stored = referral.result or {}
    if not stored:
        return ("Referred on professional judgement", "high" if referral.professional_judgement else "—")
    band = str(stored.get("band", "—"))
    if stored.get("raised_by_judgement"):
        band += " (raised by professional judgement)"
    return str(stored.get("explanation", "")), band


async def _previous_dates(
    session: AsyncSession, conference: Conference, case_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[date, ...]]:
    """Earlier conferences at which each case was heard, oldest first."""
    found: dict[uuid.UUID, set[date]] = defaultdict(set)
    heard = await session.execute(
        select(AgendaItem.case_id, Conference.local_date)
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .where(
            AgendaItem.case_id.in_(case_ids),
            AgendaItem.outcome == Outcome.HEARD,
            Conference.local_date < conference.local_date,
        )
    )
    referrals = await session.execute(
        select(Referral.case_id, Referral.heard_on).where(
            Referral.case_id.in_(case_ids),
            Referral.heard_on.is_not(None),
            Referral.heard_on < conference.local_date,
        )
    )
    for case_id, day in [*heard.all(), *referrals.all()]:
        if day is not None:
            found[case_id].add(day)
    return {case_id: tuple(sorted(days)) for case_id, days in found.items()}


async def _names(
    session: AsyncSession, model: type[Agency] | type[User], ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(model.id, model.name).where(model.id.in_(wanted)))
    return dict(rows.all())


async def load_recipients(
    session: AsyncSession, conference: Conference, area: Area, attending: list[uuid.UUID]
) -> list[PackRecipient]:
    """Who gets a copy: the series' standing representatives of attending agencies, the deputies they
    named for this conference, and its chair; each active, in a stable order."""
    reps = list(
        await session.scalars(
            select(User)
            .join(SeriesRepresentative, SeriesRepresentative.user_id == User.id)
            .where(SeriesRepresentative.series_id == conference.series_id, User.active)
        )
    )
    people: dict[uuid.UUID, tuple[User, str]] = {
        user.id: (user, "Representative") for user in reps if user.agency_id in attending
    }
    delegated = await session.scalars(
        select(Invitation.deputy_user_id).where(
            Invitation.conference_id == conference.id,
            Invitation.response == Response.DELEGATED,
            Invitation.last_method == InvitationMethod.REQUEST,
            Invitation.user_id.in_(list(people)),
        )
    )
    for deputy_id in delegated:
        deputy = await session.get(User, deputy_id) if deputy_id is not None else None
        if deputy is not None and deputy.active and deputy.id not in people:
            people[deputy.id] = (deputy, "Deputy")
    if conference.chair_user_id is not None:
        chair = await session.get(User, conference.chair_user_id)
        if chair is not None and chair.active:
            people[chair.id] = (chair, "Chair")
    agencies = await _names(session, Agency, (u.agency_id for u, _ in people.values() if u.agency_id))
    runs_meeting = set(
        await session.scalars(
            select(Membership.user_id).where(
                Membership.area_id == area.id,
                Membership.user_id.in_(list(people)),
                Membership.role.in_(_RUNS_MEETING),
            )
        )
    )
    recipients = [
        PackRecipient(
            user_id=user.id,
            name=user.name,
            email=user.email,
            agency_id=user.agency_id,
            agency=agencies.get(user.agency_id, area.name) if user.agency_id else area.name,
            role=role,
            sees_every_case=role == "Chair" or user.id in runs_meeting,
        )
        for user, role in people.values()
    ]
    return sorted(recipients, key=lambda r: (r.agency, r.name, str(r.user_id)))


async def load_conference_packs(
    session: AsyncSession, protector: Protector, conference: Conference, now: datetime
) -> ConferencePacks:
    """Everything the packs of ``conference`` are made from (its latest published agenda version);
    actions past their deadline at ``now`` show as overdue."""
    version = await latest_version(session, conference)
    if version is None:
        raise Conflict("Briefing packs are made from a published agenda; this one is not published yet")
    area = await session.get(Area, conference.area_id)
    assert area is not None  # a conference belongs to an area (foreign key)
    settings = load_area_settings(area.settings)
    snapshot = version.snapshot
    lines = _discussed_lines(snapshot)
    item_ids = [_uuid(line["item_id"]) for _, line in lines]
    items = {
        item.id: item for item in await session.scalars(select(AgendaItem).where(AgendaItem.id.in_(item_ids)))
    }
    referrals = {
        r.id: r
        for r in await session.scalars(
            select(Referral).where(Referral.id.in_([i.referral_id for i in items.values()]))
        )
    }
    case_ids = [item.case_id for item in items.values()]
    counted = await session.execute(select(Case.id, Case.children_in_household).where(Case.id.in_(case_ids)))
    children = dict(counted.all())
    previous = await _previous_dates(session, conference, case_ids)
    attending = await attending_agency_ids(session, conference.series_id)
    agency_names = await _names(
        session, Agency, [*attending, *(r.referring_agency_id for r in referrals.values())]
    )
    research: dict[tuple[uuid.UUID, uuid.UUID], ResearchStatus] = {
        (row.agenda_item_id, row.agency_id): row
        for row in await session.scalars(
            select(ResearchStatus).where(ResearchStatus.agenda_item_id.in_(item_ids))
        )
    }
    relevance: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    marks = await session.execute(
        select(PackRelevance.agenda_item_id, PackRelevance.agency_id).where(
            PackRelevance.agenda_item_id.in_(item_ids)
        )
    )
    for item_id, agency_id in marks:
        relevance[item_id].add(agency_id)
    actions = await open_actions_for_cases(session, protector, case_ids, local_today(area.timezone, now))
    in_order = sorted(attending, key=lambda a: agency_names.get(a, ""))
    cases = []
    for section, line in lines:
        item = items.get(_uuid(line["item_id"]))
        if item is None:
            continue  # removed since the version was published; the next version drops it too
        referral = referrals[item.referral_id]
        result, band = _result(referral)
        owners = {action.owner_agency_id for action in actions.get(item.case_id, [])}
        cells = [(agency_id, research.get((item.id, agency_id))) for agency_id in in_order]
        cases.append(
            ListedCase(
                item_id=item.id,
                case_id=item.case_id,
                referring_agency_id=referral.referring_agency_id,
                relevant_to=frozenset(relevance[item.id] | owners),
                detail=PackCase(
                    reference=line["case_reference"],
                    section=DISCUSSED_SECTIONS[section],
                    referring_agency=agency_names.get(referral.referring_agency_id, ""),
                    referred_on=referral.referred_on,
                    criteria=tuple(CRITERIA_LABELS.get(c, c) for c in referral.criteria),
                    instrument=_instrument_title(referral),
                    result=result,
                    band=band,
                    repeat=referral.is_repeat,
                    previous_marac_dates=previous.get(item.case_id, ()),
                    children_in_household=children.get(item.case_id, 0),
                    actions=tuple(action.entry for action in actions.get(item.case_id, [])),
                    research=tuple(
                        ResearchEntry(
                            agency=agency_names.get(agency_id, ""),
                            status=RESEARCH_LABELS[row.status if row else ResearchState.NOT_STARTED],
                            note=protector.open(row.note_enc, NOTE_CONTEXT) if row is not None else None,
                        )
                        for agency_id, row in cells
                    ),
                    starts_at=datetime.fromisoformat(line["starts_at"]),
                ),
            )
        )
    recipients = await load_recipients(session, conference, area, attending)
    exclusions = await exclusions_for_cases(session, _mentioned_cases(snapshot))
    chair = next((r for r in recipients if r.role == "Chair"), None)
    return ConferencePacks(
        conference_id=conference.id,
        area_id=area.id,
        local_date=conference.local_date,
        agenda_version=version.number,
        scope=settings.pack_scope,
        area=AreaInfo(area.name, area.timezone, settings.confidentiality_statement),
        conference=ConferenceInfo(
            starts_at=conference.starts_at,
            ends_at=conference.ends_at,
            location=conference.location,
            chair=chair.name if chair else "to be confirmed",
            online_link=conference.online_link,
        ),
        marking=settings.protective_marking,
        template_dir=Path(settings.template_dir) if settings.template_dir else None,
        attendees=tuple(Attendee(r.name, r.agency, r.role) for r in recipients),
        snapshot=snapshot,
        cases=tuple(cases),
        recipients=tuple(recipients),
        exclusions={case_id: frozenset(users) for case_id, users in exclusions.items()},
    )
