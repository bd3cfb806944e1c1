"""Research status and the meeting record through the API: who records what, when, and what closing
the meeting does to the cases on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from marac.agenda.models import AgendaItem, Conference
from marac.agenda.series import SeriesDetail
from marac.cases.models import Referral
from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.agenda.factories import accepted_referral, case_of, conferences_of, items_of, sweep
from tests.agenda.test_queueing import DECEMBER_CUT_OFF
from tests.factories import World

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def _published_december(
    runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail, cases: int
) -> tuple[Conference, list[AgendaItem]]:
    for n in range(cases):
        await accepted_referral(
            runtime, world.area, world.police, MONDAY + timedelta(minutes=n), risk_rank=20 - n
        )
    clock.set(DECEMBER_CUT_OFF)
    await sweep(runtime)
    december = (await conferences_of(runtime, series.series.id))[0]
    return december, await items_of(runtime, december.id)


async def test_agencies_record_their_own_research_and_the_coordinator_sees_who_has_not_responded(
    client: AsyncTestClient, runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail
) -> None:
    december, items = await _published_december(runtime, clock, world, series, 2)
    rep = world.auth("representative")  # children's services
    path = f"/api/v1/agenda-items/{items[0].id}/research/{world.social_care.id}"
    recorded = await client.put(
        path, json={"status": "information_held", "note": "Known since 2024"}, headers=rep
    )
    assert recorded.status_code == 200, recorded.text
    assert (recorded.json()["status"], recorded.json()["note"], recorded.json()["version"]) == (
        "information_held",
        "Known since 2024",
        1,
    )
    stale = await client.put(path, json={"status": "shared", "version": 0}, headers=rep)
    assert stale.status_code == 409
    again = await client.put(path, json={"status": "shared", "version": 1}, headers=rep)
    assert again.json()["version"] == 2
    other_agency = await client.put(
        f"/api/v1/agenda-items/{items[0].id}/research/{world.police.id}",
        json={"status": "shared"},
        headers=rep,
    )
    assert other_agency.status_code == 403
    referrer = await client.put(
        f"/api/v1/agenda-items/{items[0].id}/research/{world.police.id}",
        json={"status": "shared"},
        headers=world.auth("referrer"),  # police staff, but not its representative
    )
    assert referrer.status_code == 403

    board = await client.get(f"/api/v1/conferences/{december.id}/research", headers=world.auth("coordinator"))
    assert board.status_code == 200
    progress = {p["agency"]: (p["responded"], p["outstanding"]) for p in board.json()["progress"]}
    assert progress == {"North Children's Services": (1, 1), "North Police": (0, 2)}
    assert set(board.json()["not_responded"]) == {str(world.police.id), str(world.social_care.id)}
    cell = next(e for e in board.json()["items"][0]["entries"] if e["agency_id"] == str(world.social_care.id))
    assert (cell["status"], cell["note"]) == ("shared", None)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"status": "present", "user_id": "rep"}, 200),
        ({"status": "apologies"}, 200),
        ({"status": "deputy", "deputy_name": "D. Deputy"}, 200),
        ({"status": "deputy"}, 422),
        ({"status": "present", "deputy_name": "D. Deputy"}, 422),
        ({"status": "present", "user_id": "referrer"}, 422),  # works for the police, not this agency
    ],
)
async def test_attendance_is_recorded_per_agency(
    client: AsyncTestClient,
    runtime: Runtime,
    clock: FixedClock,
    world: World,
    series: SeriesDetail,
    body: dict[str, Any],
    status: int,
) -> None:
    december, _ = await _published_december(runtime, clock, world, series, 1)
    users = {"rep": world.users["representative"].id, "referrer": world.users["referrer"].id}
    if "user_id" in body:
        body = {**body, "user_id": str(users[body["user_id"]])}
    path = f"/api/v1/conferences/{december.id}/attendance/{world.social_care.id}"
    response = await client.put(path, json=body, headers=world.auth("chair"))
    assert response.status_code == status, response.text
    if status == 200:
        listed = (
            await client.get(f"/api/v1/conferences/{december.id}/attendance", headers=world.auth("chair"))
        ).json()
        mine = next(a for a in listed if a["agency_id"] == str(world.social_care.id))
        assert mine["status"] == body["status"]
        assert next(a for a in listed if a["agency_id"] == str(world.police.id))["status"] is None
    assert (await client.put(path, json=body, headers=world.auth("representative"))).status_code == 403


async def test_outcomes_wait_for_the_meeting_and_minutes_are_stored_encrypted(
    client: AsyncTestClient, runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail
) -> None:
    december, [item] = await _published_december(runtime, clock, world, series, 1)
    chair = world.auth("chair")
    path = f"/api/v1/agenda-items/{item.id}/outcome"
    early = await client.put(path, json={"version": 1, "outcome": "heard"}, headers=chair)
    assert early.status_code == 409
    clock.set(december.starts_at + timedelta(minutes=15))
    minutes = "Safety plan agreed; housing to review the locks."
    heard = await client.put(path, json={"version": 1, "outcome": "heard", "minutes": minutes}, headers=chair)
    assert heard.status_code == 200, heard.text
    assert (heard.json()["outcome"], heard.json()["minutes"]) == ("heard", minutes)
    async with runtime.transaction() as session:
        stored = await session.get(AgendaItem, item.id)
        conference = await session.get(Conference, december.id)
    assert stored is not None
    assert stored.minutes_enc is not None
    assert minutes not in stored.minutes_enc
    assert conference is not None
    assert conference.status == "held"
    record = await client.get(f"/api/v1/conferences/{december.id}/record", headers=chair)
    assert record.json()["items"][0]["minutes"] == minutes
    assert (
        await client.get(f"/api/v1/conferences/{december.id}/record", headers=world.auth("representative"))
    ).status_code == 403


async def test_closing_the_meeting_records_hearings_and_carries_the_rest_to_the_top_of_the_next(
    client: AsyncTestClient, runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail
) -> None:
    december, items = await _published_december(runtime, clock, world, series, 3)
    heard, deferred, not_reached = items
    # A higher-risk repeat case already waits for January.
    waiting = await accepted_referral(
        runtime, world.area, world.police, DECEMBER_CUT_OFF + timedelta(hours=1), is_repeat=True, risk_rank=30
    )
    clock.set(december.starts_at + timedelta(hours=2))
    await sweep(runtime)
    chair = world.auth("chair")
    for item, outcome in ((heard, "heard"), (deferred, "deferred")):
        response = await client.put(
            f"/api/v1/agenda-items/{item.id}/outcome", json={"version": 1, "outcome": outcome}, headers=chair
        )
        assert response.status_code == 200
    async with runtime.transaction() as session:
        version = (await session.get(Conference, december.id)).version  # type: ignore[union-attr]
    closed = await client.post(
        f"/api/v1/conferences/{december.id}/close", json={"version": version}, headers=chair
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    again = await client.put(
        f"/api/v1/agenda-items/{heard.id}/outcome", json={"version": 2, "outcome": "deferred"}, headers=chair
    )
    assert again.status_code == 409  # the record is final

    january = (await conferences_of(runtime, series.series.id))[1]
    listed = await items_of(runtime, january.id)
    assert [i.referral_id for i in listed] == [deferred.referral_id, not_reached.referral_id, waiting.id]
    assert [i.carried_over for i in listed] == [True, True, False]
    heard_case = await case_of(runtime, await _referral(runtime, heard))
    assert heard_case.last_heard_on == december.local_date
    async with runtime.transaction() as session:
        referral = await session.get(Referral, heard.referral_id)
    assert referral is not None
    assert referral.heard_on == december.local_date


async def _referral(runtime: Runtime, item: AgendaItem) -> Referral:
    async with runtime.transaction() as session:
        referral = await session.get(Referral, item.referral_id)
    assert referral is not None
    return referral
