"""Action pages in-process, on both databases: the coordinator's list and action page, the
representative's status reports, the chair's completion view, and the dashboard panels."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.actions.models import Action, ActionStatus
from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.actions.conftest import Meeting, build_meeting
from tests.factories import World
from tests.web.test_access import SignIn

Client = AsyncTestClient[Litestar]
HTMX = {"HX-Request": "true"}


@pytest.fixture
async def meeting(runtime: Runtime, world: World, clock: FixedClock) -> Meeting:
    """A conference held on 17 November with three cases (tests.actions' builder), a week ago."""
    return await build_meeting(runtime, world, clock)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


async def stored(meeting: Meeting, action: Action) -> Action:
    async with meeting.runtime.transaction() as session:
        found = await session.get(Action, action.id)
    assert found is not None
    return found


async def test_the_coordinator_lists_and_filters_the_areas_actions(
    client: Client, meeting: Meeting, sign_in: SignIn
) -> None:
    world = meeting.world
    late = await meeting.agree(description="Review the safety plan", deadline=date(2026, 11, 20))
    await meeting.agree(agency=world.social_care, description="Visit the children at school", case=1)
    await sign_in("coordinator")
    everything = text_of((await client.get("/actions")).text)
    assert "Review the safety plan" in everything
    assert "Visit the children at school" in everything
    assert "Overdue 3 days" in everything
    social = text_of((await client.get(f"/actions?agency={world.social_care.id}&status=open")).text)
    assert "Visit the children at school" in social
    assert "Review the safety plan" not in social
    overdue = await client.get("/actions?status=&overdue=on")
    assert f'href="/actions/{late.id}"' in overdue.text
    assert "Visit the children at school" not in overdue.text
    assert (await client.get("/actions?status=nonsense&agency=not-a-uuid")).status_code == 200


async def test_the_action_page_changes_deadline_and_owner_and_keeps_the_history(
    client: Client, meeting: Meeting, sign_in: SignIn
) -> None:
    world = meeting.world
    action = await meeting.agree(description="Review the safety plan")
    csrf = await sign_in("coordinator")
    path = f"/actions/{action.id}"
    shown = text_of((await client.get(path)).text)
    assert "Action A-0001" in shown
    assert "Review the safety plan" in shown
    assert "North Police" in shown

    bad = await client.post(
        f"{path}/change",
        data={
            "description": "Review the safety plan",
            "deadline": "2026-11-01",
            "version": "1",
            "_csrf": csrf,
        },
    )
    assert bad.status_code == 422
    error = bad.text.split('id="f-deadline-error"')
    assert len(error) == 2
    assert "must not be before the conference that agreed the action" in error[1][:200]
    assert 'value="2026-11-01"' in bad.text

    moved = await client.post(
        f"{path}/change",
        data={
            "description": "Review the safety plan",
            "deadline": "2027-01-08",
            "version": "1",
            "_csrf": csrf,
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert (await stored(meeting, action)).deadline == date(2027, 1, 8)

    stale = await client.post(
        f"{path}/reassign", data={"owner_agency_id": str(world.social_care.id), "version": "1", "_csrf": csrf}
    )
    assert stale.status_code == 409
    assert "Someone else changed this action since you opened this page" in text_of(stale.text)
    handed = await client.post(
        f"{path}/reassign",
        data={
            "owner_agency_id": str(world.social_care.id),
            "owner_user_id": "",
            "reason": "Children's services lead now",
            "version": "2",
            "_csrf": csrf,
        },
        follow_redirects=False,
    )
    assert handed.status_code == 303, handed.text
    done = await client.post(
        f"{path}/status",
        data={
            "status": "completed",
            "reported_on": "2026-11-23",
            "note": "Plan reviewed",
            "version": "3",
            "_csrf": csrf,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    history = text_of((await client.get(path)).text)
    assert "Children's services lead now" in history
    assert "North Police" in history
    assert "Plan reviewed" in history
    assert "Completed 23 Nov 2026" in history
    assert "Record a status report" not in history  # closed: no more changes
    assert (await stored(meeting, action)).status == ActionStatus.COMPLETED


async def test_a_representative_reports_on_their_agencys_actions_only(
    client: Client, meeting: Meeting, sign_in: SignIn
) -> None:
    world = meeting.world
    ours = await meeting.agree(agency=world.social_care, description="Visit the children at school", case=1)
    theirs = await meeting.agree(description="Review the safety plan")
    csrf = await sign_in("representative")  # children's services
    page = text_of((await client.get("/actions/agency")).text)
    assert "Visit the children at school" in page
    assert "Review the safety plan" not in page

    other = await client.post(
        f"/actions/agency/{theirs.id}/report",
        data={"status": "completed", "reported_on": "2026-11-23", "version": "1", "_csrf": csrf},
    )
    assert other.status_code == 404
    assert (await stored(meeting, theirs)).status == ActionStatus.OPEN
    assert (await client.get(f"/actions/{theirs.id}")).status_code == 403  # the coordinator's page

    future = await client.post(
        f"/actions/agency/{ours.id}/report",
        data={"status": "completed", "reported_on": "2026-12-24", "version": "1", "_csrf": csrf},
        headers=HTMX,
    )
    assert future.status_code == 422
    error = future.text.split(f'id="rep-{ours.id}-date-error"')
    assert len(error) == 2
    assert "must not be in the future" in error[1][:200]

    progress = await client.post(
        f"/actions/agency/{ours.id}/report",
        data={
            "status": "open",
            "reported_on": "2026-11-23",
            "note": "Visit booked",
            "version": "1",
            "_csrf": csrf,
        },
        headers=HTMX,
    )
    assert progress.status_code == 200, progress.text
    assert "Reported: Still open: progress report." in text_of(progress.text)
    stale = await client.post(
        f"/actions/agency/{ours.id}/report",
        data={
            "status": "completed",
            "reported_on": "2026-11-23",
            "note": "Done",
            "version": "1",
            "_csrf": csrf,
        },
    )
    assert stale.status_code == 409
    assert "Someone else changed this action" in text_of(stale.text)
    assert ">Done</textarea>" in stale.text
    completed = await client.post(
        f"/actions/agency/{ours.id}/report",
        data={
            "status": "completed",
            "reported_on": "2026-11-23",
            "note": "Done",
            "version": "2",
            "_csrf": csrf,
        },
        headers=HTMX,
    )
    assert completed.status_code == 200
    assert "The action is closed." in text_of(completed.text)
    assert "Report status" not in completed.text
    assert (await stored(meeting, ours)).status == ActionStatus.COMPLETED
    assert "Your agency has no open actions." in text_of((await client.get("/actions/agency")).text)


async def test_the_chair_sees_completion_by_agency_and_what_is_overdue(
    client: Client, meeting: Meeting, sign_in: SignIn
) -> None:
    world = meeting.world
    late = await meeting.agree(description="Review the safety plan", deadline=date(2026, 11, 20))
    ours = await meeting.agree(agency=world.social_care, deadline=date(2026, 11, 18), case=1)
    await sign_in("chair")
    before = await client.get("/actions/by-agency")
    assert before.status_code == 200
    words = text_of(before.text)
    assert "Completion rate 0%" in words
    assert "North Police 0%" in words
    assert f'href="/actions/{late.id}"' in before.text
    assert 'class="bar-fill w-0"' in before.text
    assert "style=" not in before.text

    client.cookies.clear()  # log in as someone else
    rep = await sign_in("representative")
    await client.post(
        f"/actions/agency/{ours.id}/report",
        data={"status": "completed", "reported_on": "2026-11-23", "version": "1", "_csrf": rep},
    )
    client.cookies.clear()
    await sign_in("chair")
    after = await client.get("/actions/by-agency")
    words = text_of(after.text)
    assert "Completion rate 50%" in words
    assert "North Children's Services 100%" in words
    assert 'class="bar-fill w-100"' in after.text
    assert "Completed late 1" in words
    assert "Average days late 5" in words


async def test_dashboard_panels_show_our_actions_and_the_overdue_ones(
    client: Client, meeting: Meeting, sign_in: SignIn
) -> None:
    world = meeting.world
    await meeting.agree(agency=world.social_care, deadline=date(2026, 11, 20), case=1)
    await meeting.agree(agency=world.social_care, deadline=date(2026, 12, 10), case=2)
    await meeting.agree(description="Not theirs")
    await sign_in("representative")
    ours = text_of((await client.get("/")).text)
    assert "Our open actions 2 open actions, 1 overdue" in ours
    assert "A-0001 (case MC-0002) \u2013 3 days overdue" in ours
    assert "A-0003" not in ours
    client.cookies.clear()
    await sign_in("chair")
    chair = text_of((await client.get("/")).text)
    assert "1 overdue action, 0 escalated" in chair
