"""Laying out one conference's agenda from its items, and moving cases on to the next conference.

The order and the time slots come from :func:`marac.agenda.ordering.build_agenda`; this module feeds
it the conference's items, writes back sections, positions and times, and moves cases that do not fit
(overflow), are deferred, or whose conference is cancelled to the next conference of the area,
telling the coordinator.  Every conference whose agenda changed is collected in a
:class:`Rearrangement`, so the caller can republish the published ones in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.agenda.models import AgendaItem, Conference, ConferenceStatus, NoticeKind
from marac.agenda.notices import NewNotice
from marac.agenda.ordering import AgendaPlan, Candidate, Capacity, build_agenda
from marac.agenda.previous_actions import previous_incomplete_actions
from marac.cases.models import Case, Referral

# Conferences whose agenda may still change; a held or closed meeting keeps the agenda it had.
OPEN_STATUSES = (ConferenceStatus.SCHEDULED, ConferenceStatus.PUBLISHED)
# Protects against a loop of moves; far more conferences than anyone would chain.
_MAX_CASCADE = 24


def case_slots(duration_minutes: int, minutes_per_case: int, max_cases: int | None) -> int:
    """Discussion slots of a meeting of this length (see :class:`~marac.agenda.ordering.Capacity`)."""
    return Capacity(
        max_cases=max_cases, minutes_per_case=minutes_per_case, meeting_minutes=max(1, duration_minutes)
    ).case_slots


def capacity_of(conference: Conference) -> Capacity:
    minutes = int((conference.ends_at - conference.starts_at).total_seconds() // 60)
    return Capacity(
        max_cases=conference.max_cases,
        minutes_per_case=conference.minutes_per_case,
        meeting_minutes=max(1, minutes),
    )


@dataclass(frozen=True)
class ListingFacts:
    """What ordering needs to know about a listed referral and its case."""

    referral_reference: str
    case_reference: str
    has_children: bool
    is_repeat: bool
    risk_rank: int
    referred_at: datetime

    def candidate(
        self,
        referral_id: uuid.UUID,
        *,
        carried_over: bool = False,
        pinned_position: int | None = None,
        notification_only: bool = False,
    ) -> Candidate:
        return Candidate(
            referral_id=referral_id,
            case_ref=self.case_reference,
            has_children=self.has_children,
            is_repeat=self.is_repeat,
            risk_rank=self.risk_rank,
            referred_at=self.referred_at,
            carried_over=carried_over,
            pinned_position=pinned_position,
            notification_only=notification_only,
        )


async def listing_facts(
    session: AsyncSession, referral_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, ListingFacts]:
    """Ordering facts for many referrals in one query per 500."""
    wanted = list(dict.fromkeys(referral_ids))
    facts: dict[uuid.UUID, ListingFacts] = {}
    for start in range(0, len(wanted), 500):
        rows = await session.execute(
            select(
                Referral.id,
                Referral.reference,
                Case.reference,
                Referral.has_children,
                Case.children_in_household,
                Referral.is_repeat,
                Referral.risk_rank,
                Referral.submitted_at,
            )
            .join(Case, Case.id == Referral.case_id)
            .where(Referral.id.in_(wanted[start : start + 500]))
        )
        for ref_id, ref_reference, case_reference, children, in_household, repeat, rank, at in rows:
            facts[ref_id] = ListingFacts(
                ref_reference, case_reference, bool(children or in_household), repeat, rank, at
            )
    return facts


def item_candidate(item: AgendaItem, facts: ListingFacts) -> Candidate:
    return facts.candidate(
        item.referral_id,
        carried_over=item.carried_over,
        pinned_position=item.position if item.pinned else None,
        notification_only=item.notification_only,
    )


@dataclass
class Rearrangement:
    """What one unit of work changed: conferences whose agenda moved, and notices for the coordinator."""

    now: datetime
    touched: dict[uuid.UUID, Conference] = field(default_factory=dict)
    notices: list[NewNotice] = field(default_factory=list)

    def touch(self, conference: Conference) -> None:
        self.touched[conference.id] = conference


def apply_plan(plan: AgendaPlan, items: dict[uuid.UUID, AgendaItem]) -> None:
    """Write the plan's sections, positions and slots onto the items (by referral id)."""
    for planned in plan.cases:
        item = items[planned.candidate.referral_id] if planned.candidate else None
        if item is None:
            continue
        if (item.section, item.position, item.starts_at, item.ends_at) != (
            planned.section,
            planned.position,
            planned.starts_at,
            planned.ends_at,
        ):
            item.section = planned.section
            item.position = planned.position
            item.starts_at = planned.starts_at
            item.ends_at = planned.ends_at


async def items_of(session: AsyncSession, conference_id: uuid.UUID) -> list[AgendaItem]:
    return list(await session.scalars(select(AgendaItem).where(AgendaItem.conference_id == conference_id)))


async def plan_for(
    session: AsyncSession, conference: Conference, items: Sequence[AgendaItem] | None = None
) -> tuple[AgendaPlan, dict[uuid.UUID, AgendaItem], dict[uuid.UUID, ListingFacts]]:
    """The agenda the conference's items make now (nothing written): plan, items and facts by referral."""
    listed = list(items) if items is not None else await items_of(session, conference.id)
    facts = await listing_facts(session, (item.referral_id for item in listed))
    candidates = [item_candidate(item, facts[item.referral_id]) for item in listed]
    previous = await previous_incomplete_actions(session, conference)
    plan = build_agenda(candidates, capacity_of(conference), conference.starts_at, len(previous))
    return plan, {item.referral_id: item for item in listed}, facts


async def relayout(
    session: AsyncSession, work: Rearrangement, conference: Conference, *, depth: int = 0
) -> AgendaPlan:
    """Re-order the conference's agenda and move any overflow on to the next conference."""
    plan, items, facts = await plan_for(session, conference)
    apply_plan(plan, items)
    work.touch(conference)
    if plan.overflow:
        overflowing = [items[candidate.referral_id] for candidate in plan.overflow]
        await move_to_next(
            session, work, conference, overflowing, facts, kind=NoticeKind.OVERFLOW, depth=depth + 1
        )
    return plan


async def next_conference(session: AsyncSession, after: Conference) -> Conference | None:
    """The area's next regular conference after ``after`` whose agenda may still change."""
    return await session.scalar(
        select(Conference)
        .where(
            Conference.area_id == after.area_id,
            Conference.id != after.id,
            Conference.extraordinary.is_(False),
            Conference.status.in_(OPEN_STATUSES),
            Conference.starts_at > after.starts_at,
        )
        .order_by(Conference.starts_at, Conference.id)
        .limit(1)
    )


def _day(conference: Conference) -> str:
    return f"{conference.local_date:%d %B %Y}".lstrip("0")


async def move_to_next(
    session: AsyncSession,
    work: Rearrangement,
    source: Conference,
    items: Sequence[AgendaItem],
    facts: dict[uuid.UUID, ListingFacts] | None = None,
    *,
    kind: NoticeKind,
    carried_over: bool = False,
    depth: int = 0,
) -> Conference | None:
    """Move items from ``source`` to the next conference, re-order it, and tell the coordinator.

    With no later conference the items stay where they are and the coordinator is told to schedule
    one; the caller decides what that means (a cancelled conference's cases then wait in the queue).
    """
    if not items:
        return None
    facts = facts or await listing_facts(session, (item.referral_id for item in items))
    target = await next_conference(session, source) if depth < _MAX_CASCADE else None
    if target is None:
        for item in items:
            reference = facts[item.referral_id].referral_reference
            work.notices.append(
                NewNotice(
                    area_id=source.area_id,
                    kind=NoticeKind.NO_CONFERENCE,
                    message=f"Referral {reference} could not be moved on from the conference on "
                    f"{_day(source)}: no later conference has been scheduled.",
                    dedupe_key=f"no-conference:{item.referral_id}:{source.id}",
                    conference_id=source.id,
                    referral_id=item.referral_id,
                )
            )
        return None
    for item in items:
        item.conference_id = target.id
        item.pinned = False  # a pin is a place in one agenda
        item.carried_over = item.carried_over or carried_over
        reference = facts[item.referral_id].referral_reference
        verb = {
            NoticeKind.OVERFLOW: "did not fit the conference",
            NoticeKind.CARRIED_OVER: "was not heard at the conference",
        }.get(kind, "was moved from the conference")
        work.notices.append(
            NewNotice(
                area_id=source.area_id,
                kind=kind,
                message=f"Referral {reference} {verb} on {_day(source)}; "
                f"it is now listed for {_day(target)}.",
                dedupe_key=f"{kind.value}:{item.referral_id}:{source.id}",
                conference_id=target.id,
                referral_id=item.referral_id,
                detail={"from_conference_id": str(source.id), "to_conference_id": str(target.id)},
            )
        )
    await session.flush()
    await relayout(session, work, target, depth=depth)
    return target


def is_open(conference: Conference) -> bool:
    return conference.status in OPEN_STATUSES


def meeting_day(conference: Conference) -> str:
    """The meeting day as people write it, e.g. ``8 December 2026`` (for notices)."""
    return _day(conference)


def now_of(work: Rearrangement) -> datetime:
    return work.now
