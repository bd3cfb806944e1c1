"""Page-by-role access for the conference, calendar feed and outbox pages (see tests.web.test_access)."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.access.models import Role
from marac.runtime import Runtime
from tests.factories import World, make_user
from tests.web.conference_pages import Meetings, monthly_meetings
from tests.web.conftest import sign_in_client
from tests.web.test_access import EVERYONE, MANAGERS, NORTH_MANAGERS, ROLE_KEYS, FormRule, PageRule, SignIn

OTHER_AREA = frozenset({"other_coordinator"})
# One conference: its coordinators, and the chair and representatives its invitations link to.
CONFERENCE_VIEWERS = frozenset({"admin", "coordinator", "chair", "representative", "sysadmin"})


def pages(meetings: Meetings) -> list[PageRule]:
    return [
        PageRule("/conferences", MANAGERS),
        PageRule("/conferences/series/new", MANAGERS),
        PageRule(f"/conferences/series/{meetings.series.series.id}/edit", NORTH_MANAGERS, hidden=OTHER_AREA),
        PageRule(f"/conferences/{meetings.first.id}", CONFERENCE_VIEWERS, hidden=OTHER_AREA),
        PageRule("/conferences/mine", EVERYONE),  # one's own invitations, whoever is invited
        PageRule("/account/calendar", EVERYONE),  # one's own feed
        PageRule("/outbox", MANAGERS),
        PageRule("/outbox?show=parked", MANAGERS),
    ]


def forms(meetings: Meetings) -> list[FormRule]:
    first, second = meetings.first.id, meetings.second.id
    series_id = meetings.series.series.id
    return [
        FormRule(
            "/conferences/series",
            MANAGERS,
            fields={
                "name": "South Ward MARAC",
                "kind": "every_n_weeks",
                "interval_weeks": "4",
                "start_date": "2026-12-03",
                "start_time": "13:30",
                "duration_minutes": "120",
                "holiday_policy": "flag",
                "location": "Town Hall",
            },
        ),
        FormRule(
            f"/conferences/{first}/move",
            NORTH_MANAGERS,
            hidden=OTHER_AREA,
            fields={"version": "1", "local_date": "2026-12-15", "start_time": "10:00", "location": "Room 4"},
        ),
        FormRule(
            f"/conferences/{second}/cancel",
            NORTH_MANAGERS,
            hidden=OTHER_AREA,
            fields={"version": "1", "reason": "Venue unavailable"},
        ),
        FormRule(
            "/conferences/extraordinary",
            NORTH_MANAGERS,
            # The series belongs to North Shire: in South Vale it does not exist.
            hidden=OTHER_AREA,
            fields={"series_id": str(series_id), "local_date": "2026-11-30", "start_time": "09:30"},
        ),
        FormRule(
            f"/conferences/series/{series_id}",
            NORTH_MANAGERS,
            hidden=OTHER_AREA,
            fields={"version": "1", "name": "North Shire MARAC (renamed)"},
        ),
        # Only the invited answer: everyone else is told there is no such invitation.
        FormRule(
            f"/conferences/{first}/response",
            frozenset({"representative", "chair"}),
            hidden=EVERYONE - {"representative", "chair"},
            fields={"response": "accepted"},
        ),
        FormRule("/account/calendar/revoke", frozenset(), hidden=EVERYONE),  # nothing to stop yet
        FormRule("/outbox/retry-parked", MANAGERS),
        FormRule(f"/conferences/series/{series_id}/end", NORTH_MANAGERS, hidden=OTHER_AREA),
    ]


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_each_conference_page_answers_only_the_roles_it_is_for(
    client: AsyncTestClient[Litestar], runtime: Runtime, world: World, sign_in: SignIn, key: str
) -> None:
    meetings = await monthly_meetings(runtime, world)
    await sign_in(key)
    rules = pages(meetings)
    seen = {rule.url(world): (await client.get(rule.url(world))).status_code for rule in rules}
    assert seen == {rule.url(world): rule.expected(key) for rule in rules}


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_each_conference_form_accepts_only_the_roles_it_is_for(
    client: AsyncTestClient[Litestar], runtime: Runtime, world: World, sign_in: SignIn, key: str
) -> None:
    meetings = await monthly_meetings(runtime, world)
    csrf = await sign_in(key)
    rules = forms(meetings)
    seen = {}
    for rule in rules:
        response = await client.post(
            rule.url(world), data={**rule.fields, "_csrf": csrf}, follow_redirects=False
        )
        seen[rule.url(world)] = response.status_code
    assert seen == {rule.url(world): rule.expected(key) for rule in rules}


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_everyone_may_make_their_own_calendar_link(
    client: AsyncTestClient[Litestar], world: World, sign_in: SignIn, key: str
) -> None:
    csrf = await sign_in(key)
    made = await client.post("/account/calendar", data={"_csrf": csrf})
    assert made.status_code == 201
    assert "webcal://" in made.text


async def test_a_referrer_named_as_a_deputy_may_open_and_answer_the_conference(
    client: AsyncTestClient[Litestar], runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    colleague, _ = await make_user(
        runtime, world.area, "care.referrer@north.example", [Role.REFERRER], world.social_care
    )
    meetings = await monthly_meetings(runtime, world)
    url = f"/conferences/{meetings.first.id}"
    csrf = await sign_in("representative")
    named = await client.post(
        f"{url}/response",
        data={"response": "delegated", "deputy_user_id": str(colleague.id), "_csrf": csrf},
        follow_redirects=False,
    )
    assert named.status_code == 303
    await client.post("/logout", data={"_csrf": csrf})

    csrf = await sign_in_client(client, colleague.email)
    shown = await client.get(url)
    accepted = await client.post(
        f"{url}/response", data={"response": "accepted", "back": url, "_csrf": csrf}, follow_redirects=False
    )

    assert shown.status_code == 200
    assert "A colleague goes instead" not in shown.text  # a deputy accepts or declines
    assert accepted.status_code == 303
    assert (await client.get(f"/conferences/{meetings.second.id}")).status_code == 403  # not invited to that
