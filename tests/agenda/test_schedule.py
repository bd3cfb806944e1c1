"""Series and their meetings in the database: twelve months ahead, fixed local time across both clock
changes, bank holidays, and single meetings moved or cancelled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient

from marac.agenda.models import ConferenceStatus
from marac.agenda.series import SeriesDetail
from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.agenda.factories import conferences_of, monthly_series, series_body, sweep
from tests.factories import World

LONDON = ZoneInfo("Europe/London")


async def test_a_new_series_meets_twelve_months_ahead_at_ten_local_time_across_both_clock_changes(
    client: AsyncTestClient, world: World
) -> None:
    body = series_body(agency_ids=[str(world.police.id)])
    response = await client.post(
        f"/api/v1/areas/{world.area.id}/conference-series", json=body, headers=world.auth("coordinator")
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["timezone"] == "Europe/London"
    assert created["capacity"] == 16  # (180 - 20 fixed minutes) / 10 minutes a case

    listed = await client.get(f"/api/v1/areas/{world.area.id}/conferences", headers=world.auth("coordinator"))
    meetings = listed.json()
    assert [m["local_date"] for m in meetings] == [
        "2026-12-08",
        "2027-01-12",
        "2027-02-09",
        "2027-03-09",
        "2027-04-13",
        "2027-05-11",
        "2027-06-08",
        "2027-07-13",
        "2027-08-10",
        "2027-09-14",
        "2027-10-12",
        "2027-11-09",
    ]
    for meeting in meetings:
        starts = datetime.fromisoformat(meeting["starts_at"])
        assert starts.astimezone(LONDON).strftime("%H:%M") == "10:00"
        cut_off = datetime.fromisoformat(meeting["cut_off"]).astimezone(LONDON)
        assert cut_off.strftime("%H:%M") == "17:00"
        assert meeting["ical_uid"] == f"conference-{meeting['id']}@marac"
        assert meeting["sequence"] == 0
    by_date = {m["local_date"]: datetime.fromisoformat(m["starts_at"]) for m in meetings}
    # Greenwich time in winter, British summer time from 28 March to 31 October 2027.
    assert by_date["2027-03-09"].hour == 10
    assert by_date["2027-04-13"].hour == 9
    assert by_date["2027-10-12"].hour == 9
    assert by_date["2027-11-09"].hour == 10
    # Eight working days before Tuesday 12 January 2027, skipping New Year's Day.
    january = next(m for m in meetings if m["local_date"] == "2027-01-12")
    assert datetime.fromisoformat(january["cut_off"]) == datetime(2026, 12, 30, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("policy", "held_on", "moved", "flagged"),
    [
        ("move", date(2027, 6, 1), "Spring Bank Holiday", None),
        ("flag", date(2027, 5, 31), None, "Spring Bank Holiday"),
    ],
)
async def test_a_meeting_on_a_bank_holiday_moves_to_the_next_working_day_or_is_flagged(
    runtime: Runtime, world: World, policy: str, held_on: date, moved: str | None, flagged: str | None
) -> None:
    detail = await monthly_series(
        runtime, world.area, [world.police], nth=-1, weekday=0, holiday_policy=policy
    )  # the last Monday of the month
    may = next(
        c for c in await conferences_of(runtime, detail.series.id) if c.occurrence_date == date(2027, 5, 31)
    )
    assert may.local_date == held_on
    assert may.moved_for_holiday == moved
    assert may.flagged_holiday == flagged
    assert may.starts_at.astimezone(LONDON).strftime("%H:%M") == "10:00"


async def test_materialising_again_creates_nothing_and_never_recreates_a_moved_or_cancelled_meeting(
    client: AsyncTestClient, runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail
) -> None:
    meetings = await conferences_of(runtime, series.series.id)
    february, march = meetings[2], meetings[3]
    moved = await client.post(
        f"/api/v1/conferences/{february.id}/move",
        json={"version": 1, "local_date": "2027-02-11", "start_time": "13:30"},
        headers=world.auth("coordinator"),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["sequence"] == 1
    assert moved.json()["rescheduled"] is True
    assert datetime.fromisoformat(moved.json()["starts_at"]) == datetime(2027, 2, 11, 13, 30, tzinfo=UTC)
    cancelled = await client.post(
        f"/api/v1/conferences/{march.id}/cancel",
        json={"version": 1, "reason": "Venue unavailable"},
        headers=world.auth("coordinator"),
    )
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["sequence"]) == ("cancelled", 1)

    clock.advance(days=40)  # past the first meeting: the window now reaches January 2028
    await sweep(runtime)
    await sweep(runtime)
    after = await conferences_of(runtime, series.series.id)
    keys = [c.occurrence_date for c in after]
    assert len(keys) == len(set(keys)) == 13
    assert keys[-1] == date(2027, 12, 14)
    by_key = {c.occurrence_date: c for c in after}
    assert by_key[date(2027, 2, 9)].local_date == date(2027, 2, 11)
    assert by_key[date(2027, 3, 9)].status == ConferenceStatus.CANCELLED


async def test_changing_the_series_time_retimes_future_meetings_but_not_one_moved_on_its_own(
    client: AsyncTestClient, runtime: Runtime, world: World, series: SeriesDetail
) -> None:
    meetings = await conferences_of(runtime, series.series.id)
    await client.post(
        f"/api/v1/conferences/{meetings[1].id}/move",
        json={"version": 1, "local_date": "2027-01-14"},
        headers=world.auth("coordinator"),
    )
    response = await client.patch(
        f"/api/v1/conference-series/{series.series.id}",
        json={"version": 1, "start_time": "13:30"},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["start_time"] == "13:30"
    after = {c.id: c for c in await conferences_of(runtime, series.series.id)}
    retimed = after[meetings[0].id]
    assert retimed.starts_at.astimezone(LONDON).strftime("%H:%M") == "13:30"
    assert retimed.sequence == 1
    assert after[meetings[1].id].starts_at.astimezone(LONDON).strftime("%H:%M") == "10:00"
    assert after[meetings[1].id].sequence == 1  # from its own move only


async def test_a_new_rule_cancels_the_dates_it_no_longer_names_and_adds_the_new_ones(
    client: AsyncTestClient, runtime: Runtime, world: World, series: SeriesDetail
) -> None:
    response = await client.patch(
        f"/api/v1/conference-series/{series.series.id}",
        json={"version": 1, "weekday": 2},  # second Wednesday
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 200, response.text
    after = await conferences_of(runtime, series.series.id)
    live = [c for c in after if c.status == ConferenceStatus.SCHEDULED]
    gone = [c for c in after if c.status == ConferenceStatus.CANCELLED]
    assert len(live) == len(gone) == 12
    assert {c.local_date.weekday() for c in live} == {2}
    assert all(c.sequence == 1 for c in gone)


async def test_ending_a_series_cancels_its_unpublished_meetings(
    client: AsyncTestClient, runtime: Runtime, world: World, series: SeriesDetail
) -> None:
    response = await client.delete(
        f"/api/v1/conference-series/{series.series.id}", headers=world.auth("coordinator")
    )
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert {c.status for c in await conferences_of(runtime, series.series.id)} == {ConferenceStatus.CANCELLED}


@pytest.mark.parametrize(
    ("field", "value"),
    [("weekday", 5), ("nth", 5), ("start_time", "25:00"), ("online_link", "http://insecure.example")],
)
async def test_a_series_with_an_impossible_rule_is_refused_naming_the_field(
    client: AsyncTestClient, world: World, field: str, value: object
) -> None:
    response = await client.post(
        f"/api/v1/areas/{world.area.id}/conference-series",
        json=series_body(**{field: value}),
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 422
    assert field in response.text


async def test_a_fortnightly_series_keeps_its_local_time_through_the_spring_clock_change(
    runtime: Runtime, world: World
) -> None:
    detail = await monthly_series(
        runtime,
        world.area,
        [world.police],
        kind="every_n_weeks",
        interval_weeks=2,
        start_date="2027-03-18",
        nth=None,
        weekday=None,
    )
    around = [
        c
        for c in await conferences_of(runtime, detail.series.id)
        if date(2027, 3, 18) <= c.local_date <= date(2027, 4, 1)
    ]
    assert [c.local_date for c in around] == [date(2027, 3, 18), date(2027, 4, 1)]
    assert [c.starts_at for c in around] == [
        datetime(2027, 3, 18, 10, 0, tzinfo=UTC),
        datetime(2027, 4, 1, 9, 0, tzinfo=UTC),
    ]
