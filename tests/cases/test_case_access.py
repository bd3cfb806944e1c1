"""Who sees a case and its referrals: own agency only for referrers, need-to-know for case details,
404 across areas, and the must-not-receive list hiding a case from a user everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from marac.audit import AuditEvent
from marac.cases import access
from marac.cases.models import Case
from marac.runtime import Runtime
from tests.cases.builders import decide, referral_body, submit
from tests.factories import World

Client = AsyncTestClient[Litestar]


async def _status(client: Client, world: World, key: str, path: str) -> int:
    return (await client.get(path, headers=world.auth(key))).status_code


async def _listed(client: Client, world: World, key: str, path: str) -> list[str]:
    response = await client.get(path, headers=world.auth(key))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


@pytest.mark.parametrize(
    ("key", "referral", "case"),
    [
        ("coordinator", 200, 200),
        ("chair", 200, 200),
        ("referrer", 200, 200),  # the referring agency's own staff
        ("csc_referrer", 404, 404),  # another agency's referrer
        ("representative", 404, 404),  # not accepted yet: no need to know
        ("other_referrer", 404, 404),  # another area
        ("other_coordinator", 404, 404),
    ],
)
async def test_who_sees_a_submitted_referral_and_its_case(
    client: Client, people: World, key: str, referral: int, case: int
) -> None:
    submitted = await submit(client, people)
    assert await _status(client, people, key, f"/api/v1/referrals/{submitted['id']}") == referral
    assert await _status(client, people, key, f"/api/v1/cases/{submitted['case_id']}") == case


async def test_representatives_see_the_case_once_accepted_but_not_other_agencies_referrals(
    client: Client, people: World
) -> None:
    submitted = await submit(client, people)
    await decide(client, people, submitted, "accept")
    case = await client.get(f"/api/v1/cases/{submitted['case_id']}", headers=people.auth("representative"))
    assert case.status_code == 200
    assert case.json()["victim"]["surname"] == "Fictionalova"
    assert case.json()["referrals"] == []  # the referral belongs to the police, not to their agency
    assert await _status(client, people, "representative", f"/api/v1/referrals/{submitted['id']}") == 404


async def test_referrers_list_only_their_own_agencys_referrals(client: Client, people: World) -> None:
    police = await submit(client, people)
    social = await submit(
        client, people, referral_body(victim={"forename": "Carina", "surname": "Notreal"}), key="csc_referrer"
    )
    path = f"/api/v1/areas/{people.area.id}/referrals"
    assert await _listed(client, people, "referrer", path) == [police["id"]]
    assert await _listed(client, people, "csc_referrer", path) == [social["id"]]
    assert sorted(await _listed(client, people, "coordinator", path)) == sorted([police["id"], social["id"]])
    assert await _status(client, people, "other_coordinator", path) == 404


async def test_lists_carry_no_names(client: Client, people: World) -> None:
    await submit(client, people)
    for path in (f"/api/v1/areas/{people.area.id}/referrals", f"/api/v1/areas/{people.area.id}/cases"):
        text = (await client.get(path, headers=people.auth("coordinator"))).text
        assert "Fictionalova" not in text
        assert "Placeholderson" not in text
        assert "1990-04-12" not in text


async def _exclude(client: Client, world: World, case_id: str, user_key: str) -> Any:
    return await client.post(
        f"/api/v1/cases/{case_id}/excluded-recipients",
        json={"user_id": str(world.users[user_key].id), "reason": "relative of a party"},
        headers=world.auth("coordinator"),
    )


async def test_a_must_not_receive_user_gets_404_everywhere(client: Client, people: World) -> None:
    submitted = await submit(client, people)
    accepted = await decide(client, people, submitted, "accept")
    other = await submit(
        client, people, referral_body(victim={"forename": "Unrelatia", "surname": "Madeupson"})
    )
    added = await _exclude(client, people, submitted["case_id"], "chair")
    assert added.status_code == 201, added.text

    case_path, referral_path = f"/api/v1/cases/{submitted['case_id']}", f"/api/v1/referrals/{submitted['id']}"
    assert await _status(client, people, "chair", case_path) == 404
    assert await _status(client, people, "chair", referral_path) == 404
    listed = await _listed(client, people, "chair", f"/api/v1/areas/{people.area.id}/referrals")
    assert listed == [other["id"]]
    cases = await _listed(client, people, "chair", f"/api/v1/areas/{people.area.id}/cases")
    assert cases == [other["case_id"]]
    # Acting on it is refused the same way, as if it did not exist.
    withdraw = await client.post(
        f"{referral_path}/withdraw", json={"version": accepted["version"]}, headers=people.auth("chair")
    )
    assert withdraw.status_code == 404
    # Others still see it.
    assert await _status(client, people, "coordinator", case_path) == 200


async def test_an_excluded_referrer_loses_sight_of_their_own_referral(client: Client, people: World) -> None:
    submitted = await submit(client, people)
    await _exclude(client, people, submitted["case_id"], "referrer")
    assert await _status(client, people, "referrer", f"/api/v1/referrals/{submitted['id']}") == 404
    assert await _listed(client, people, "referrer", f"/api/v1/areas/{people.area.id}/referrals") == []


async def test_managing_the_must_not_receive_list(client: Client, people: World) -> None:
    submitted = await submit(client, people)
    path = f"/api/v1/cases/{submitted['case_id']}/excluded-recipients"
    assert (await _exclude(client, people, submitted["case_id"], "representative")).status_code == 201
    assert (await _exclude(client, people, submitted["case_id"], "representative")).status_code == 409
    listed = (await client.get(path, headers=people.auth("coordinator"))).json()
    assert [(e["user_id"], e["reason"]) for e in listed] == [
        (str(people.users["representative"].id), "relative of a party")
    ]
    # The chair may see the case but not change who is excluded; a user of another area cannot be named.
    denied = await client.get(path, headers=people.auth("chair"))
    assert denied.status_code == 403
    stranger = await _exclude(client, people, submitted["case_id"], "other_referrer")
    assert stranger.status_code == 422
    removed = await client.delete(
        f"{path}/{people.users['representative'].id}", headers=people.auth("coordinator")
    )
    assert removed.status_code == 204
    assert (await client.get(path, headers=people.auth("coordinator"))).json() == []


async def test_the_access_helpers_other_domains_call(runtime: Runtime, client: Client, people: World) -> None:
    submitted = await submit(client, people)
    await _exclude(client, people, submitted["case_id"], "chair")
    async with runtime.transaction() as session:
        case = await session.scalar(select(Case).where(Case.reference == submitted["case_reference"]))
        assert case is not None
        chair = people.users["chair"].id
        assert await access.excluded_user_ids(session, case.id) == {chair}
        assert await access.excluded_case_ids(session, chair) == {case.id}
        assert await access.exclusions_for_cases(session, [case.id]) == {case.id: {chair}}


async def test_every_read_of_case_data_is_audited_without_identities(
    runtime: Runtime, client: Client, people: World
) -> None:
    submitted = await submit(client, people, referral_body(safe_contact="Call the work phone after 6pm"))
    await client.get(f"/api/v1/cases/{submitted['case_id']}", headers=people.auth("coordinator"))
    await client.get(f"/api/v1/referrals/{submitted['id']}", headers=people.auth("referrer"))
    await client.get(f"/api/v1/areas/{people.area.id}/referrals", headers=people.auth("referrer"))
    async with runtime.transaction() as session:
        events = (await session.scalars(select(AuditEvent).order_by(AuditEvent.seq))).all()
    actions = [(e.action, e.actor_label) for e in events if e.action.startswith(("case.", "referral."))]
    assert ("case.create", "referrer@north.example") in actions
    assert ("referral.submit", "referrer@north.example") in actions
    assert ("case.view", "coordinator@north.example") in actions
    assert ("referral.view", "referrer@north.example") in actions
    assert ("referral.list", "referrer@north.example") in actions
    details = " ".join(str(e.detail) for e in events)
    for secret in ("Fictionalova", "Placeholderson", "1990-04-12", "work phone"):
        assert secret not in details
