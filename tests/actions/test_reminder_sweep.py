"""The reminder sweep, driven by the clock: every kind of reminder, moved deadlines, closing, exclusions."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from marac.actions import schemas, services
from marac.actions.models import ActionReminder
from tests.actions.conftest import Meeting, local

DEADLINE = date(2026, 12, 10)


async def _keys(meeting: Meeting) -> list[str]:
    return [row.idempotency_key for row in await meeting.outbox()]


async def test_every_reminder_kind_goes_out_once_at_its_time(meeting: Meeting) -> None:
    action = await meeting.agree(deadline=DEADLINE)
    base = f"reminder:{action.id}"
    chair = meeting.world.users["chair"].email
    rep = meeting.police_rep.email
    steps = [
        # (when, new outbox keys, recipient)
        (local(date(2026, 12, 3), 7, 59), [], None),
        (local(date(2026, 12, 3)), [f"{base}:before-7:1"], rep),
        (local(date(2026, 12, 9)), [f"{base}:before-1:1"], rep),
        (local(DEADLINE), [f"{base}:due:1"], rep),
        (local(date(2026, 12, 11)), [f"{base}:overdue-1:1"], rep),
        (local(date(2026, 12, 18)), [f"{base}:overdue-8:1"], rep),
        (local(date(2026, 12, 24)), [f"{base}:escalation:1"], chair),
        (local(date(2026, 12, 25)), [f"{base}:overdue-15:1"], rep),
    ]
    seen: list[str] = []
    for when, expected, recipient in steps:
        await meeting.sweep_at(when)
        await meeting.sweep_at(when)  # a second sweep at the same moment sends nothing more
        rows = [row for row in await meeting.outbox() if row.idempotency_key not in seen]
        assert [row.idempotency_key for row in rows] == expected, when
        for row in rows:
            assert row.recipient_address == recipient
            assert action.reference in row.subject
            assert "MC-0001" in row.subject
            assert row.subject.startswith("OFFICIAL-SENSITIVE: ")
            # References and portal links only: never the description agreed at the meeting.
            assert "joint visit" not in row.text_body
            assert "joint visit" not in (row.html_body or "")
            assert f"/actions/{action.id}" in row.text_body
            assert row.case_id == meeting.cases[0].id
        seen += [row.idempotency_key for row in rows]
    escalation = next(row for row in await meeting.outbox() if row.kind == "action_escalation")
    assert "Escalation" in escalation.subject
    assert "chair" in escalation.text_body


async def test_a_moved_deadline_cancels_old_reminders_and_plans_new_ones(meeting: Meeting) -> None:
    action = await meeting.agree(deadline=DEADLINE)
    await meeting.sweep_at(local(date(2026, 12, 3)))
    assert await _keys(meeting) == [f"reminder:{action.id}:before-7:1"]

    async with meeting.runtime.transaction() as session:
        await services.update_action(
            session,
            meeting.clock,
            meeting.actor("chair"),
            meeting.protector,
            action.id,
            schemas.ActionUpdate(version=action.version, deadline=DEADLINE + timedelta(days=14)),
        )
    # The old before-1 would have been due on 9 December: it is cancelled, nothing goes.
    await meeting.sweep_at(local(date(2026, 12, 9)))
    assert await _keys(meeting) == [f"reminder:{action.id}:before-7:1"]
    # The new deadline's reminders carry the new version.
    await meeting.sweep_at(local(date(2026, 12, 17)))
    await meeting.sweep_at(local(date(2026, 12, 17)))
    assert await _keys(meeting) == [f"reminder:{action.id}:before-7:1", f"reminder:{action.id}:before-7:2"]
    async with meeting.runtime.sessions() as session:
        rows = (
            await session.scalars(select(ActionReminder).where(ActionReminder.deadline_version == 1))
        ).all()
    assert {row.kind: row.outcome for row in rows} == {
        "before-7": "sent",
        "before-1": "cancelled",
        "due": "cancelled",
        "overdue-1": "cancelled",
        "escalation": "cancelled",
    }


async def test_a_deadline_moved_back_makes_a_due_reminder_go_at_once(meeting: Meeting) -> None:
    action = await meeting.agree(deadline=DEADLINE)
    meeting.clock.set(local(date(2026, 12, 1), 7))
    async with meeting.runtime.transaction() as session:
        await services.update_action(
            session,
            meeting.clock,
            meeting.actor("coordinator"),
            meeting.protector,
            action.id,
            schemas.ActionUpdate(version=action.version, deadline=date(2026, 12, 2)),
        )
    await meeting.sweep_at(local(date(2026, 12, 1)))
    assert await _keys(meeting) == [f"reminder:{action.id}:before-1:2"]


async def test_closing_an_action_stops_its_reminders(meeting: Meeting) -> None:
    done = await meeting.agree(case=0)
    cancelled = await meeting.agree(case=1)
    async with meeting.runtime.transaction() as session:
        await services.report_status(
            session,
            meeting.clock,
            meeting.actor("police_rep"),
            meeting.protector,
            done.id,
            schemas.StatusReportCreate(version=done.version, status="completed"),
        )
        await services.cancel_action(
            session,
            meeting.clock,
            meeting.actor("chair"),
            meeting.protector,
            cancelled.id,
            schemas.ActionCancel(version=cancelled.version, reason="No longer needed"),
        )
    for day in range(1, 40):
        await meeting.sweep_at(local(date(2026, 12, 1)) + timedelta(days=day))
    assert await _keys(meeting) == []


async def test_reminders_follow_a_reassignment(meeting: Meeting) -> None:
    action = await meeting.agree()
    async with meeting.runtime.transaction() as session:
        await services.reassign_action(
            session,
            meeting.clock,
            meeting.actor("coordinator"),
            action.id,
            schemas.ActionReassign(version=action.version, owner_agency_id=meeting.world.social_care.id),
        )
    await meeting.sweep_at(local(date(2026, 12, 3)))
    [row] = await meeting.outbox()
    assert row.recipient_address == meeting.world.users["representative"].email
    assert "North Children's Services" in row.text_body


async def test_nobody_on_the_must_not_receive_list_is_reminded(meeting: Meeting) -> None:
    action = await meeting.agree(case=0)
    await meeting.exclude(meeting.cases[0], meeting.police_rep.id)
    await meeting.sweep_at(local(date(2026, 12, 3)))
    assert await meeting.outbox() == []
    async with meeting.runtime.sessions() as session:
        row = await session.scalar(
            select(ActionReminder).where(
                ActionReminder.action_id == action.id, ActionReminder.kind == "before-7"
            )
        )
    assert row is not None
    assert row.outcome == "no_recipient"


async def test_escalation_goes_to_the_area_chairs_when_the_meeting_had_none(meeting: Meeting) -> None:
    async with meeting.runtime.transaction() as session:
        held = await session.get(type(meeting.held), meeting.held.id)
        assert held is not None
        held.chair_user_id = None
    action = await meeting.agree()
    await meeting.sweep_at(local(date(2026, 12, 24)))
    escalations = [row for row in await meeting.outbox() if row.kind == "action_escalation"]
    assert [row.recipient_address for row in escalations] == [meeting.world.users["chair"].email]
    assert escalations[0].idempotency_key == f"reminder:{action.id}:escalation:1"


async def test_a_late_sweep_sends_each_reminder_once_and_resumes_the_overdue_chain(meeting: Meeting) -> None:
    action = await meeting.agree()
    # The scheduler was stopped for five weeks: one pass catches up without a burst of weekly notices.
    await meeting.sweep_at(local(date(2027, 1, 14), 12))
    kinds = sorted(key.split(":")[2] for key in await _keys(meeting))
    assert kinds == ["before-1", "before-7", "due", "escalation", "overdue-1"]
    await meeting.sweep_at(local(date(2027, 1, 15)))
    assert sorted(key.split(":")[2] for key in await _keys(meeting))[-1] == "overdue-36"
    assert action.reference == "A-0001"
