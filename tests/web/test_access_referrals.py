"""Page-by-role access for the referral pages: referrers refer, coordinators decide, nobody else."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.access.models import Role
from marac.runtime import Runtime
from tests.cases.builders import VICTIM, referral_body, submit
from tests.factories import World, make_user
from tests.web.conftest import sign_in_client
from tests.web.test_access import NORTH_MANAGERS, ROLE_KEYS, FormRule, PageRule, SignIn
from tests.web.test_referrals_form import dash_fields

Client = AsyncTestClient[Litestar]
REFERRERS = frozenset({"referrer"})
MANAGERS = frozenset({"admin", "coordinator", "other_coordinator", "sysadmin"})
SOUTH = frozenset({"other_coordinator"})
NEAR = {"forename": "Testinna", "surname": "Fictionalowa", "birth_date": VICTIM["birth_date"]}


@pytest.fixture
async def referral(client: Client, world: World) -> dict[str, Any]:
    """A north-shire referral from the police whose victim may be the victim of an earlier case."""
    await submit(client, world)
    return await submit(client, world, referral_body(victim=NEAR))


async def suggestion_of(client: Client, world: World, referral: dict[str, Any]) -> str:
    response = await client.get(f"/api/v1/referrals/{referral['id']}", headers=world.auth("coordinator"))
    suggestion_id: str = response.json()["match_suggestions"][0]["id"]
    return suggestion_id


def pages(referral: dict[str, Any]) -> list[PageRule]:
    rid = referral["id"]
    return [
        PageRule("/referrals/new", REFERRERS),
        PageRule("/referrals/new?instrument=dash", REFERRERS),
        PageRule("/referrals/mine", REFERRERS),
        PageRule(f"/referrals/{rid}/submitted", REFERRERS),
        PageRule("/referrals", MANAGERS),
        PageRule(f"/referrals/{rid}", NORTH_MANAGERS, hidden=SOUTH),
    ]


def forms(referral: dict[str, Any], suggestion_id: str) -> list[FormRule]:
    rid = referral["id"]
    return [
        FormRule("/referrals/new", REFERRERS, fields=dash_fields(15)),
        FormRule(f"/referrals/{rid}/matches/{suggestion_id}/reject", NORTH_MANAGERS, hidden=SOUTH),
        FormRule(f"/referrals/{rid}/accept", NORTH_MANAGERS, hidden=SOUTH, fields={"version": "1"}),
    ]


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_each_referral_page_answers_only_the_roles_it_is_for(
    client: Client, world: World, sign_in: SignIn, referral: dict[str, Any], key: str
) -> None:
    await sign_in(key)
    rules = pages(referral)
    seen = {rule.url(world): (await client.get(rule.url(world))).status_code for rule in rules}
    assert seen == {rule.url(world): rule.expected(key) for rule in rules}


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_each_referral_form_accepts_only_the_roles_it_is_for(
    client: Client, world: World, sign_in: SignIn, referral: dict[str, Any], key: str
) -> None:
    rules = forms(referral, await suggestion_of(client, world, referral))
    csrf = await sign_in(key)
    seen = {}
    for rule in rules:
        response = await client.post(
            rule.url(world), data={**rule.fields, "_csrf": csrf}, follow_redirects=False
        )
        seen[rule.url(world)] = response.status_code
    assert seen == {rule.url(world): rule.expected(key) for rule in rules}
    score = await client.post("/referrals/new/score", data={**dash_fields(15), "_csrf": csrf})
    assert score.status_code == (200 if key in REFERRERS else 403)


async def test_a_referrer_of_another_agency_is_told_the_referral_does_not_exist(
    client: Client, runtime: Runtime, world: World, referral: dict[str, Any]
) -> None:
    await make_user(runtime, world.area, "csc.referrer@north.example", [Role.REFERRER], world.social_care)
    await sign_in_client(client, "csc.referrer@north.example")
    assert (await client.get(f"/referrals/{referral['id']}/submitted")).status_code == 404
    mine = (await client.get("/referrals/mine")).text
    assert referral["reference"] not in mine
    assert "No referrals from your agency yet." in mine


async def test_the_dashboard_shows_each_role_its_own_referral_panel(
    client: Client, world: World, sign_in: SignIn, referral: dict[str, Any]
) -> None:
    csrf = await sign_in("referrer")
    home = (await client.get("/")).text
    assert "2 referrals from your agency, 2 waiting for a decision" in home
    assert "referrals to decide" not in home
    await client.post("/logout", data={"_csrf": csrf})
    await sign_in("coordinator")
    home = (await client.get("/")).text
    assert "2 referrals to decide" in home
    assert "from your agency" not in home
