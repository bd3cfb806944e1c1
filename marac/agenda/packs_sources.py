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
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Result, and_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.area_settings import load_area_settings
from marac.access.models import Agency, Area
from marac.actions.views import local_today
from marac.agenda.documents import AreaInfo, Attendee, ConferenceInfo, PackCase, ResearchEntry
from marac.agenda.documents_models import PackRelevance
from marac.agenda.models import (
    AgendaItem,
    AgendaVersion,
    Conference,
    ConferenceSeries,
    Outcome,
    ResearchState,
    ResearchStatus,
    SeriesAgency,
)
from marac.agenda.packs import DISCUSSED_SECTIONS, ConferencePacks, ListedCase
from marac.agenda.packs_actions import open_actions_for_cases
from marac.agenda.packs_recipients import load_recipients
from marac.agenda.research import NOTE_CONTEXT
from marac.cases.access import exclusions_for_cases
from marac.cases.instruments import get_instrument
from marac.cases.models import Case, Referral
from marac.cases.people import Protector
from marac.errors import Conflict, NotFound

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


def _instrument_title(listing: _Listing) -> str:
    if listing.instrument_id is None:
        return "No instrument (professional judgement)"
    try:
        title = get_instrument(listing.instrument_id, listing.instrument_version).title
    except NotFound:
        title = listing.instrument_id
    return f"{title} v{listing.instrument_version}" if listing.instrument_version else title


def _result(listing: _Listing) -> tuple[str, str]:
    """(result as printed, band): the stored assessment, or the referrer's judgement alone."""
    stored = listing.result or {}
    if not stored:
        return ("Referred on professional judgement", "high" if listing.professional_judgement else "—")
    band = str(stored.get("band", "—"))
    if stored.get("raised_by_judgement"):
        band += " (raised by professional judgement)"
    return str(stored.get("explanation", "")), band


async def _previous_dates(
    session: AsyncSession, conference: Conference, case_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[date, ...]]:
    """Earlier conferences at which each case was heard (here, or before this system), oldest first."""
    heard_here = (
        select(AgendaItem.case_id, Conference.local_date)
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .where(
            AgendaItem.case_id.in_(case_ids),
            AgendaItem.outcome == Outcome.HEARD,
            Conference.local_date < conference.local_date,
        )
    )
    heard_before = select(Referral.case_id, Referral.heard_on).where(
        Referral.case_id.in_(case_ids),
        Referral.heard_on.is_not(None),
        Referral.heard_on < conference.local_date,
    )
    found: dict[uuid.UUID, set[date]] = defaultdict(set)
    rows: Result[uuid.UUID, date | None] = await session.execute(union_all(heard_here, heard_before))
    for case_id, day in rows:
        if day is not None:
            found[case_id].add(day)
    return {case_id: tuple(sorted(days)) for case_id, days in found.items()}


async def _agencies(
    session: AsyncSession, area_id: uuid.UUID, series_id: uuid.UUID
) -> tuple[dict[uuid.UUID, str], list[uuid.UUID]]:
    """The names of the area's agencies, and those attending the series (a series' agencies are the
    area's), in a stable order."""
    rows = await session.execute(
        select(Agency.id, Agency.name, SeriesAgency.agency_id)
        .outerjoin(
            SeriesAgency, and_(SeriesAgency.agency_id == Agency.id, SeriesAgency.series_id == series_id)
        )
        .where(Agency.area_id == area_id)
    )
    names: dict[uuid.UUID, str] = {}
    attending = []
    for agency_id, name, attends in rows:
        names[agency_id] = name
        if attends is not None:
            attending.append(agency_id)
    return names, sorted(attending)


async def _research(
    session: AsyncSession, item_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, tuple[ResearchState, str | None]]]:
    """Each listed item's research by agency: (status, encrypted note)."""
    found: dict[uuid.UUID, dict[uuid.UUID, tuple[ResearchState, str | None]]] = defaultdict(dict)
    rows = await session.execute(
        select(
            ResearchStatus.agenda_item_id,
            ResearchStatus.agency_id,
            ResearchStatus.status,
            ResearchStatus.note_enc,
        ).where(ResearchStatus.agenda_item_id.in_(item_ids))
    )
    for item_id, agency_id, status, note_enc in rows:
        found[item_id][agency_id] = (status, note_enc)
    return found


@dataclass(frozen=True)
class _Listing:
    """A discussed agenda item with what its referral and case say."""

    item_id: uuid.UUID
    case_id: uuid.UUID
    referring_agency_id: uuid.UUID
    referred_on: date
    criteria: list[str]
    instrument_id: str | None
    instrument_version: str | None
    result: dict[str, Any] | None
    professional_judgement: bool
    is_repeat: bool
    children: int


async def _listings(session: AsyncSession, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, _Listing]:
    rows = await session.execute(
        select(
            AgendaItem.id,
            AgendaItem.case_id,
            Referral.referring_agency_id,
            Referral.referred_on,
            Referral.criteria,
            Referral.instrument_id,
            Referral.instrument_version,
            Referral.result,
            Referral.professional_judgement,
            Referral.is_repeat,
            Case.children_in_household,
        )
        .join(Referral, Referral.id == AgendaItem.referral_id)
        .join(Case, Case.id == AgendaItem.case_id)
        .where(AgendaItem.id.in_(item_ids))
    )
    return {row[0]: _Listing(*row) for row in rows}


async def load_conference_packs(
    session: AsyncSession, protector: Protector, conference: Conference, now: datetime
) -> ConferencePacks:
    """Everything the packs of ``conference`` are made from (its latest published agenda version);
    actions past their deadline at ``now`` show as overdue."""
    series_name = select(ConferenceSeries.name).where(ConferenceSeries.id == conference.series_id)
    published = (
        await session.execute(
            select(AgendaVersion.number, AgendaVersion.snapshot, series_name.scalar_subquery()).where(
                AgendaVersion.conference_id == conference.id,
                AgendaVersion.number == conference.agenda_version,
            )
        )
    ).one_or_none()
    if conference.agenda_version == 0 or published is None:
        raise Conflict("Briefing packs are made from a published agenda; this one is not published yet")
    version_number, snapshot, series = published
    area = await session.get(Area, conference.area_id)
    assert area is not None  # a conference belongs to an area (foreign key)
    settings = load_area_settings(area.settings)
    lines = _discussed_lines(snapshot)
    item_ids = [_uuid(line["item_id"]) for _, line in lines]
    listings = await _listings(session, item_ids)
    case_ids = [listing.case_id for listing in listings.values()]
    previous = await _previous_dates(session, conference, case_ids)
    agency_names, attending = await _agencies(session, area.id, conference.series_id)
    research = await _research(session, item_ids)
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
    not_started = (ResearchState.NOT_STARTED, None)
    for section, line in lines:
        listing = listings.get(_uuid(line["item_id"]))
        if listing is None:
            continue  # removed since the version was published; the next version drops it too
        result, band = _result(listing)
        owners = {action.owner_agency_id for action in actions.get(listing.case_id, [])}
        by_agency = research.get(listing.item_id, {})
        cells = [(agency_id, by_agency.get(agency_id, not_started)) for agency_id in in_order]
        cases.append(
            ListedCase(
                item_id=listing.item_id,
                case_id=listing.case_id,
                referring_agency_id=listing.referring_agency_id,
                relevant_to=frozenset(relevance[listing.item_id] | owners),
                detail=PackCase(
                    reference=line["case_reference"],
                    section=DISCUSSED_SECTIONS[section],
                    referring_agency=agency_names.get(listing.referring_agency_id, ""),
                    referred_on=listing.referred_on,
                    criteria=tuple(CRITERIA_LABELS.get(c, c) for c in listing.criteria),
                    instrument=_instrument_title(listing),
                    result=result,
                    band=band,
                    repeat=listing.is_repeat,
                    previous_marac_dates=previous.get(listing.case_id, ()),
                    children_in_household=listing.children,
                    actions=tuple(action.entry for action in actions.get(listing.case_id, [])),
                    research=tuple(
                        ResearchEntry(
                            agency=agency_names.get(agency_id, ""),
                            status=RESEARCH_LABELS[status],
                            note=protector.open(note_enc, NOTE_CONTEXT),
                        )
                        for agency_id, (status, note_enc) in cells
                    ),
                    starts_at=datetime.fromisoformat(line["starts_at"]),
                ),
            )
        )
    recipients = await load_recipients(session, conference, area, attending, agency_names)
    exclusions = await exclusions_for_cases(session, _mentioned_cases(snapshot))
    chair = next((r for r in recipients if r.role == "Chair"), None)
    return ConferencePacks(
        conference_id=conference.id,
        area_id=area.id,
        local_date=conference.local_date,
        agenda_version=version_number,
        series_name=series,
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
