"""Incomplete actions for the next agenda and briefing packs, a case's open actions, calendar deadlines."""

from __future__ import annotations

from datetime import date

from marac.actions import schemas, services
from marac.actions.feeds import feed_deadlines
from marac.actions.models import ActionStatus
from marac.actions.review import incomplete_actions_for, open_actions_for_case, previous_actions_for_agenda
from tests.actions.conftest import Meeting, local


async def _complete(meeting: Meeting, action_id: object, version: int = 1) -> None:
    async with meeting.runtime.transaction() as session:
        await services.report_status(
            session,
            meeting.clock,
            meeting.actor("chair"),
            meeting.protector,
            action_id,  # type: ignore[arg-type]
            schemas.StatusReportCreate(version=version, status="completed"),
        )


async def test_the_next_agenda_lists_actions_still_open_from_earlier_meetings(meeting: Meeting) -> None:
    late = await meeting.agree(case=1, deadline=date(2026, 12, 1))
    open_one = await meeting.agree(case=0, deadline=date(2026, 12, 31), agency=meeting.world.social_care)
    done = await meeting.agree(case=2)
    await _complete(meeting, done.id)

    async with meeting.runtime.sessions() as session:
        lines = await incomplete_actions_for(session, meeting.coming.id, protector=meeting.protector)
        previous = await previous_actions_for_agenda(session, meeting.coming)
        # The meeting that agreed them does not review them.
        assert await incomplete_actions_for(session, meeting.held.id) == []

    assert [(line.reference, line.case_reference) for line in lines] == [
        (open_one.reference, "MC-0001"),
        (late.reference, "MC-0002"),
    ]
    assert [line.overdue for line in lines] == [False, True]  # as at the conference on 15 December
    assert lines[0].owner_agency == "North Children's Services"
    assert lines[0].description == "Arrange a joint visit with the named worker"
    assert [(p.reference, p.status, p.case_id) for p in previous] == [
        (open_one.reference, "open", meeting.cases[0].id),
        (late.reference, "overdue", meeting.cases[1].id),
    ]


async def test_a_past_agenda_still_shows_what_was_open_at_its_meeting(meeting: Meeting) -> None:
    action = await meeting.agree(case=0, deadline=date(2026, 12, 1))
    meeting.clock.set(local(date(2026, 12, 20)))
    async with meeting.runtime.transaction() as session:
        await services.report_status(
            session,
            meeting.clock,
            meeting.actor("police_rep"),
            meeting.protector,
            action.id,
            schemas.StatusReportCreate(version=1, status="completed", reported_on=date(2026, 12, 18)),
        )
    async with meeting.runtime.sessions() as session:
        [line] = await incomplete_actions_for(session, meeting.coming.id)
        assert await open_actions_for_case(session, meeting.cases[0].id, on_day=date(2026, 12, 20)) == []
    assert line.status == ActionStatus.OPEN
    assert line.overdue
    assert line.last_report_status is None  # the completion came after that meeting


async def test_a_case_lists_its_open_actions_with_their_last_report(meeting: Meeting) -> None:
    first = await meeting.agree(case=0, deadline=date(2026, 11, 30))
    await meeting.agree(case=1)
    async with meeting.runtime.transaction() as session:
        await services.report_status(
            session,
            meeting.clock,
            meeting.actor("police_rep"),
            meeting.protector,
            first.id,
            schemas.StatusReportCreate(version=1, status="open", reported_on=date(2026, 11, 20)),
        )
    async with meeting.runtime.sessions() as session:
        [line] = await open_actions_for_case(session, meeting.cases[0].id, on_day=date(2026, 12, 1))
    assert line.reference == first.reference
    assert line.overdue
    assert (line.last_report_on, line.last_report_status) == (date(2026, 11, 20), ActionStatus.OPEN)
    assert line.description is None  # no protector, no narrative


async def test_calendar_feeds_get_the_open_deadlines_of_an_agency(meeting: Meeting) -> None:
    kept = await meeting.agree(case=0, deadline=date(2026, 12, 10))
    await meeting.agree(case=1, agency=meeting.world.social_care)
    done = await meeting.agree(case=2)
    await _complete(meeting, done.id)
    async with meeting.runtime.sessions() as session:
        deadlines = await feed_deadlines(session, meeting.world.police.id, date(2026, 11, 1))
        later = await feed_deadlines(session, meeting.world.police.id, date(2026, 12, 11))
    assert [(d.reference, d.case_reference, d.due_on) for d in deadlines] == [
        (kept.reference, "MC-0001", date(2026, 12, 10))
    ]
    assert later == []
