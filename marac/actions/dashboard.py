"""The chair's view of actions: completion by agency and by conference, what is overdue, how late
things are, "not done" against "not possible", and the trend over the last twelve months.

Figures cover actions agreed in the window (the last ``months`` calendar months, area time); the
overdue list holds every open action past its deadline, whenever agreed.  Counts are aggregates; the
overdue list names cases by reference and leaves out cases the viewer must not receive anything about.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import OVERSEERS, Actor, require_role
from marac.access.models import Agency, Area
from marac.actions import schemas
from marac.actions.models import Action, ActionReminder, ActionStatus
from marac.actions.reminders import ESCALATION
from marac.actions.views import local_today
from marac.agenda.models import Conference
from marac.cases.access import excluded_case_ids
from marac.cases.models import Case
from marac.clock import Clock
from marac.errors import NotFound


@dataclass(frozen=True, slots=True)
class _Fact:
    action_id: uuid.UUID
    reference: str
    case_id: uuid.UUID
    case_reference: str
    agency_id: uuid.UUID
    conference_id: uuid.UUID
    held_on: date  # the conference that agreed it
    deadline: date
    status: ActionStatus
    closed_on: date | None


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months_back(today: date, months: int) -> list[str]:
    """``months`` labels ending with today's month, oldest first."""
    labels = []
    year, month = today.year, today.month
    for _ in range(months):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return labels[::-1]


def completion(facts: Iterable[_Fact], today: date) -> schemas.Completion:
    """Counts by outcome; the rate is completed ÷ actions that should be finished by now."""
    counts: Counter[ActionStatus] = Counter()
    overdue = total = 0
    for fact in facts:
        total += 1
        counts[fact.status] += 1
        if fact.status == ActionStatus.OPEN and fact.deadline < today:
            overdue += 1
    completed = counts[ActionStatus.COMPLETED]
    due = completed + counts[ActionStatus.NOT_POSSIBLE] + counts[ActionStatus.NOT_DONE] + overdue
    return schemas.Completion(
        total=total,
        open=counts[ActionStatus.OPEN],
        overdue=overdue,
        completed=completed,
        not_possible=counts[ActionStatus.NOT_POSSIBLE],
        not_done=counts[ActionStatus.NOT_DONE],
        cancelled=counts[ActionStatus.CANCELLED],
        completion_rate=round(completed / due, 4) if due else None,
    )


def trend(facts: Iterable[_Fact], labels: list[str]) -> list[schemas.MonthBucket]:
    """Per month: actions agreed, and actions closed by outcome (a completion late if after its deadline)."""
    agreed: Counter[str] = Counter()
    closed: dict[str, Counter[str]] = defaultdict(Counter)
    for fact in facts:
        agreed[_month(fact.held_on)] += 1
        if fact.closed_on is not None:
            bucket = closed[_month(fact.closed_on)]
            bucket[fact.status.value] += 1
            if fact.status == ActionStatus.COMPLETED and fact.closed_on > fact.deadline:
                bucket["completed_late"] += 1
    buckets = []
    for label in labels:
        bucket = closed[label]
        decided = bucket["completed"] + bucket["not_possible"] + bucket["not_done"]
        buckets.append(
            schemas.MonthBucket(
                month=label,
                agreed=agreed[label],
                completed=bucket["completed"],
                completed_late=bucket["completed_late"],
                not_possible=bucket["not_possible"],
                not_done=bucket["not_done"],
                cancelled=bucket["cancelled"],
                completion_rate=round(bucket["completed"] / decided, 4) if decided else None,
            )
        )
    return buckets


async def _facts(session: AsyncSession, area: Area, since: date) -> list[_Fact]:
    """Actions agreed since ``since`` and every open one (for the overdue list), in one query."""
    rows = await session.execute(
        select(
            Action.id,
            Action.reference,
            Action.case_id,
            Case.reference,
            Action.owner_agency_id,
            Action.conference_id,
            Conference.local_date,
            Action.deadline,
            Action.status,
            Action.closed_on,
        )
        .join(Case, Case.id == Action.case_id)
        .join(Conference, Conference.id == Action.conference_id)
        .where(
            Action.area_id == area.id,
            (Conference.local_date >= since) | (Action.status == ActionStatus.OPEN),
        )
    )
    return [
        _Fact(
            action_id=row[0],
            reference=row[1],
            case_id=row[2],
            case_reference=row[3],
            agency_id=row[4],
            conference_id=row[5],
            held_on=row[6],
            deadline=row[7],
            status=row[8],
            closed_on=row[9],
        )
        for row in rows
    ]


async def action_dashboard(
    session: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID, *, months: int = 12
) -> schemas.ActionDashboard:
    """The chair's view of the area's actions (chairs, coordinators and administrators)."""
    require_role(actor, area_id, *OVERSEERS, doing="see the actions dashboard")
    area = await session.get(Area, area_id)
    if area is None:
        raise NotFound("area", area_id)
    today = local_today(area.timezone, clock.now())
    labels = _months_back(today, months)
    since = date.fromisoformat(f"{labels[0]}-01")
    facts = await _facts(session, area, since)
    window = [fact for fact in facts if fact.held_on >= since]
    names = dict(
        (await session.execute(select(Agency.id, Agency.name).where(Agency.area_id == area_id))).all()
    )
    by_agency: dict[uuid.UUID, list[_Fact]] = defaultdict(list)
    by_conference: dict[tuple[date, uuid.UUID], list[_Fact]] = defaultdict(list)
    for fact in window:
        by_agency[fact.agency_id].append(fact)
        by_conference[(fact.held_on, fact.conference_id)].append(fact)
    hidden = await excluded_case_ids(session, actor.user_id)
    overdue = sorted(
        (
            f
            for f in facts
            if f.status == ActionStatus.OPEN and f.deadline < today and f.case_id not in hidden
        ),
        key=lambda f: (f.deadline, f.reference),
    )
    late = [
        (fact.closed_on - fact.deadline).days
        for fact in window
        if fact.status == ActionStatus.COMPLETED
        and fact.closed_on is not None
        and fact.closed_on > fact.deadline
    ]
    overall = completion(window, today)
    await audit.record(session, actor, clock, "action.dashboard", "area", area_id, area_id=area_id)
    return schemas.ActionDashboard(
        area_id=area_id,
        as_of=today,
        overall=overall,
        by_agency=sorted(
            (
                schemas.AgencyCompletion(
                    agency_id=agency_id,
                    agency_name=names.get(agency_id, ""),
                    completion=completion(group, today),
                )
                for agency_id, group in by_agency.items()
            ),
            key=lambda entry: entry.agency_name,
        ),
        by_conference=[
            schemas.ConferenceCompletion(
                conference_id=conference_id, held_on=held_on, completion=completion(group, today)
            )
            for (held_on, conference_id), group in sorted(by_conference.items(), key=lambda item: item[0][0])
        ],
        overdue=[
            schemas.OverdueAction(
                id=fact.action_id,
                reference=fact.reference,
                case_reference=fact.case_reference,
                owner_agency_id=fact.agency_id,
                owner_agency_name=names.get(fact.agency_id, ""),
                deadline=fact.deadline,
                days_overdue=(today - fact.deadline).days,
            )
            for fact in overdue
        ],
        completed_late=len(late),
        average_days_late=round(sum(late) / len(late), 2) if late else None,
        not_done=overall.not_done,
        not_possible=overall.not_possible,
        trend=trend(window, labels),
    )


async def escalated_action_ids(session: AsyncSession, area_id: uuid.UUID) -> set[uuid.UUID]:
    """Open actions of the area whose escalation to the chair has gone out for their current deadline.

    No audit entry: ids only, shown beside the dashboard that audits its own view.
    """
    rows = await session.scalars(
        select(Action.id)
        .join(ActionReminder, ActionReminder.action_id == Action.id)
        .where(
            Action.area_id == area_id,
            Action.status == ActionStatus.OPEN,
            ActionReminder.kind == ESCALATION,
            ActionReminder.deadline_version == Action.deadline_version,
            ActionReminder.sent_at.is_not(None),
        )
    )
    return set(rows)
