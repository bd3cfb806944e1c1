"""The reminder policy: which messages an action's deadline calls for, and when.

Reminders are rows (:class:`~marac.actions.models.ActionReminder`) planned from the deadline, all at
the area's reminder hour, local time:

* ``before-7``, ``before-1`` — the days before the deadline (area setting ``reminder_days_before``);
* ``due`` — on the day;
* ``overdue-1`` — the day after, then ``overdue-8``, ``overdue-15``… every
  ``overdue_reminder_interval_days`` for as long as the action stays open (each planned when the one
  before is sent, so the chain has no end and no pile of rows);
* ``escalation`` — to the chair, ``escalation_days_overdue`` days after the deadline.

Moving the deadline bumps the action's ``deadline_version``: unfinished rows of older versions are
cancelled and the plan is made again, so a reminder already sent is never repeated for the old date
and the new date gets its own reminders (their outbox keys carry the version).  Reminders whose time
has passed when they are planned are left out — except the escalation, which is due at once, and the
overdue chain, which starts at its next step.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.area_settings import load_area_settings
from marac.access.models import Area
from marac.actions.models import Action, ActionReminder
from marac.agenda.recurrence import local_to_utc
from marac.db import insert_ignoring_conflicts
from marac.notify.outbox import random_ids

DUE = "due"
ESCALATION = "escalation"
BEFORE_PREFIX = "before-"
OVERDUE_PREFIX = "overdue-"


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """An area's reminder settings, read once per area."""

    days_before: tuple[int, ...]
    escalation_days_overdue: int
    overdue_interval_days: int
    hour: int
    timezone: str

    @classmethod
    def of(cls, area: Area) -> ReminderPolicy:
        settings = load_area_settings(area.settings)
        return cls(
            days_before=tuple(sorted(set(settings.reminder_days_before), reverse=True)),
            escalation_days_overdue=settings.escalation_days_overdue,
            overdue_interval_days=settings.overdue_reminder_interval_days,
            hour=settings.action_reminder_hour,
            timezone=area.timezone,
        )

    def at(self, day: date) -> datetime:
        """The reminder moment of a local day, in UTC."""
        return local_to_utc(day, time(self.hour), self.timezone)


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    kind: str
    scheduled_at: datetime


def overdue_kind(days: int) -> str:
    return f"{OVERDUE_PREFIX}{days}"


def overdue_days(kind: str) -> int | None:
    """``overdue-8`` → 8; None for any other kind."""
    if not kind.startswith(OVERDUE_PREFIX):
        return None
    return int(kind.removeprefix(OVERDUE_PREFIX))


def days_before(kind: str) -> int | None:
    """``before-7`` → 7; None for any other kind."""
    if not kind.startswith(BEFORE_PREFIX):
        return None
    return int(kind.removeprefix(BEFORE_PREFIX))


def first_overdue(deadline: date, policy: ReminderPolicy, now: datetime) -> PlannedReminder:
    """The first step of the overdue chain (day 1, then every interval) that has not yet passed."""
    days = 1
    if policy.at(deadline + timedelta(days=1)) < now:
        # Jump straight to the step that covers today instead of walking week by week.
        behind = (now.date() - deadline).days - 1
        days = 1 + max(0, behind // policy.overdue_interval_days) * policy.overdue_interval_days
        while policy.at(deadline + timedelta(days=days)) < now:
            days += policy.overdue_interval_days
    return PlannedReminder(overdue_kind(days), policy.at(deadline + timedelta(days=days)))


def next_overdue(kind: str, deadline: date, policy: ReminderPolicy) -> PlannedReminder | None:
    """The step of the overdue chain after ``kind`` (None when ``kind`` is not an overdue notice)."""
    days = overdue_days(kind)
    if days is None:
        return None
    following = days + policy.overdue_interval_days
    return PlannedReminder(overdue_kind(following), policy.at(deadline + timedelta(days=following)))


def plan_reminders(deadline: date, policy: ReminderPolicy, now: datetime) -> list[PlannedReminder]:
    """Every reminder a deadline calls for from ``now`` on, in time order."""
    planned = [
        PlannedReminder(f"{BEFORE_PREFIX}{days}", policy.at(deadline - timedelta(days=days)))
        for days in policy.days_before
    ]
    planned.append(PlannedReminder(DUE, policy.at(deadline)))
    planned = [reminder for reminder in planned if reminder.scheduled_at >= now]
    planned.append(first_overdue(deadline, policy, now))
    escalate_at = policy.at(deadline + timedelta(days=policy.escalation_days_overdue))
    planned.append(PlannedReminder(ESCALATION, max(escalate_at, now)))
    return sorted(planned, key=lambda reminder: reminder.scheduled_at)


async def insert_ignoring_duplicates(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT … ON CONFLICT DO NOTHING`` into ``action_reminder``: planning twice plans once.

    Rows go as parameters of one cached statement (executemany), not as a statement per batch.
    """
    if not rows:
        return
    statement = insert_ignoring_conflicts(
        session.get_bind().dialect, ActionReminder, ["action_id", "kind", "deadline_version"]
    )
    await session.execute(statement, list(rows))


def reminder_rows(
    action_id: uuid.UUID, version: int, planned: Sequence[PlannedReminder]
) -> list[dict[str, Any]]:
    return planned_rows([(action_id, version, reminder) for reminder in planned])


def planned_rows(items: Sequence[tuple[uuid.UUID, int, PlannedReminder]]) -> list[dict[str, Any]]:
    """Rows for ``action_reminder`` from (action id, deadline version, planned reminder) triples."""
    return [
        {
            "id": row_id,
            "action_id": action_id,
            "kind": reminder.kind,
            "deadline_version": version,
            "scheduled_at": reminder.scheduled_at,
        }
        for (action_id, version, reminder), row_id in zip(items, random_ids(len(items)), strict=True)
    ]


async def cancel_pending(
    session: AsyncSession, action_id: uuid.UUID, now: datetime, *, keep_version: int | None = None
) -> int:
    """Cancel the action's unfinished reminders (all of them, or those not of ``keep_version``)."""
    statement = update(ActionReminder).where(
        ActionReminder.action_id == action_id,
        ActionReminder.sent_at.is_(None),
        ActionReminder.cancelled_at.is_(None),
    )
    if keep_version is not None:
        statement = statement.where(ActionReminder.deadline_version != keep_version)
    result = await session.execute(
        statement.values(cancelled_at=now, outcome="cancelled").execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def plan_for(session: AsyncSession, action: Action, policy: ReminderPolicy, now: datetime) -> int:
    """Plan the reminders of the action's current deadline; older versions' rows are cancelled."""
    await cancel_pending(session, action.id, now, keep_version=action.deadline_version)
    planned = plan_reminders(action.deadline, policy, now)
    await insert_ignoring_duplicates(session, reminder_rows(action.id, action.deadline_version, planned))
    return len(planned)
