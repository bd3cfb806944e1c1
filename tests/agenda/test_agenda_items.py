"""The coordinator's hand on the agenda through the API: pin, move and who may do it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from marac.agenda.models import AgendaItem
from marac.agenda.series import SeriesDetail
from marac.cases.models import Case, Referral
from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.agenda.factories import accepted_referral, conferences_of, items_of, sweep
from tests.factories import World

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def _three_adult_cases(runtime: Runtime, world: World, series: SeriesDetail) -> list[AgendaItem]:
    for rank in (30, 20, 10):
        await accepted_referral(
            runtime, world.area, world.police, MONDAY + timedelta(minutes=rank), risk_rank=rank
        )
    await sweep(runtime)
    return await items_of(runtime, (await conferences_of(runtime, series.series.id))[0].id)


async def test_a_pinned_case_keeps_its_place_when_higher_risk_cases_arrive(
    client: AsyncTestClient, runtime: Runtime, world: World, series: SeriesDetail
) -> None:
    first, second, third = await _three_adult_cases(runtime, world, series)
    response = await client.post(
        f"/api/v1/agenda-items/{third.id}/pin",
        json={"version": 1, "pinned": True, "position": 1},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["position"], response.json()["pinned"]) == (1, True)
    await accepted_referral(runtime, world.area, world.police, MONDAY + timedelta(hours=2), risk_rank=50)
    await sweep(runtime)
    order = [i.id for i in await items_of(runtime, third.conference_id)]
    assert order[0] == third.id
    assert order[2:] == [first.id, second.id]

    released = await client.post(
        f"/api/v1/agenda-items/{third.id}/pin",
        json={"version": 2, "pinned": False},
        headers=world.auth("coordinator"),
    )
    assert released.status_code == 200
    assert [i.id for i in await items_of(runtime, third.conference_id)][-1] == third.id


async def test_the_coordinator_moves_a_case_to_another_conference(
    client: AsyncTestClient, runtime: Runtime, world: World, series: SeriesDetail
) -> None:
    first, second, _ = await _three_adult_cases(runtime, world, series)
    january = (await conferences_of(runtime, series.series.id))[1]
    moved = await client.post(
        f"/api/v1/agenda-items/{first.id}/move",
        json={"version": 1, "conference_id": str(january.id)},
        headers=world.auth("coordinator"),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["conference_id"] == str(january.id)
    assert [i.id for i in await items_of(runtime, january.id)] == [first.id]
    december_items = await items_of(runtime, first.conference_id)
    assert december_items[0].id == second.id
    assert december_items[0].starts_at.strftime("%H:%M") == "10:10"  # the agenda closed up
    await sweep(runtime)  # the moved case is not queued a second time
    async with runtime.transaction() as session:
        listed = list(
            await session.scalars(select(AgendaItem).where(AgendaItem.referral_id == first.referral_id))
        )
    assert len(listed) == 1


async def test_only_the_coordinator_changes_an_agenda_and_only_within_the_area(
    client: AsyncTestClient, runtime: Runtime, world: World, series: SeriesDetail
) -> None:
    first, _, _ = await _three_adult_cases(runtime, world, series)
    path = f"/api/v1/agenda-items/{first.id}/pin"
    body = {"version": 1, "pinned": True}
    assert (await client.post(path, json=body, headers=world.auth("chair"))).status_code == 403
    assert (await client.post(path, json=body, headers=world.auth("representative"))).status_code == 403
    assert (await client.post(path, json=body, headers=world.auth("other_coordinator"))).status_code == 404
    unknown = await client.post(
        f"/api/v1/agenda-items/{first.id}/move",
        json={"version": 1, "conference_id": str(uuid.uuid4())},
        headers=world.auth("coordinator"),
    )
    assert unknown.status_code == 404
    stale = await client.post(path, json={"version": 7, "pinned": True}, headers=world.auth("coordinator"))
    assert stale.status_code == 409


async def test_a_case_last_heard_a_year_ago_elsewhere_is_listed_for_notification(
    runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail
) -> None:
    """Hearings entered from an earlier system count like hearings at a meeting recorded here."""
    referral = await accepted_referral(runtime, world.area, world.police, MONDAY - timedelta(days=400))
    async with runtime.transaction() as session:
        stored = await session.get(Referral, referral.id)
        case = await session.get(Case, referral.case_id)
        assert stored is not None
        assert case is not None
        stored.heard_on = case.last_heard_on = date(2025, 12, 2)
    await sweep(runtime)
    december = (await conferences_of(runtime, series.series.id))[0]
    [item] = await items_of(runtime, december.id)
    assert (item.referral_id, item.section, item.notification_only) == (referral.id, "twelve_month", True)
