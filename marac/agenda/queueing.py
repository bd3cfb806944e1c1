"""Queueing: every accepted referral finds its conference without anyone juggling spreadsheets.

A referral waits when it is accepted, not linked to another waiting referral, and has no live agenda
item (one at a conference still to be held, or one already heard or withdrawn).  Waiting referrals
are placed, in order of acceptance (``decided_at``), into the earliest regular conference of their
area whose referral cut-off is after the acceptance and which has room; a case that did not fit its
first conference goes to the next with room and the coordinator is told.  A case deferred or not
heard at a closed meeting waits again and is carried to the top of the next conference whatever its
cut-off and room.  The sweep also lists cases whose last MARAC was twelve months ago (notification
only) at the next conference of each series.

The work is done in bulk — a few queries per batch of areas — so that 10,000 waiting referrals across
300 areas queue in well under two seconds.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import Actor
from marac.agenda.layout import (
    OPEN_STATUSES,
    Rearrangement,
    capacity_of,
    item_candidate,
    listing_facts,
    relayout,
)
from marac.agenda.models import AgendaItem, Conference, NoticeKind
from marac.agenda.notices import NewNotice
from marac.agenda.ordering import Candidate, build_agenda
from marac.agenda.twelve_month import UNPLACED, list_twelve_month_notifications
from marac.agenda.waiting import Waiting, drop_withdrawn, waiting_referrals
from marac.clock import Clock
from marac.db import is_postgresql

# Serialises queue sweeps across processes on PostgreSQL (SQLite serialises writers already).
_QUEUE_LOCK_KEY = 0x6D61726171
# Rows written in bulk go straight to the table: the ORM's bulk path costs more than the insert.
AGENDA_ITEMS = cast(Table, AgendaItem.__table__)


@dataclass
class QueueReport:
    """What a sweep did, for logs and the demo."""

    placed: int = 0
    carried_over: int = 0
    overflowed: int = 0
    unplaced: int = 0
    notifications: int = 0
    withdrawn: int = 0  # listed cases taken off an agenda: referral withdrawn or linked since
    conferences: set[uuid.UUID] = field(default_factory=set)


@dataclass
class _Slot:
    """An upcoming conference as placement sees it: when its list closes, and how much room is left."""

    conference_id: uuid.UUID
    local_date: date
    cut_off: datetime
    room: int
    new: list[tuple[uuid.UUID, bool]] = field(default_factory=list)  # (referral id, carried over)

    @property
    def day(self) -> str:
        return f"{self.local_date.day} {self.local_date:%B %Y}"


async def _open_slots(
    session: AsyncSession, area_ids: Collection[uuid.UUID], now: datetime
) -> dict[uuid.UUID, list[_Slot]]:
    """Each area's regular conferences yet to start whose agenda may change, soonest first, with room."""
    listed = (
        select(func.count())
        .where(AgendaItem.conference_id == Conference.id, AgendaItem.notification_only.is_(False))
        .scalar_subquery()
    )
    slots: dict[uuid.UUID, list[_Slot]] = defaultdict(list)
    wanted = list(area_ids)
    for start in range(0, len(wanted), 500):
        rows = await session.execute(
            select(
                Conference.id,
                Conference.area_id,
                Conference.local_date,
                Conference.cut_off,
                Conference.capacity - listed,
            )
            .where(
                Conference.area_id.in_(wanted[start : start + 500]),
                Conference.status.in_(OPEN_STATUSES),
                Conference.extraordinary.is_(False),
                Conference.starts_at > now,
            )
            .order_by(Conference.area_id, Conference.starts_at, Conference.id)
        )
        for conference_id, area_id, local_date, cut_off, room in rows:
            slots[area_id].append(_Slot(conference_id, local_date, cut_off, int(room)))
    return slots


def _place(waiting: Waiting, slots: list[_Slot]) -> tuple[_Slot | None, _Slot | None]:
    """(first conference the referral was due at, conference it is placed in)."""
    if waiting.carried:
        # Carried over: the very next meeting, at the top, whatever its cut-off and room.
        first = slots[0] if slots else None
        return first, first
    due = [slot for slot in slots if slot.cut_off > waiting.decided_at]
    chosen = next((slot for slot in due if slot.room > 0), None)
    return (due[0] if due else None), chosen


async def queue_waiting_referrals(
    session: AsyncSession,
    clock: Clock,
    work: Rearrangement,
    actor: Actor | None = None,
    *,
    area_ids: Collection[uuid.UUID] | None = None,
) -> QueueReport:
    """Place every waiting referral (of ``area_ids``, or all areas) and list twelve-month notifications.

    Idempotent: a second run finds nothing waiting.  Conferences that gained cases and the notices
    for the coordinator are collected in ``work``; the caller settles it
    (:func:`marac.agenda.publication.settle`), which republishes changed published agendas.
    """
    actor = actor or Actor.system("scheduler")
    now = work.now
    if is_postgresql(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _QUEUE_LOCK_KEY})
    report = QueueReport()
    report.withdrawn = await drop_withdrawn(session, work, area_ids)
    waiting = await waiting_referrals(session, area_ids)
    by_area: dict[uuid.UUID, list[Waiting]] = defaultdict(list)
    for referral in waiting:
        by_area[referral.area_id].append(referral)
    slots = await _open_slots(session, list(by_area), now) if by_area else {}
    for area_id, referrals in by_area.items():
        area_slots = slots.get(area_id, [])
        for referral in referrals:
            first, chosen = _place(referral, area_slots)
            if referral.urgent and not referral.carried:
                work.notices.append(_urgent_notice(referral, chosen))
            if chosen is None:
                report.unplaced += 1
                work.notices.append(
                    NewNotice(
                        area_id=area_id,
                        kind=NoticeKind.NO_CONFERENCE,
                        message=f"Referral {referral.reference} is waiting: no scheduled conference has "
                        "room for it. Schedule a conference or raise the capacity.",
                        dedupe_key=f"no-conference:{referral.referral_id}",
                        referral_id=referral.referral_id,
                    )
                )
                continue
            chosen.room -= 1
            chosen.new.append((referral.referral_id, referral.carried))
            if referral.carried:
                report.carried_over += 1
                work.notices.append(
                    NewNotice(
                        area_id=area_id,
                        kind=NoticeKind.CARRIED_OVER,
                        message=f"Referral {referral.reference} was not heard; it heads the agenda for "
                        f"{chosen.day}.",
                        dedupe_key=f"carried:{referral.referral_id}:{chosen.conference_id}",
                        conference_id=chosen.conference_id,
                        referral_id=referral.referral_id,
                    )
                )
            elif first is not None and first is not chosen:
                report.overflowed += 1
                work.notices.append(
                    NewNotice(
                        area_id=area_id,
                        kind=NoticeKind.OVERFLOW,
                        message=f"Referral {referral.reference} did not fit the conference on "
                        f"{first.day}; it is listed for "
                        f"{chosen.day} instead.",
                        dedupe_key=f"overflow:{referral.referral_id}:{first.conference_id}",
                        conference_id=chosen.conference_id,
                        referral_id=referral.referral_id,
                    )
                )
    touched = [slot for area_slots in slots.values() for slot in area_slots if slot.new]
    await _write_listings(session, work, touched, {w.referral_id: w for w in waiting}, now)
    report.placed = sum(len(slot.new) for slot in touched)
    report.notifications = await list_twelve_month_notifications(session, work, area_ids=area_ids)
    # One audit entry per area and sweep, naming every placement: the chain stays short at scale.
    placed_in: dict[uuid.UUID, dict[str, list[str]]] = defaultdict(dict)
    for area_id, area_slots in slots.items():
        for slot in area_slots:
            if slot.new:
                placed_in[area_id][str(slot.conference_id)] = [str(ref) for ref, _ in slot.new]
    for area_id, placements in placed_in.items():
        await audit.record(
            session,
            actor,
            clock,
            "agenda.queue",
            "area",
            area_id,
            area_id=area_id,
            detail={"placed": placements},
        )
    report.conferences = set(work.touched)
    return report


def _urgent_notice(referral: Waiting, chosen: _Slot | None) -> NewNotice:
    listed = f" It is listed for {chosen.day}." if chosen else ""
    return NewNotice(
        area_id=referral.area_id,
        kind=NoticeKind.URGENT_REFERRAL,
        message=f"Referral {referral.reference} is urgent: consider calling an extraordinary "
        f"conference.{listed}",
        dedupe_key=f"urgent:{referral.referral_id}",
        conference_id=chosen.conference_id if chosen else None,
        referral_id=referral.referral_id,
    )


async def _write_listings(
    session: AsyncSession,
    work: Rearrangement,
    touched: list[_Slot],
    waiting: dict[uuid.UUID, Waiting],
    now: datetime,
) -> None:
    """Lay out every conference that gained cases and write new and moved items in bulk."""
    if not touched:
        return
    ids = [slot.conference_id for slot in touched]
    conferences: dict[uuid.UUID, Conference] = {}
    existing: dict[uuid.UUID, list[AgendaItem]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for conference in await session.scalars(select(Conference).where(Conference.id.in_(chunk))):
            conferences[conference.id] = conference
        for item in await session.scalars(select(AgendaItem).where(AgendaItem.conference_id.in_(chunk))):
            existing[item.conference_id].append(item)
    facts = await listing_facts(session, [item.referral_id for items in existing.values() for item in items])
    facts.update({ref: waiting[ref].facts for slot in touched for ref, _ in slot.new})
    inserts: list[dict[str, object]] = []
    overflowing: list[Conference] = []
    for slot in touched:
        conference = conferences[slot.conference_id]
        items = existing.get(conference.id, [])
        candidates: list[Candidate] = [item_candidate(item, facts[item.referral_id]) for item in items]
        candidates += [facts[ref].candidate(ref, carried_over=carried) for ref, carried in slot.new]
        # Without the previous-actions item: one query per agenda here would cost more than the rest of
        # the sweep.  Order and sections do not depend on it; the times shift by its minutes when the
        # agenda is next laid out (at the latest on publication), and drafts are shown laid out anew.
        plan = build_agenda(candidates, capacity_of(conference), conference.starts_at)
        by_referral = {item.referral_id: item for item in items}
        carried = dict(slot.new)
        for planned in plan.cases:
            assert planned.candidate is not None
            ref = planned.candidate.referral_id
            values = {
                "section": planned.section,
                "position": planned.position,
                "starts_at": planned.starts_at,
                "ends_at": planned.ends_at,
            }
            listed = by_referral.get(ref)
            if listed is None:
                inserts.append(
                    {
                        "id": uuid.uuid4(),
                        "conference_id": conference.id,
                        "referral_id": ref,
                        "case_id": waiting[ref].case_id,
                        "carried_over": carried.get(ref, False),
                        "created_at": now,
                        **values,
                    }
                )
            else:
                for name, value in values.items():
                    setattr(listed, name, value)
        for candidate in plan.overflow:
            if candidate.referral_id not in by_referral:
                # A new case that is squeezed out at once still gets a row; the relayout below moves it.
                inserts.append(
                    {
                        "id": uuid.uuid4(),
                        "conference_id": conference.id,
                        "referral_id": candidate.referral_id,
                        "case_id": waiting[candidate.referral_id].case_id,
                        "carried_over": carried.get(candidate.referral_id, False),
                        "section": candidate.section,
                        "position": UNPLACED,
                        "starts_at": conference.ends_at,
                        "ends_at": conference.ends_at,
                        "created_at": now,
                    }
                )
        if plan.overflow:
            overflowing.append(conference)
        work.touch(conference)
    for start in range(0, len(inserts), 2000):
        await session.execute(AGENDA_ITEMS.insert(), inserts[start : start + 2000])
    await session.flush()
    for conference in overflowing:
        await relayout(session, work, conference)
