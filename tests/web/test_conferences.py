"""The coordinator's conference pages: series, the upcoming meetings, one meeting, move, cancel, call."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from marac.agenda.models import Conference, ConferenceSeries, ConferenceStatus
from marac.runtime import Runtime
from marac.web.conferences import next_conference_panel
from tests.agenda.factories import accepted_referral, sweep
from tests.conftest import START
from tests.factories import World
from tests.web.conference_pages import field_error, monthly_meetings, panel, text_of
from tests.web.test_access import SignIn

Client = AsyncTestClient[Litestar]

SERIES_FORM = {
    "name": "South Ward MARAC",
    "kind": "monthly_nth_weekday",
    "nth": "-1",
    "weekday": "3",
    "start_date": "2026-12-01",
    "start_time": "13:30",
    "duration_minutes": "120",
    "holiday_policy": "move",
    "location": "Town Hall, Room 2",
    "minutes_per_case": "10",
}


async def stored_series(runtime: Runtime, name: str) -> ConferenceSeries | None:
    async with runtime.sessions() as session:
        found: ConferenceSeries | None = await session.scalar(
            select(ConferenceSeries).where(ConferenceSeries.name == name)
        )
        return found


async def stored_conference(runtime: Runtime, conference: Conference) -> Conference:
    async with runtime.sessions() as session:
        found = await session.get(Conference, conference.id)
        assert found is not None
        return found


async def test_the_list_shows_series_and_upcoming_conferences_with_their_capacity(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    await monthly_meetings(runtime, world)
    await sign_in("coordinator")

    page = text_of((await client.get("/conferences")).text)

    assert "North Shire MARAC Second Tuesday of the month 10:00 for 180 minutes" in page
    assert "Tue 08 Dec 2026 10:00-13:00 North Shire MARAC Civic Centre, Room 4 0 of 16 None Scheduled" in page
    assert "Tue 12 Jan 2027" in page
    assert "Tue 10 Nov 2026" not in page  # already held: not upcoming


async def test_a_coordinator_sets_up_a_series_and_its_meetings_are_scheduled(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("coordinator")
    form = (await client.get("/conferences/series/new")).text
    assert 'value="10:00"' in form
    assert "North Police" in form

    response = await client.post(
        "/conferences/series",
        data={**SERIES_FORM, "agency_ids": [str(world.police.id)], "_csrf": csrf},
        follow_redirects=False,
    )

    assert response.status_code == 303, response.text
    listing = await client.get("/conferences")
    assert "South Ward MARAC set up." in listing.text
    page = text_of(listing.text)
    assert "South Ward MARAC Last Thursday of the month 13:30 for 120 minutes" in page
    assert "Thu 31 Dec 2026 13:30-15:30 South Ward MARAC Town Hall, Room 2 0 of 10" in page


async def test_bad_series_input_is_shown_next_to_the_field_and_nothing_is_saved(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("coordinator")

    bad_time = await client.post(
        "/conferences/series", data={**SERIES_FORM, "start_time": "25:00", "_csrf": csrf}
    )
    no_week = await client.post("/conferences/series", data={**SERIES_FORM, "nth": "", "_csrf": csrf})

    assert bad_time.status_code == 422
    assert field_error(bad_time.text, "start_time") == "Error: Enter a time on the 24-hour clock, like 10:00"
    assert 'value="South Ward MARAC"' in bad_time.text  # what was typed is kept
    assert no_week.status_code == 422
    assert field_error(no_week.text, "nth").startswith("Error: must be 1, 2, 3, 4 or -1")
    assert await stored_series(runtime, "South Ward MARAC") is None


async def test_editing_a_series_moves_its_meetings_and_a_stale_form_is_refused(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    meetings = await monthly_meetings(runtime, world)
    csrf = await sign_in("coordinator")
    url = f"/conferences/series/{meetings.series.series.id}"
    form = (await client.get(f"{url}/edit")).text
    assert 'value="Civic Centre, Room 4"' in form
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version is not None
    fields = {**SERIES_FORM, "name": "North Shire MARAC", "agency_ids": [str(world.police.id)]}

    saved = await client.post(
        url, data={**fields, "version": version.group(1), "_csrf": csrf}, follow_redirects=False
    )
    stale = await client.post(
        url, data={**fields, "location": "Elsewhere", "version": version.group(1), "_csrf": csrf}
    )

    assert saved.status_code == 303, saved.text
    assert "Thu 31 Dec 2026 13:30-15:30 North Shire MARAC Town Hall, Room 2" in text_of(
        (await client.get("/conferences")).text
    )
    assert stale.status_code == 409
    assert "changed by someone else" in stale.text
    assert "is at version" not in stale.text  # the plain message, not the API's record ids and versions
    stored = await stored_series(runtime, "North Shire MARAC")
    assert stored is not None
    assert stored.location == "Town Hall, Room 2"


async def test_ending_a_series_cancels_its_unpublished_meetings(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    meetings = await monthly_meetings(runtime, world, invite=False)
    csrf = await sign_in("coordinator")

    ended = await client.post(
        f"/conferences/series/{meetings.series.series.id}/end", data={"_csrf": csrf}, follow_redirects=False
    )

    assert ended.status_code == 303
    assert (await stored_conference(runtime, meetings.first)).status == ConferenceStatus.CANCELLED
    assert "Ended" in (await client.get("/conferences")).text


async def test_the_detail_shows_capacity_and_who_is_coming(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    meetings = await monthly_meetings(runtime, world)
    await sign_in("coordinator")

    page = text_of((await client.get(f"/conferences/{meetings.first.id}")).text)

    assert "North Shire MARAC on Tue 08 Dec 2026" in page
    assert "Cases queued 0 of 16 Overflow None" in page
    rep, chair = world.users["representative"], world.users["chair"]
    assert f"{rep.name} North Children's Services Representative No answer yet" in page
    assert f"{chair.name} North Children's Services Chair No answer yet" in page
    assert (
        "Standing agencies North Children's Services: "
        f"{chair.name}: No answer yet; {rep.name}: No answer yet North Police: nobody invited for this agency"
    ) in page
    assert (
        f'href="/conferences/{meetings.first.id}/agenda"'
        in (await client.get(f"/conferences/{meetings.first.id}")).text
    )


async def test_a_coordinator_moves_a_conference_and_bad_or_stale_moves_are_refused(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    meetings = await monthly_meetings(runtime, world)
    csrf = await sign_in("coordinator")
    url = f"/conferences/{meetings.first.id}"
    form = {"local_date": "2026-12-15", "start_time": "14:00", "location": "Civic Centre, Room 4"}

    past = await client.post(
        f"{url}/move", data={**form, "local_date": "2026-11-02", "version": "1", "_csrf": csrf}
    )
    no_date = await client.post(f"{url}/move", data={**form, "local_date": "", "version": "1", "_csrf": csrf})
    moved = await client.post(
        f"{url}/move", data={**form, "version": "1", "_csrf": csrf}, follow_redirects=False
    )
    stale = await client.post(
        f"{url}/move", data={**form, "start_time": "09:00", "version": "1", "_csrf": csrf}
    )

    assert past.status_code == 422
    assert (
        field_error(past.text, "local_date")
        == "Error: a conference can only be moved to a time in the future"
    )
    assert no_date.status_code == 422
    assert field_error(no_date.text, "local_date") == "Error: Enter a date, like 2027-01-12"
    assert moved.status_code == 303, moved.text
    detail = await client.get(url)
    assert "Conference moved to 15 December 2026." in detail.text
    assert "When Tue 15 Dec 2026, 14:00-17:00" in text_of(detail.text)
    assert stale.status_code == 409
    assert "changed by someone else" in stale.text
    assert "is at version" not in stale.text  # the plain message, not the API's record ids and versions
    stored = await stored_conference(runtime, meetings.first)
    assert (stored.local_date.isoformat(), stored.rescheduled, stored.sequence) == ("2026-12-15", True, 1)


async def test_a_coordinator_cancels_a_conference_with_a_reason(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    meetings = await monthly_meetings(runtime, world)
    csrf = await sign_in("coordinator")
    url = f"/conferences/{meetings.first.id}"

    no_reason = await client.post(f"{url}/cancel", data={"reason": "", "version": "1", "_csrf": csrf})
    cancelled = await client.post(
        f"{url}/cancel",
        data={"reason": "Venue flooded", "version": "1", "_csrf": csrf},
        follow_redirects=False,
    )

    assert no_reason.status_code == 422
    assert field_error(no_reason.text, "reason") == "Error: Enter a value"
    assert cancelled.status_code == 303
    page = text_of((await client.get(url)).text)
    assert "Status Cancelled: Venue flooded" in page
    assert "Move conference" not in page  # a cancelled meeting cannot be moved
    assert (await stored_conference(runtime, meetings.first)).status == ConferenceStatus.CANCELLED


async def test_a_coordinator_calls_an_extraordinary_conference(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    meetings = await monthly_meetings(runtime, world, invite=False)
    csrf = await sign_in("coordinator")
    form = {"series_id": str(meetings.series.series.id), "local_date": "2026-11-27", "start_time": "09:30"}

    no_series = await client.post("/conferences/extraordinary", data={**form, "series_id": "", "_csrf": csrf})
    called = await client.post(
        "/conferences/extraordinary", data={**form, "_csrf": csrf}, follow_redirects=False
    )

    assert no_series.status_code == 422
    assert field_error(no_series.text, "series_id") == "Error: Choose the series the conference belongs to"
    assert called.status_code == 303
    detail = await client.get(called.headers["location"])
    assert "Extraordinary conference called for 27 November 2026." in detail.text
    assert "Extraordinary North Shire MARAC on Fri 27 Nov 2026" in text_of(detail.text)


async def test_an_extraordinary_conference_hears_the_urgent_referrals_chosen(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    meetings = await monthly_meetings(runtime, world, invite=False)
    urgent = await accepted_referral(runtime, world.area, world.police, START, urgent=True)
    routine = await accepted_referral(runtime, world.area, world.police, START)
    csrf = await sign_in("coordinator")

    listing = await client.get("/conferences")
    called = await client.post(
        "/conferences/extraordinary",
        data={
            "series_id": str(meetings.series.series.id),
            "local_date": "2026-11-27",
            "start_time": "09:30",
            "referral_ids": [str(urgent.id)],
            "_csrf": csrf,
        },
        follow_redirects=False,
    )

    assert f"{urgent.reference}, accepted 23 Nov 2026" in listing.text
    assert routine.reference not in listing.text  # only urgent referrals are offered
    detail = text_of((await client.get(called.headers["location"])).text)
    assert "Cases queued 1 of 16" in detail


async def test_cases_that_did_not_fit_are_shown_as_overflow(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    meetings = await monthly_meetings(runtime, world, invite=False)
    for _ in range(18):  # two more than the sixteen places of the meeting on 8 December
        await accepted_referral(runtime, world.area, world.police, START)
    await sweep(runtime)
    await sign_in("coordinator")

    listing = text_of((await client.get("/conferences")).text)
    detail = text_of((await client.get(f"/conferences/{meetings.first.id}")).text)

    assert (
        "Tue 08 Dec 2026 10:00-13:00 North Shire MARAC Civic Centre, Room 4 16 of 16 Full 2 moved on"
        in listing
    )
    assert "Tue 12 Jan 2027 10:00-13:00 North Shire MARAC Civic Centre, Room 4 2 of 16 None" in listing
    assert "Cases queued 16 of 16 (full) Overflow 2 did not fit and moved to a later conference" in detail


async def test_the_dashboard_panel_shows_the_next_conference(runtime: Runtime, world: World) -> None:
    empty = await panel(runtime, world, next_conference_panel, "coordinator")
    meetings = await monthly_meetings(runtime, world)

    shown = await panel(runtime, world, next_conference_panel, "coordinator")

    assert empty.headline == "No conference is scheduled."
    assert shown.headline == "Tue 08 Dec 2026 at 10:00"
    assert [(row.label, row.href) for row in shown.rows] == [
        ("0 of 16 cases queued", None),
        ("Agenda", f"/conferences/{meetings.first.id}/agenda"),
    ]
    assert shown.more_href == f"/conferences/{meetings.first.id}"
