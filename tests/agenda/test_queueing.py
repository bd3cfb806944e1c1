"""Queueing against the database: cut-off to the minute, capacity overflow, agenda order, carry-over,
twelve-month notifications, and sweeps that can run any number of times."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from marac.agenda.models import AgendaItem, ConferenceNotice, NoticeKind
from marac.agenda.series import SeriesDetail
from marac.cases.models import Referral, ReferralStatus
from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.agenda.factories import accepted_referral, conferences_of, exclude, items_of, monthly_series, sweep
from tests.factories import World

# The December 2026 meeting (Tuesday 8th, 10:00) closes its list at 17:00 on Thursday 26 November.
DECEMBER_CUT_OFF = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def test_a_referral_accepted_a_minute_before_the_cut_off_makes_the_list_and_a_minute_after_does_not(
    runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail
) -> None:
    before = await accepted_referral(runtime, world.area, world.police, DECEMBER_CUT_OFF - MINUTE)
    after = await accepted_referral(runtime, world.area, world.police, DECEMBER_CUT_OFF + MINUTE)
    clock.set(DECEMBER_CUT_OFF + 5 * MINUTE)  # the sweep runs after both, and after the cut-off
    await sweep(runtime)
    meetings = await conferences_of(runtime, series.series.id)
    december, january = meetings[0], meetings[1]
    assert [i.referral_id for i in await items_of(runtime, december.id)] == [before.id]
    assert [i.referral_id for i in await items_of(runtime, january.id)] == [after.id]
    assert december.agenda_version == 1  # published at the cut-off, with the early referral on it


async def test_a_full_conference_overflows_to_the_next_and_the_coordinator_is_told(
    client: AsyncTestClient, runtime: Runtime, world: World
) -> None:
    detail = await monthly_series(runtime, world.area, [world.police], max_cases=2)
    accepted = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    referrals = [
        await accepted_referral(runtime, world.area, world.police, accepted + n * MINUTE) for n in range(3)
    ]
    await sweep(runtime)
    meetings = await conferences_of(runtime, detail.series.id)
    assert {i.referral_id for i in await items_of(runtime, meetings[0].id)} == {r.id for r in referrals[:2]}
    assert [i.referral_id for i in await items_of(runtime, meetings[1].id)] == [referrals[2].id]

    response = await client.get(
        f"/api/v1/areas/{world.area.id}/conference-notices", headers=world.auth("coordinator")
    )
    overflow = [n for n in response.json() if n["kind"] == "overflow"]
    assert len(overflow) == 1
    assert referrals[2].reference in overflow[0]["message"]
    assert "8 December 2026" in overflow[0]["message"]
    assert "12 January 2027" in overflow[0]["message"]
    assert overflow[0]["referral_id"] == str(referrals[2].id)

    acknowledged = await client.post(
        f"/api/v1/conference-notices/{overflow[0]['id']}/acknowledge", headers=world.auth("coordinator")
    )
    assert acknowledged.status_code == 200
    left = await client.get(
        f"/api/v1/areas/{world.area.id}/conference-notices", headers=world.auth("coordinator")
    )
    assert overflow[0]["id"] not in {n["id"] for n in left.json()}


async def test_cases_with_children_come_before_adult_only_cases_then_repeats_and_higher_risk(
    runtime: Runtime, world: World, series: SeriesDetail
) -> None:
    first = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    adult_low = await accepted_referral(runtime, world.area, world.police, first, risk_rank=5)
    adult_repeat = await accepted_referral(runtime, world.area, world.police, first + MINUTE, is_repeat=True)
    child_low = await accepted_referral(
        runtime, world.area, world.police, first + 2 * MINUTE, has_children=True, risk_rank=3
    )
    child_high = await accepted_referral(
        runtime, world.area, world.police, first + 3 * MINUTE, has_children=True, risk_rank=20
    )
    await sweep(runtime)
    december = (await conferences_of(runtime, series.series.id))[0]
    items = await items_of(runtime, december.id)
    assert [i.referral_id for i in items] == [child_high.id, child_low.id, adult_repeat.id, adult_low.id]
    assert [i.section for i in items] == ["children", "children", "adults", "adults"]
    # Introductions and confidentiality take the first ten minutes; then ten minutes a case.
    assert [i.starts_at.strftime("%H:%M") for i in items] == ["10:10", "10:20", "10:30", "10:40"]


async def test_queueing_twice_lists_each_case_once_and_linked_referrals_not_at_all(
    runtime: Runtime, world: World, series: SeriesDetail
) -> None:
    first = await accepted_referral(runtime, world.area, world.police, datetime(2026, 11, 23, 10, tzinfo=UTC))
    await accepted_referral(
        runtime, world.area, world.social_care, datetime(2026, 11, 23, 11, tzinfo=UTC), linked_to=first
    )
    await sweep(runtime)
    await sweep(runtime)
    async with runtime.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(AgendaItem))
    assert count == 1


async def test_an_urgent_referral_prompts_an_extraordinary_conference(
    client: AsyncTestClient, runtime: Runtime, world: World, series: SeriesDetail
) -> None:
    urgent = await accepted_referral(
        runtime, world.area, world.police, datetime(2026, 11, 23, 9, tzinfo=UTC), urgent=True
    )
    await sweep(runtime)
    async with runtime.transaction() as session:
        notice = await session.scalar(
            select(ConferenceNotice).where(ConferenceNotice.kind == NoticeKind.URGENT_REFERRAL)
        )
    assert notice is not None
    assert urgent.reference in notice.message

    response = await client.post(
        f"/api/v1/conference-series/{series.series.id}/extraordinary",
        json={"local_date": "2026-11-25", "start_time": "14:00", "referral_ids": [str(urgent.id)]},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 201, response.text
    extra = response.json()
    assert extra["extraordinary"] is True
    assert extra["cases_listed"] == 1
    assert [i.referral_id for i in await items_of(runtime, uuid.UUID(extra["id"]))] == [urgent.id]
    december = next(c for c in await conferences_of(runtime, series.series.id) if not c.extraordinary)
    assert await items_of(runtime, december.id) == []  # moved, not listed twice

    await sweep(runtime)  # its list is published at the next sweep
    agenda = await client.get(
        f"/api/v1/conferences/{extra['id']}/agenda", headers=world.auth("representative")
    )
    assert agenda.status_code == 200
    assert agenda.json()["version"] == 1


async def test_a_case_heard_twelve_months_ago_is_listed_for_notification_only(
    client: AsyncTestClient, runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail
) -> None:
    referral = await accepted_referral(
        runtime, world.area, world.police, datetime(2026, 11, 23, 9, tzinfo=UTC)
    )
    await sweep(runtime)
    december = (await conferences_of(runtime, series.series.id))[0]
    [item] = await items_of(runtime, december.id)
    clock.set(december.starts_at + timedelta(minutes=30))
    await sweep(runtime)
    coordinator = world.auth("coordinator")
    heard = await client.put(
        f"/api/v1/agenda-items/{item.id}/outcome",
        json={"version": 1, "outcome": "heard"},
        headers=coordinator,
    )
    assert heard.status_code == 200, heard.text
    closed = await client.post(
        f"/api/v1/conferences/{december.id}/close", json={"version": december.version}, headers=coordinator
    )
    assert closed.status_code == 200, closed.text

    clock.set(datetime(2027, 11, 20, 9, tzinfo=UTC))  # a year on, before December 2027's meeting
    await sweep(runtime)
    december_2027 = next(
        c for c in await conferences_of(runtime, series.series.id) if c.local_date.isoformat() == "2027-12-14"
    )
    [notice] = await items_of(runtime, december_2027.id)
    assert (notice.referral_id, notice.section, notice.notification_only) == (
        referral.id,
        "twelve_month",
        True,
    )
    assert notice.starts_at == notice.ends_at  # read out, not discussed


async def test_a_referral_withdrawn_after_listing_leaves_the_published_agenda_in_a_new_version(
    client: AsyncTestClient, runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail
) -> None:
    kept = await accepted_referral(runtime, world.area, world.police, DECEMBER_CUT_OFF - MINUTE)
    gone = await accepted_referral(runtime, world.area, world.police, DECEMBER_CUT_OFF - 2 * MINUTE)
    clock.set(DECEMBER_CUT_OFF)
    await sweep(runtime)
    async with runtime.transaction() as session:
        referral = await session.get(Referral, gone.id)
        assert referral is not None
        referral.status = ReferralStatus.WITHDRAWN
    clock.advance(hours=1)
    await sweep(runtime)
    december = (await conferences_of(runtime, series.series.id))[0]
    assert [i.referral_id for i in await items_of(runtime, december.id)] == [kept.id]
    agenda = (
        await client.get(f"/api/v1/conferences/{december.id}/agenda", headers=world.auth("chair"))
    ).json()
    assert agenda["version"] == 2
    assert [c["change"] for c in agenda["changes"]] == ["removed"]


async def test_a_coordinator_on_a_must_not_receive_list_gets_no_notice_about_that_case(
    client: AsyncTestClient, runtime: Runtime, clock: FixedClock, world: World
) -> None:
    await monthly_series(runtime, world.area, [world.police], max_cases=1)
    first = await accepted_referral(runtime, world.area, world.police, datetime(2026, 11, 23, 9, tzinfo=UTC))
    second = await accepted_referral(
        runtime, world.area, world.police, datetime(2026, 11, 23, 10, tzinfo=UTC)
    )
    await exclude(runtime, second.case_id, world.users["coordinator"].id, clock.now())
    await sweep(runtime)  # the second overflows: a notice names it
    path = f"/api/v1/areas/{world.area.id}/conference-notices"

    async def notices(key: str) -> list[dict[str, str]]:
        response = await client.get(path, headers=world.auth(key))
        notices: list[dict[str, str]] = response.json()
        return notices

    assert [n["referral_id"] for n in await notices("admin")] == [str(second.id)]
    assert await notices("coordinator") == []
    assert first.id != second.id
