"""Page-by-role access to the action pages: the coordinator's list, each action's page (chairs too),
the representative's reports, the chair's completion view; another area's action does not exist."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.actions.conftest import build_meeting
from tests.factories import World
from tests.web.test_access import MANAGERS, NORTH_MANAGERS, ROLE_KEYS, FormRule, PageRule, SignIn

OVERSEERS = MANAGERS | {"chair"}
NORTH_OVERSEERS = NORTH_MANAGERS | {"chair"}
ELSEWHERE = frozenset({"other_coordinator"})
REPRESENTATIVES = frozenset({"representative"})


@dataclass(frozen=True)
class Agreed:
    police: str  # an action of North Police
    social: str  # an action of children's services (the representative's agency)


def pages(agreed: Agreed) -> list[PageRule]:
    return [
        PageRule("/actions", MANAGERS),
        PageRule(f"/actions/{agreed.police}", NORTH_OVERSEERS, hidden=ELSEWHERE),
        PageRule("/actions/agency", REPRESENTATIVES),
        PageRule("/actions/by-agency", OVERSEERS),
    ]


def forms(agreed: Agreed, world: World) -> list[FormRule]:
    police = f"/actions/{agreed.police}"
    return [
        FormRule(
            f"{police}/change", NORTH_OVERSEERS, ELSEWHERE, fields={"deadline": "2027-01-08", "version": "1"}
        ),
        FormRule(
            f"{police}/status",
            NORTH_OVERSEERS,
            ELSEWHERE,
            fields={"status": "open", "reported_on": "2026-11-23", "note": "Under way", "version": "2"},
        ),
        FormRule(
            f"{police}/reassign",
            NORTH_OVERSEERS,
            ELSEWHERE,
            fields={"owner_agency_id": str(world.social_care.id), "version": "3"},
        ),
        FormRule(
            f"/actions/agency/{agreed.social}/report",
            REPRESENTATIVES,
            fields={"status": "completed", "reported_on": "2026-11-23", "version": "1"},
        ),
    ]


@pytest.fixture
async def agreed(runtime: Runtime, clock: FixedClock, world: World) -> Agreed:
    meeting = await build_meeting(runtime, world, clock)
    police = await meeting.agree(description="Review the safety plan")
    social = await meeting.agree(agency=world.social_care, description="Visit the school", case=1)
    return Agreed(str(police.id), str(social.id))


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_each_action_page_answers_only_the_roles_it_is_for(
    client: AsyncTestClient[Litestar], world: World, agreed: Agreed, sign_in: SignIn, key: str
) -> None:
    await sign_in(key)
    rules = pages(agreed)
    seen = {rule.url(world): (await client.get(rule.url(world))).status_code for rule in rules}
    assert seen == {rule.url(world): rule.expected(key) for rule in rules}


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_each_action_form_accepts_only_the_roles_it_is_for(
    client: AsyncTestClient[Litestar], world: World, agreed: Agreed, sign_in: SignIn, key: str
) -> None:
    csrf = await sign_in(key)
    rules = forms(agreed, world)
    seen = {}
    for rule in rules:
        response = await client.post(
            rule.url(world), data={**rule.fields, "_csrf": csrf}, follow_redirects=False
        )
        seen[rule.url(world)] = response.status_code
    assert seen == {rule.url(world): rule.expected(key) for rule in rules}
