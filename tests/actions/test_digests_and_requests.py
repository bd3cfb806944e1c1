"""Daily digests, status-report requests before a conference, and sweeps running side by side."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select

from marac.actions import schemas, services
from marac.actions.jobs import send_action_reminders
from marac.actions.models import ActionReminder
from marac.actions.status_requests import request_at
from marac.actions.sweep import send_due_reminders, sweep_all
from marac.agenda.models import Conference
from marac.db import create_engine
from marac.notify.models import Notification
from marac.runtime import Runtime
from tests.actions.conftest import Meeting, local


async def test_digest_mode_sends_one_email_listing_several_reminders(meeting: Meeting) -> None:
    await meeting.set_user(meeting.police_rep.id, digest_mode=True)
    actions = [await meeting.agree(case=n) for n in range(3)]
    other = await meeting.agree(case=0, agency=meeting.world.social_care)  # its owner wants each email
    await meeting.sweep_at(local(date(2026, 12, 3)))
    await meeting.sweep_at(local(date(2026, 12, 3), 9))

    [digest] = await meeting.outbox("digest:")
    assert digest.recipient_address == meeting.police_rep.email
    assert digest.kind == "action_digest"
    assert "3 action reminders" in digest.subject
    for number, action in enumerate(actions, start=1):
        assert f"{action.reference} (case MC-{number:04d}" in digest.text_body
        assert f"/actions/{action.id}" in digest.text_body
    assert "joint visit" not in digest.text_body
    [single] = await meeting.outbox("reminder:")
    assert single.idempotency_key == f"reminder:{other.id}:before-7:1"
    assert single.recipient_address == meeting.world.users["representative"].email


async def test_a_reminder_due_after_the_digest_waits_for_the_next_one(meeting: Meeting) -> None:
    await meeting.set_user(meeting.world.users["chair"].id, digest_mode=True)
    # Agreed late with a deadline long past: its escalation is due at once, after today's digest hour.
    meeting.clock.set(local(date(2026, 12, 3), 10))
    action = await meeting.agree(deadline=date(2026, 11, 18))
    await meeting.sweep_at(local(date(2026, 12, 3), 10))
    await meeting.sweep_at(local(date(2026, 12, 3), 23))
    assert await meeting.outbox("digest:") == []

    await meeting.sweep_at(local(date(2026, 12, 4)))
    [digest] = await meeting.outbox("digest:")
    assert digest.recipient_address == meeting.world.users["chair"].email
    assert f"{action.reference} (case MC-0001" in digest.text_body
    assert "escalated" in digest.text_body


async def test_each_agency_is_asked_once_for_status_reports_before_the_conference(meeting: Meeting) -> None:
    police_open = await meeting.agree(case=0, deadline=date(2026, 12, 1))
    police_hidden = await meeting.agree(case=1)
    police_done = await meeting.agree(case=2)
    social = await meeting.agree(case=2, agency=meeting.world.social_care)
    async with meeting.runtime.transaction() as session:
        await services.report_status(
            session,
            meeting.clock,
            meeting.actor("police_rep"),
            meeting.protector,
            police_done.id,
            schemas.StatusReportCreate(version=1, status="completed"),
        )
    await meeting.exclude(meeting.cases[1], meeting.police_rep.id)

    await meeting.sweep_at(local(date(2026, 12, 8), 7, 59))
    assert await meeting.outbox("status-request:") == []
    await meeting.sweep_at(local(date(2026, 12, 8)))
    await meeting.sweep_at(local(date(2026, 12, 9)))

    requests = {row.recipient_address: row for row in await meeting.outbox("status-request:")}
    assert set(requests) == {meeting.police_rep.email, meeting.world.users["representative"].email}
    police = requests[meeting.police_rep.email]
    assert police.idempotency_key == f"status-request:{meeting.coming.id}:{meeting.world.police.id}"
    assert f"{police_open.reference} (case MC-0001): due Tue 1 Dec 2026 — overdue" in police.text_body
    assert police_hidden.reference not in police.text_body  # the contact must not receive case 2
    assert police_done.reference not in police.text_body
    assert "Tue 15 Dec 2026 at 10:00" in police.text_body
    assert social.reference in requests[meeting.world.users["representative"].email].text_body


async def test_status_requests_count_working_days_in_the_area_calendar(meeting: Meeting) -> None:
    # Christmas Day and the Boxing Day substitute (Monday 28th) are not working days in England.
    conference = Conference(
        area_id=meeting.world.area.id, local_date=date(2026, 12, 29), starts_at=local(date(2026, 12, 29), 10)
    )
    assert request_at(conference, meeting.world.area) == local(date(2026, 12, 18))


async def test_a_failed_sweep_leaves_its_reminders_due(meeting: Meeting) -> None:
    await meeting.agree()
    meeting.clock.set(local(date(2026, 12, 3)))
    queued: list[int] = []

    async def sweep_then_die() -> None:
        async with meeting.runtime.transaction() as session:
            report = await send_due_reminders(session, meeting.clock.now(), meeting.runtime.settings)
            queued.append(report.emails)
            raise RuntimeError("the process died before committing")

    with pytest.raises(RuntimeError):
        await sweep_then_die()
    assert queued == [1]
    assert await meeting.outbox() == []
    await send_action_reminders(meeting.runtime)
    assert len(await meeting.outbox()) == 1


async def test_sweeps_in_two_processes_send_each_reminder_once(meeting: Meeting, db_url: str) -> None:
    for n in range(30):
        await meeting.agree(case=n % 3)
    second = Runtime.build(meeting.runtime.settings, engine=create_engine(db_url), clock=meeting.clock)
    try:
        meeting.clock.set(local(date(2026, 12, 3)))
        results = await asyncio.gather(
            send_action_reminders(meeting.runtime),
            send_action_reminders(second),
            send_action_reminders(meeting.runtime),
            send_action_reminders(second),
        )
    finally:
        await second.engine.dispose()
    assert sum(result["reminders"] for result in results) == 30
    async with meeting.runtime.sessions() as session:
        keys = (await session.scalars(select(Notification.idempotency_key))).all()
    reminders = [key for key in keys if key.startswith("reminder:")]
    assert len(reminders) == len(set(reminders)) == 30


@pytest.mark.parametrize("parallel", [False, True], ids=["one batch at a time", "batches in parallel"])
async def test_a_digest_is_not_split_between_batches(meeting: Meeting, parallel: bool) -> None:
    await meeting.set_user(meeting.police_rep.id, digest_mode=True)
    for n in range(6):
        await meeting.agree(case=n % 3)
        await meeting.agree(case=n % 3, agency=meeting.world.social_care)
    meeting.clock.set(local(date(2026, 12, 3)))
    report = await sweep_all(
        meeting.runtime.transaction,
        meeting.clock.now(),
        meeting.runtime.settings,
        limit=2,
        parallel=parallel,
    )
    assert (report.claimed, report.sent, report.in_digest) == (12, 6, 6)
    [digest] = await meeting.outbox("digest:")
    assert "6 action reminders" in digest.subject
    singles = await meeting.outbox("reminder:")
    assert len(singles) == len({row.action_id for row in singles}) == 6
    async with meeting.runtime.sessions() as session:
        unfinished = await session.scalar(
            select(func.count())
            .select_from(ActionReminder)
            .where(
                ActionReminder.scheduled_at <= meeting.clock.now(),
                ActionReminder.sent_at.is_(None),
                ActionReminder.cancelled_at.is_(None),
            )
        )
    assert unfinished == 0
