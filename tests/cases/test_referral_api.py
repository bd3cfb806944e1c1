"""Referral intake over the API: instruments for forms, eligibility with reasons, refusals naming the field,
and the coordinator's decisions."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.cases.builders import dash_answers, decide, referral_body, submit
from tests.factories import World

Client = AsyncTestClient[Litestar]


# --- instruments ----------------------------------------------------------------------------------------


async def test_instruments_are_listed_with_their_questions_for_forms(client: Client, world: World) -> None:
    response = await client.get("/api/v1/instruments", headers=world.auth("referrer"))
    assert response.status_code == 200
    by_id = {item["id"]: item for item in response.json()}
    assert set(by_id) == {"dash", "lethality", "bsafer", "freda", "danger"}
    dash = by_id["dash"]
    assert len(dash["questions"]) == 24
    assert dash["questions"][0]["allowed"] == ["yes", "no", "dont_know"]
    assert [b["name"] for b in dash["bands"]] == ["standard", "medium", "high"]
    assert by_id["danger"]["ready"] is False  # licensed weights are not shipped


async def test_one_instrument_and_an_unknown_one(client: Client, world: World) -> None:
    found = await client.get("/api/v1/instruments/bsafer", headers=world.auth("referrer"))
    assert found.status_code == 200
    assert found.json()["assessor_rating"] == {"allowed": ["low", "moderate", "high"], "required": True}
    missing = await client.get("/api/v1/instruments/tarot", headers=world.auth("referrer"))
    assert missing.status_code == 404


# --- eligibility as a referrer sees it ----------------------------------------------------------------------

ELIGIBILITY_CASES: list[tuple[str, dict[str, Any], bool, list[str], str]] = [
    ("13 yes", {"yes": 13}, False, [], "no referral criterion is met: 13 of 24 yes (medium)"),
    ("14 yes", {"yes": 14}, True, ["visible_high_risk"], "14 of 24 yes — visible high risk"),
    ("9 yes is standard", {"yes": 9}, False, [], "no referral criterion is met: 9 of 24 yes (standard)"),
    (
        "judgement on a medium score",
        {"yes": 11, "professional_judgement": True, "judgement_reasons": "Threats escalated this week"},
        True,
        ["professional_judgement"],
        "professional judgement (written reasons given)",
    ),
    (
        "assessor rating cannot lower 14 yes",
        {"yes": 14, "assessor_rating": "standard"},
        True,
        ["visible_high_risk"],
        "14 of 24 yes; the assessor's rating of standard does not lower the result — visible high risk",
    ),
    (
        "assessor rating raises 12 yes",
        {"yes": 12, "assessor_rating": "high"},
        True,
        ["visible_high_risk"],
        "12 of 24 yes; raised from medium to high by the assessor's judgement — visible high risk",
    ),
    (
        "three incidents in twelve months",
        {
            "yes": 5,
            "police_incidents": [
                {"occurred_on": "2026-01-10", "reference": "INC-1"},
                {"occurred_on": "2026-06-02", "reference": "INC-2"},
                {"occurred_on": "2026-11-20", "reference": "INC-3"},
            ],
        },
        True,
        ["potential_escalation"],
        "3 police incidents in 12 months — potential escalation",
    ),
    (
        "an incident exactly twelve months before does not count",
        {
            "yes": 5,
            "police_incidents": [
                {"occurred_on": "2025-11-23", "reference": "INC-1"},
                {"occurred_on": "2026-06-02", "reference": "INC-2"},
                {"occurred_on": "2026-11-20", "reference": "INC-3"},
            ],
        },
        False,
        [],
        "no referral criterion is met: 5 of 24 yes (standard)",
    ),
]


@pytest.mark.parametrize(
    ("fields", "eligible", "criteria", "reason"),
    [case[1:] for case in ELIGIBILITY_CASES],
    ids=[case[0] for case in ELIGIBILITY_CASES],
)
async def test_eligibility_is_decided_on_submission_with_readable_reasons(
    client: Client, world: World, fields: dict[str, Any], eligible: bool, criteria: list[str], reason: str
) -> None:
    fields = dict(fields)
    yes = fields.pop("yes")
    referral = await submit(client, world, referral_body(yes=yes, **fields))
    assert referral["status"] == "submitted"
    assert referral["eligible"] is eligible
    assert referral["criteria"] == criteria
    assert reason in referral["reasons"]


async def test_professional_judgement_keeps_the_referrers_reasons_for_those_who_may_read_them(
    client: Client, world: World
) -> None:
    body = referral_body(
        yes=8, professional_judgement=True, judgement_reasons="Fears for her life after release"
    )
    referral = await submit(client, world, body)
    response = await client.get(f"/api/v1/referrals/{referral['id']}", headers=world.auth("coordinator"))
    assert response.json()["judgement_reasons"] == "Fears for her life after release"


async def test_the_area_setting_moves_the_dash_threshold(client: Client, world: World) -> None:
    changed = await client.patch(
        f"/api/v1/areas/{world.area.id}",
        json={"version": world.area.version, "settings": {"dash_high_threshold": 12}},
        headers=world.auth("admin"),
    )
    assert changed.status_code == 200, changed.text
    referral = await submit(client, world, referral_body(yes=12))
    assert referral["eligible"] is True
    assert referral["assessment"]["band"] == "high"


# --- refusals naming the field -----------------------------------------------------------------------------

REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("unknown question", {"answers": {**dash_answers(14), "q99": "yes"}}, "answers.q99"),
    ("missing answer", {"answers": {k: v for k, v in dash_answers(14).items() if k != "q7"}}, "answers.q7"),
    ("wrong type", {"answers": {**dash_answers(14), "q3": 1}}, "answers.q3"),
    ("value not allowed", {"answers": {**dash_answers(14), "q5": "maybe"}}, "answers.q5"),
    ("judgement without reasons", {"professional_judgement": True}, "judgement_reasons"),
    ("blank reasons", {"professional_judgement": True, "judgement_reasons": "  "}, "judgement_reasons"),
    ("rating not allowed", {"assessor_rating": "extreme"}, "assessor_rating"),
    ("unknown instrument", {"instrument_id": "crystal-ball"}, "instrument_id"),
    ("instrument not ready", {"instrument_id": "danger", "answers": {}}, "instrument_id"),
    ("answers without instrument", {"instrument_id": None}, "instrument_id"),
    ("referral in the future", {"referred_on": "2026-11-24"}, "referred_on"),
    (
        "born after the referral",
        {"victim": {"forename": "A", "surname": "B", "birth_date": "2027-01-01"}},
        "victim.birth_date",
    ),
    ("name of punctuation only", {"victim": {"forename": "--", "surname": "Example"}}, "victim.forename"),
    ("unknown field", {"favourite_colour": "blue"}, "favourite_colour"),
    (
        "over-long reasons",
        {"professional_judgement": True, "judgement_reasons": "x" * 4001},
        "judgement_reasons",
    ),
]


@pytest.mark.parametrize(("fields", "field"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
async def test_invalid_referrals_are_refused_naming_the_field(
    client: Client, world: World, fields: dict[str, Any], field: str
) -> None:
    response = await client.post(
        f"/api/v1/areas/{world.area.id}/referrals",
        json=referral_body(**fields),
        headers=world.auth("referrer"),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_every_bad_answer_is_named_at_once(client: Client, world: World) -> None:
    answers = {**dash_answers(14), "q3": "perhaps", "q30": "yes"}
    del answers["q9"]
    response = await client.post(
        f"/api/v1/areas/{world.area.id}/referrals",
        json=referral_body(answers=answers),
        headers=world.auth("referrer"),
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"answers.q3", "answers.q9", "answers.q30"}


async def test_nothing_is_recorded_when_a_referral_is_refused(client: Client, world: World) -> None:
    await client.post(
        f"/api/v1/areas/{world.area.id}/referrals",
        json=referral_body(answers={"q1": "yes"}),
        headers=world.auth("referrer"),
    )
    listed = await client.get(f"/api/v1/areas/{world.area.id}/referrals", headers=world.auth("coordinator"))
    assert listed.json() == []
    cases = await client.get(f"/api/v1/areas/{world.area.id}/cases", headers=world.auth("coordinator"))
    assert cases.json() == []


# --- references and workflow ----------------------------------------------------------------------------


async def test_references_count_per_area_and_name_nobody(client: Client, world: World) -> None:
    first = await submit(client, world)
    second = await submit(
        client, world, referral_body(victim={"forename": "Otherina", "surname": "Sampleton"})
    )
    assert (first["reference"], first["case_reference"]) == ("R-2026-0001", "MC-0001")
    assert (second["reference"], second["case_reference"]) == ("R-2026-0002", "MC-0002")
    # The other area starts its own series.
    elsewhere = await submit(
        client,
        world,
        key="other_coordinator",
        area_id=world.other_area.id,
        body=referral_body(referring_agency_id=str(world.other_police.id)),
    )
    assert (elsewhere["reference"], elsewhere["case_reference"]) == ("R-2026-0001", "MC-0001")


async def test_below_threshold_referral_is_shown_not_eligible_and_returned(
    client: Client, world: World
) -> None:
    referral = await submit(client, world, referral_body(yes=9))
    refused = await client.post(
        f"/api/v1/referrals/{referral['id']}/accept",
        json={"version": referral["version"]},
        headers=world.auth("coordinator"),
    )
    assert refused.status_code == 409
    assert "meets no referral criterion" in refused.json()["detail"]
    returned = await decide(client, world, referral, "return", reason="Below threshold; add your reasons")
    assert returned["status"] == "returned"
    assert returned["decision_reason"] == "Below threshold; add your reasons"
    # The referrer sees the outcome of their own referral.
    seen = await client.get(f"/api/v1/referrals/{referral['id']}", headers=world.auth("referrer"))
    assert seen.json()["status"] == "returned"


async def test_the_coordinator_accepts_and_the_referrer_cannot(client: Client, world: World) -> None:
    referral = await submit(client, world)
    refused = await client.post(
        f"/api/v1/referrals/{referral['id']}/accept",
        json={"version": referral["version"]},
        headers=world.auth("referrer"),
    )
    assert refused.status_code == 403
    accepted = await decide(client, world, referral, "accept")
    assert accepted["status"] == "accepted"
    assert accepted["decided_by"] == str(world.users["coordinator"].id)
    again = await client.post(
        f"/api/v1/referrals/{referral['id']}/accept",
        json={"version": accepted["version"]},
        headers=world.auth("coordinator"),
    )
    assert again.status_code == 409


async def test_a_stale_version_is_refused(client: Client, world: World) -> None:
    referral = await submit(client, world)
    await decide(client, world, referral, "accept")
    stale = await client.post(
        f"/api/v1/referrals/{referral['id']}/return",
        json={"version": referral["version"], "reason": "wrong area"},
        headers=world.auth("coordinator"),
    )
    assert stale.status_code == 409
    assert stale.json()["type"].endswith("stale-version")


@pytest.mark.parametrize("reason", ["", "   "])
async def test_returning_needs_a_reason(client: Client, world: World, reason: str) -> None:
    referral = await submit(client, world)
    response = await client.post(
        f"/api/v1/referrals/{referral['id']}/return",
        json={"version": referral["version"], "reason": reason},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"


async def test_the_referrer_withdraws_their_own_referral_until_it_is_heard(
    client: Client, world: World
) -> None:
    referral = await submit(client, world)
    withdrawn = await decide(client, world, referral, "withdraw", key="referrer", reason="victim moved area")
    assert withdrawn["status"] == "withdrawn"
    heard = await submit(
        client, world, referral_body(victim={"forename": "Secondina", "surname": "Exampleby"})
    )
    heard = await decide(client, world, heard, "accept")
    heard = await decide(client, world, heard, "heard", heard_on="2026-11-23")
    late = await client.post(
        f"/api/v1/referrals/{heard['id']}/withdraw",
        json={"version": heard["version"]},
        headers=world.auth("referrer"),
    )
    assert late.status_code == 409


async def test_a_coordinator_refers_on_behalf_of_an_agency_but_a_referrer_cannot(
    client: Client, world: World
) -> None:
    body = referral_body(referring_agency_id=str(world.social_care.id))
    on_behalf = await submit(client, world, body, key="coordinator")
    assert on_behalf["referring_agency_id"] == str(world.social_care.id)
    refused = await client.post(
        f"/api/v1/areas/{world.area.id}/referrals", json=body, headers=world.auth("referrer")
    )
    assert refused.status_code == 403


async def test_representatives_without_the_referrer_role_cannot_refer(client: Client, world: World) -> None:
    response = await client.post(
        f"/api/v1/areas/{world.area.id}/referrals", json=referral_body(), headers=world.auth("representative")
    )
    assert response.status_code == 403
