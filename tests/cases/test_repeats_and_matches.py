"""Repeats, linked referrals and near-match suggestions, over the API."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.cases.builders import PERPETRATOR, VICTIM, decide, referral_body, submit
from tests.factories import World

Client = AsyncTestClient[Litestar]


async def _heard(
    client: Client, world: World, referred_on: str, heard_on: str, **fields: Any
) -> dict[str, Any]:
    """An earlier referral of the standard victim and perpetrator, accepted and heard."""
    earlier = await submit(client, world, referral_body(referred_on=referred_on, **fields))
    earlier = await decide(client, world, earlier, "accept")
    return await decide(client, world, earlier, "heard", heard_on=heard_on)


@pytest.mark.parametrize(
    ("incident_on", "is_repeat"),
    [
        ("2026-11-22", True),  # the day before twelve months have passed
        ("2026-11-23", False),  # exactly twelve months after the last referral: a new referral
        ("2026-03-01", True),
    ],
)
async def test_repeat_within_twelve_months_of_the_last_referral(
    client: Client, world: World, incident_on: str, is_repeat: bool
) -> None:
    earlier = await _heard(client, world, "2025-11-23", "2025-12-09")
    further = await submit(client, world, referral_body(yes=3, incident_on=incident_on))
    assert further["case_id"] == earlier["case_id"]
    assert further["is_repeat"] is is_repeat
    assert further["eligible"] is is_repeat  # a repeat is referred whatever the score
    if is_repeat:
        assert further["criteria"] == ["repeat"]
        assert further["reasons"] == ["repeat: last referral 2025-11-23"]
    assert further["last_referral_on"] == "2025-11-23"


async def test_a_different_perpetrator_is_not_a_repeat(client: Client, world: World) -> None:
    await _heard(client, world, "2026-06-01", "2026-06-10")
    other = {"forename": "Someone", "surname": "Elsewise", "birth_date": "1979-02-02"}
    further = await submit(client, world, referral_body(yes=3, perpetrators=[other]))
    assert further["is_repeat"] is False
    assert further["eligible"] is False


async def test_a_perpetrator_without_birth_date_matches_by_name(client: Client, world: World) -> None:
    await _heard(client, world, "2026-06-01", "2026-06-10")
    nameonly = {"forename": " madeup ", "surname": "PLACEHOLDERSON"}
    further = await submit(client, world, referral_body(yes=3, perpetrators=[nameonly]))
    assert further["is_repeat"] is True


async def test_the_victim_is_recognised_whatever_the_spelling_of_case_and_accents(
    client: Client, world: World
) -> None:
    first = await submit(client, world)
    variant = {"forename": "TESTINA", "surname": "fictionalova ", "birth_date": VICTIM["birth_date"]}
    second = await submit(client, world, referral_body(victim=variant))
    assert second["case_id"] == first["case_id"]


async def test_a_second_referral_while_one_waits_is_linked_not_listed_twice(
    client: Client, world: World
) -> None:
    waiting = await submit(client, world)
    second = await submit(client, world, referral_body(yes=3), key="coordinator")
    assert second["linked_to_id"] == waiting["id"]
    assert second["is_repeat"] is False  # the case has not been heard yet
    path = f"/api/v1/areas/{world.area.id}/referrals"
    listed = (await client.get(path, headers=world.auth("coordinator"))).json()
    assert [(r["id"], r["linked_count"]) for r in listed] == [(waiting["id"], 1)]
    everything = (
        await client.get(path, params={"include_linked": "true"}, headers=world.auth("coordinator"))
    ).json()
    assert {r["id"] for r in everything} == {waiting["id"], second["id"]}
    detail = (
        await client.get(f"/api/v1/referrals/{waiting['id']}", headers=world.auth("coordinator"))
    ).json()
    assert [item["reference"] for item in detail["linked"]] == [second["reference"]]
    # Below the threshold on its own, it joins the waiting referral's case: the coordinator may accept it.
    assert (await decide(client, world, second, "accept"))["status"] == "accepted"


async def test_a_linked_referral_takes_the_place_of_a_returned_one(client: Client, world: World) -> None:
    waiting = await submit(client, world, referral_body(yes=5))
    second = await submit(client, world, referral_body(yes=15))
    await decide(client, world, waiting, "return", reason="below threshold")
    listed = (
        await client.get(
            f"/api/v1/areas/{world.area.id}/referrals",
            params={"status": "submitted"},
            headers=world.auth("coordinator"),
        )
    ).json()
    assert [(r["id"], r["linked_to_id"]) for r in listed] == [(second["id"], None)]


async def test_hearing_a_referral_hears_the_ones_linked_to_it(client: Client, world: World) -> None:
    waiting = await submit(client, world)
    second = await submit(client, world, referral_body(yes=3))
    accepted = await decide(client, world, waiting, "accept")
    await decide(client, world, accepted, "heard", heard_on="2026-11-23")
    detail = (await client.get(f"/api/v1/referrals/{second['id']}", headers=world.auth("coordinator"))).json()
    assert detail["heard_on"] == "2026-11-23"
    case = (await client.get(f"/api/v1/cases/{waiting['case_id']}", headers=world.auth("coordinator"))).json()
    assert case["last_heard_on"] == "2026-11-23"


# --- near matches ----------------------------------------------------------------------------------------

NEAR = {"forename": "Testinna", "surname": "Fictionalowa", "birth_date": VICTIM["birth_date"]}


async def _suggestions(client: Client, world: World, key: str = "coordinator") -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/areas/{world.area.id}/match-suggestions", headers=world.auth(key))
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def test_a_near_match_is_suggested_and_a_dissimilar_name_is_not(client: Client, world: World) -> None:
    earlier = await submit(client, world)
    near = await submit(client, world, referral_body(victim=NEAR))
    unlike = {"forename": "Zelda", "surname": "Quuxworth", "birth_date": VICTIM["birth_date"]}
    await submit(client, world, referral_body(victim=unlike))
    assert near["case_id"] != earlier["case_id"]
    suggested = await _suggestions(client, world)
    assert [(s["referral_reference"], s["candidate_case_reference"]) for s in suggested] == [
        (near["reference"], earlier["case_reference"])
    ]
    assert suggested[0]["similarity"] >= 0.85
    detail = (await client.get(f"/api/v1/referrals/{near['id']}", headers=world.auth("coordinator"))).json()
    assert [s["id"] for s in detail["match_suggestions"]] == [suggested[0]["id"]]
    referrer_view = (
        await client.get(f"/api/v1/referrals/{near['id']}", headers=world.auth("referrer"))
    ).json()
    assert referrer_view["match_suggestions"] == []
    denied = await client.get(
        f"/api/v1/areas/{world.area.id}/match-suggestions", headers=world.auth("referrer")
    )
    assert denied.status_code == 403


async def test_confirming_a_near_match_merges_the_case_and_marks_the_repeat(
    client: Client, world: World
) -> None:
    earlier = await _heard(client, world, "2026-05-20", "2026-06-09")
    near = await submit(client, world, referral_body(yes=3, victim=NEAR))
    assert near["eligible"] is False  # nothing known about a victim not yet matched
    suggestion = (await _suggestions(client, world))[0]
    confirmed = await client.post(
        f"/api/v1/match-suggestions/{suggestion['id']}/confirm", headers=world.auth("coordinator")
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    after = (await client.get(f"/api/v1/referrals/{near['id']}", headers=world.auth("coordinator"))).json()
    assert after["case_id"] == earlier["case_id"]
    assert (after["is_repeat"], after["eligible"], after["criteria"]) == (True, True, ["repeat"])
    case = (await client.get(f"/api/v1/cases/{earlier['case_id']}", headers=world.auth("coordinator"))).json()
    assert [p["surname"] for p in case["perpetrators"]] == [PERPETRATOR["surname"]]  # one record, not two
    assert {r["id"] for r in case["referrals"]} == {earlier["id"], near["id"]}
    cases = (
        await client.get(f"/api/v1/areas/{world.area.id}/cases", headers=world.auth("coordinator"))
    ).json()
    assert [c["reference"] for c in cases] == [earlier["case_reference"]]
    merged = await client.get(f"/api/v1/cases/{near['case_id']}", headers=world.auth("coordinator"))
    assert merged.status_code == 404
    # The variant spelling now finds the case directly.
    third = await submit(client, world, referral_body(victim=NEAR))
    assert third["case_id"] == earlier["case_id"]
    assert await _suggestions(client, world) == []


async def test_confirming_links_to_a_referral_still_waiting(client: Client, world: World) -> None:
    waiting = await submit(client, world)
    near = await submit(client, world, referral_body(victim=NEAR))
    suggestion = (await _suggestions(client, world))[0]
    await client.post(
        f"/api/v1/match-suggestions/{suggestion['id']}/confirm", headers=world.auth("coordinator")
    )
    after = (await client.get(f"/api/v1/referrals/{near['id']}", headers=world.auth("coordinator"))).json()
    assert after["linked_to_id"] == waiting["id"]


async def test_rejecting_a_near_match_keeps_the_cases_apart(client: Client, world: World) -> None:
    earlier = await submit(client, world)
    near = await submit(client, world, referral_body(victim=NEAR))
    suggestion = (await _suggestions(client, world))[0]
    refused = await client.post(
        f"/api/v1/match-suggestions/{suggestion['id']}/reject", headers=world.auth("referrer")
    )
    assert refused.status_code == 403
    rejected = await client.post(
        f"/api/v1/match-suggestions/{suggestion['id']}/reject", headers=world.auth("coordinator")
    )
    assert rejected.json()["status"] == "rejected"
    again = await client.post(
        f"/api/v1/match-suggestions/{suggestion['id']}/confirm", headers=world.auth("coordinator")
    )
    assert again.status_code == 409
    cases = (
        await client.get(f"/api/v1/areas/{world.area.id}/cases", headers=world.auth("coordinator"))
    ).json()
    assert {c["id"] for c in cases} == {earlier["case_id"], near["case_id"]}
    assert await _suggestions(client, world) == []
