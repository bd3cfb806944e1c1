"""The reminder plan derived from a deadline: kinds, local times across clock changes, area settings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from marac.access.models import Area
from marac.actions.reminders import (
    PlannedReminder,
    ReminderPolicy,
    first_overdue,
    next_overdue,
    plan_reminders,
)


def _policy(**settings: object) -> ReminderPolicy:
    area = Area(timezone="Europe/London", jurisdiction="GB-ENG", settings=dict(settings))
    return ReminderPolicy.of(area)


def _utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def _plan(deadline: date, now: datetime, **settings: object) -> list[tuple[str, datetime]]:
    return [(r.kind, r.scheduled_at) for r in plan_reminders(deadline, _policy(**settings), now)]


def test_the_default_plan_for_a_winter_deadline() -> None:
    assert _plan(date(2026, 12, 10), _utc(2026, 11, 23, 9)) == [
        ("before-7", _utc(2026, 12, 3, 8)),
        ("before-1", _utc(2026, 12, 9, 8)),
        ("due", _utc(2026, 12, 10, 8)),
        ("overdue-1", _utc(2026, 12, 11, 8)),
        ("escalation", _utc(2026, 12, 24, 8)),
    ]


def test_reminders_keep_local_time_across_the_spring_clock_change() -> None:
    plan = dict(_plan(date(2027, 4, 1), _utc(2027, 3, 1)))
    assert plan["before-7"] == _utc(2027, 3, 25, 8)  # still GMT
    assert plan["due"] == _utc(2027, 4, 1, 7)  # 08:00 BST


def test_area_settings_shape_the_plan() -> None:
    plan = _plan(
        date(2026, 12, 10),
        _utc(2026, 11, 1),
        reminder_days_before=[3, 14, 3],
        action_reminder_hour=9,
        escalation_days_overdue=7,
    )
    assert [kind for kind, _ in plan] == ["before-14", "before-3", "due", "overdue-1", "escalation"]
    assert dict(plan)["escalation"] == _utc(2026, 12, 17, 9)


@pytest.mark.parametrize(
    ("now", "kinds"),
    [
        (_utc(2026, 12, 6), ["before-1", "due", "overdue-1", "escalation"]),  # agreed 4 days before
        (_utc(2026, 12, 10, 12), ["overdue-1", "escalation"]),  # agreed on the day, after 08:00
    ],
)
def test_reminders_already_past_are_left_out(now: datetime, kinds: list[str]) -> None:
    assert [kind for kind, _ in _plan(date(2026, 12, 10), now)] == kinds


def test_a_deadline_long_past_escalates_at_once_and_joins_the_overdue_chain_where_it_is() -> None:
    now = _utc(2027, 1, 14, 12)
    assert _plan(date(2026, 12, 10), now) == [("escalation", now), ("overdue-36", _utc(2027, 1, 15, 8))]


def test_the_overdue_chain_steps_by_the_interval() -> None:
    policy = _policy(overdue_reminder_interval_days=3)
    deadline = date(2026, 12, 10)
    assert first_overdue(deadline, policy, _utc(2026, 12, 1)) == PlannedReminder(
        "overdue-1", _utc(2026, 12, 11, 8)
    )
    assert next_overdue("overdue-1", deadline, policy) == PlannedReminder("overdue-4", _utc(2026, 12, 14, 8))
    assert next_overdue("due", deadline, policy) is None
