"""Publishing agendas: frozen, numbered versions, and what changed between them.

At its publication moment (by default the referral cut-off) a conference's agenda is laid out once
more and frozen as version 1: a JSON snapshot of sections, time slots and case references — never
names.  Any later change to a published agenda (a case added, moved, deferred, the meeting moved)
makes the next version at once, with a list of what changed, so that agency representatives always
see a numbered agenda and know what is new in it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import Actor
from marac.access.models import Agency
from marac.agenda.agenda_cache import AGENDA_CACHE
from marac.agenda.layout import (
    OPEN_STATUSES,
    ListingFacts,
    Rearrangement,
    meeting_day,
    plan_for,
    relayout,
)
from marac.agenda.models import AgendaItem, AgendaVersion, Conference, ConferenceStatus, NoticeKind
from marac.agenda.notices import NewNotice, add_notices
from marac.agenda.ordering import CASE_SECTIONS, SECTIONS, AgendaPlan
from marac.agenda.previous_actions import PreviousAction, previous_incomplete_actions
from marac.agenda.visibility import (
    get_conference,
    hidden_case_ids,
    require_manager,
)
from marac.cases.models import Referral
from marac.clock import Clock
from marac.errors import Conflict

SECTION_TITLES: dict[str, str] = {
    "introductions": "Introductions",
    "confidentiality": "Confidentiality statement",
    "previous_actions": "Incomplete actions from the previous meeting",
    "children": "Cases with children in the household",
    "adults": "Adult-only cases",
    "twelve_month": "Twelve months since the last MARAC (notification only)",
    "aob": "Any other business",
}


def _iso(value: datetime) -> str:
    return value.isoformat()


async def _referring_agencies(
    session: AsyncSession, referral_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    wanted = list(referral_ids)
    names: dict[uuid.UUID, str] = {}
    for start in range(0, len(wanted), 500):
        rows = await session.execute(
            select(Referral.id, Agency.name)
            .join(Agency, Agency.id == Referral.referring_agency_id)
            .where(Referral.id.in_(wanted[start : start + 500]))
        )
        names.update({row[0]: row[1] for row in rows})
    return names


async def build_snapshot(
    session: AsyncSession,
    conference: Conference,
    plan: AgendaPlan,
    items: dict[uuid.UUID, AgendaItem],
    facts: dict[uuid.UUID, ListingFacts],
) -> dict[str, Any]:
    """The agenda as frozen at publication: conference header, sections in order, previous actions."""
    agencies = await _referring_agencies(session, items)
    previous: list[PreviousAction] = await previous_incomplete_actions(session, conference)
    sections: list[dict[str, Any]] = []
    for name in SECTIONS:
        planned = plan.section(name)
        if not planned:
            continue
        lines = []
        if name in CASE_SECTIONS:
            for entry in planned:
                assert entry.candidate is not None
                item = items[entry.candidate.referral_id]
                fact = facts[item.referral_id]
                lines.append(
                    {
                        "item_id": str(item.id),
                        "case_id": str(item.case_id),
                        "case_reference": fact.case_reference,
                        "referral_reference": fact.referral_reference,
                        "referring_agency": agencies.get(item.referral_id, ""),
                        "starts_at": _iso(entry.starts_at),
                        "ends_at": _iso(entry.ends_at),
                        "repeat": fact.is_repeat,
                        "carried_over": item.carried_over,
                        "notification_only": item.notification_only,
                    }
                )
        sections.append(
            {
                "key": name,
                "title": SECTION_TITLES[name],
                "starts_at": _iso(planned[0].starts_at),
                "ends_at": _iso(planned[-1].ends_at),
                "items": lines,
            }
        )
    return {
        "conference": {
            "starts_at": _iso(conference.starts_at),
            "ends_at": _iso(conference.ends_at),
            "local_date": conference.local_date.isoformat(),
            "location": conference.location,
            "online_link": conference.online_link,
            "extraordinary": conference.extraordinary,
        },
        "sections": sections,
        "previous_actions": [
            {
                "reference": action.reference,
                "case_id": str(action.case_id),
                "case_reference": action.case_reference,
                "owner_agency": action.owner_agency,
                "deadline": action.deadline.isoformat(),
                "status": action.status,
            }
            for action in previous
        ],
    }


def _lines(snapshot: dict[str, Any]) -> dict[str, tuple[str, int, dict[str, Any]]]:
    """case id → (section key, place in section, line)."""
    found = {}
    for section in snapshot["sections"]:
        for place, line in enumerate(section["items"]):
            found[line["case_id"]] = (section["key"], place, line)
    return found


def changes_between(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """What a reader of ``old`` needs to know about ``new``: meeting time or place, cases added,
    removed, moved between sections or re-ordered.  Knock-on shifts of time slots are not listed."""
    changes: list[dict[str, Any]] = []
    before, after = old["conference"], new["conference"]
    if (before["starts_at"], before["ends_at"]) != (after["starts_at"], after["ends_at"]):
        changes.append({"change": "time", "detail": "The meeting has a new date or time."})
    if (before["location"], before["online_link"]) != (after["location"], after["online_link"]):
        changes.append({"change": "place", "detail": "The meeting has a new location or online link."})
    old_lines, new_lines = _lines(old), _lines(new)
    titles = SECTION_TITLES
    for case_id, (section, _, line) in new_lines.items():
        if case_id not in old_lines:
            changes.append(_case_change("added", line, f"Added under {titles[section]}."))
    for case_id, (section, _, line) in old_lines.items():
        if case_id not in new_lines:
            changes.append(_case_change("removed", line, f"Removed from {titles[section]}."))
    kept = [case_id for case_id in new_lines if case_id in old_lines]
    for case_id in kept:
        old_section, _, _ = old_lines[case_id]
        new_section, _, line = new_lines[case_id]
        if old_section != new_section:
            changes.append(_case_change("moved", line, f"Moved to {titles[new_section]}."))

    def order(lines: dict[str, tuple[str, int, dict[str, Any]]], section: str) -> list[str]:
        in_section = [
            (place, cid) for cid, (key, place, _) in lines.items() if key == section and cid in kept
        ]
        return [cid for _, cid in sorted(in_section)]

    for section in CASE_SECTIONS:
        was, now = order(old_lines, section), order(new_lines, section)
        for rank, case_id in enumerate(now):
            if case_id in was and was.index(case_id) != rank and old_lines[case_id][0] == section:
                changes.append(_case_change("reordered", new_lines[case_id][2], "New place in its section."))
    if len(old["previous_actions"]) != len(new["previous_actions"]):
        changes.append({"change": "previous_actions", "detail": "The list of incomplete actions changed."})
    return changes


def _case_change(kind: str, line: dict[str, Any], detail: str) -> dict[str, Any]:
    return {
        "change": kind,
        "case_id": line["case_id"],
        "case_reference": line["case_reference"],
        "detail": detail,
    }


async def latest_version(session: AsyncSession, conference: Conference) -> AgendaVersion | None:
    if conference.agenda_version == 0:
        return None
    return await session.scalar(
        select(AgendaVersion).where(
            AgendaVersion.conference_id == conference.id, AgendaVersion.number == conference.agenda_version
        )
    )


async def publish(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    conference: Conference,
    work: Rearrangement | None = None,
) -> AgendaVersion | None:
    """Freeze the agenda as its next version; ``None`` when nothing changed since the last one."""
    if conference.status not in OPEN_STATUSES:
        raise Conflict(f"The conference is {conference.status.value}: its agenda can no longer change")
    own_work = work is None
    work = work or Rearrangement(clock.now())
    await relayout(session, work, conference)
    plan, items, facts = await plan_for(session, conference)
    snapshot = await build_snapshot(session, conference, plan, items, facts)
    last = await latest_version(session, conference)
    if last is not None and last.snapshot == snapshot:
        if own_work:
            await settle(session, clock, actor, work)
        return None
    number = conference.agenda_version + 1
    version = AgendaVersion(
        conference_id=conference.id,
        number=number,
        published_at=work.now,
        published_by=actor.user_id,
        snapshot=snapshot,
        changes=changes_between(last.snapshot, snapshot) if last is not None else [],
    )
    session.add(version)
    AGENDA_CACHE.forget(conference.id)
    conference.agenda_version = number
    conference.status = ConferenceStatus.PUBLISHED
    conference.published_at = conference.published_at or work.now
    work.notices.append(
        NewNotice(
            area_id=conference.area_id,
            kind=NoticeKind.AGENDA_PUBLISHED,
            message=f"The agenda for the conference on {meeting_day(conference)} was published "
            f"(version {number}, {len(items)} cases).",
            dedupe_key=f"published:{conference.id}:{number}",
            conference_id=conference.id,
            detail={"version": number},
        )
    )
    await audit.record(
        session,
        actor,
        clock,
        "agenda.publish",
        "conference",
        conference.id,
        area_id=conference.area_id,
        detail={"version": number, "items": len(items), "changes": len(version.changes)},
    )
    if own_work:
        await settle(session, clock, actor, work)
    return version


async def settle(session: AsyncSession, clock: Clock, actor: Actor, work: Rearrangement) -> None:
    """Finish a unit of work: republish every published agenda it changed, write its notices."""
    done: set[uuid.UUID] = set()
    while True:
        pending = [c for cid, c in work.touched.items() if cid not in done]
        if not pending:
            break
        for conference in pending:
            done.add(conference.id)
            if conference.status == ConferenceStatus.PUBLISHED:
                await publish(session, clock, actor, conference, work)
    await add_notices(session, work.now, work.notices)
    work.notices.clear()


async def publish_due(session: AsyncSession, clock: Clock, actor: Actor | None = None) -> list[AgendaVersion]:
    """Scheduler sweep: publish every agenda whose publication moment has come.  Idempotent."""
    actor = actor or Actor.system("scheduler")
    due = await session.scalars(
        select(Conference)
        .where(Conference.status == ConferenceStatus.SCHEDULED, Conference.publish_at <= clock.now())
        .order_by(Conference.publish_at, Conference.id)
    )
    published = []
    for conference in list(due):
        version = await publish(session, clock, actor, conference)
        if version is not None:
            published.append(version)
    return published


@dataclass(frozen=True)
class VersionSummary:
    number: int
    published_at: datetime
    changes: list[dict[str, Any]]


async def publish_now(
    session: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID
) -> VersionSummary:
    """The coordinator publishes (or republishes) an agenda before its publication moment; the
    answer is the latest version, new or, when nothing changed, the one already published."""
    conference = await get_conference(session, actor, conference_id)
    require_manager(actor, conference, "publish an agenda")
    version = await publish(session, clock, actor, conference) or await latest_version(session, conference)
    assert version is not None  # publish() made one, or one existed and nothing had changed
    hidden = {str(case_id) for case_id in await hidden_case_ids(session, actor)}
    return VersionSummary(
        version.number, version.published_at, [c for c in version.changes if c.get("case_id") not in hidden]
    )
