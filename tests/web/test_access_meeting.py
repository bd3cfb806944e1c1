"""Page-by-role access to the meeting screen: the area's chairs and coordinators only; another
area's conference does not exist for anyone else."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.factories import World
from tests.web.test_access import MANAGERS, NORTH_MANAGERS, ROLE_KEYS, FormRule, PageRule, SignIn
from tests.web.test_meeting import Agenda, published_agenda, start_meeting

OVERSEERS = MANAGERS | {"chair"}
NORTH_OVERSEERS = NORTH_MANAGERS | {"chair"}
ELSEWHERE = frozenset({"other_coordinator"})


def pages(agenda: Agenda) -> list[PageRule]:
    return [
        PageRule("/meeting", OVERSEERS),
        PageRule(agenda.path, NORTH_OVERSEERS, hidden=ELSEWHERE),
    ]


def forms(agenda: Agenda, world: World) -> list[FormRule]:
    item = agenda.items[0].id
    return [
        FormRule(
            f"{agenda.path}/attendance/{world.police.id}",
            NORTH_OVERSEERS,
            ELSEWHERE,
            fields={"status": "present"},
        ),
        FormRule(
            f"{agenda.path}/cases/{item}/record",
            NORTH_OVERSEERS,
            ELSEWHERE,
            fields={"outcome": "heard", "minutes": "Plan agreed", "version": "1"},
        ),
        FormRule(
            f"{agenda.path}/cases/{item}/actions",
            NORTH_OVERSEERS,
            ELSEWHERE,
            fields={
                "description": "Fit new locks",
                "owner_agency_id": str(world.police.id),
                "deadline": agenda.january.local_date.isoformat(),
            },
        ),
        FormRule(f"{agenda.path}/close", NORTH_OVERSEERS, ELSEWHERE, fields={"version": "1"}),
    ]


@pytest.fixture
async def agenda(runtime: Runtime, clock: FixedClock, world: World) -> Agenda:
    found = await published_agenda(runtime, clock, world)
    await start_meeting(clock, found)
    return found


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_each_meeting_page_answers_only_the_roles_it_is_for(
    client: AsyncTestClient[Litestar], world: World, agenda: Agenda, sign_in: SignIn, key: str
) -> None:
    await sign_in(key)
    rules = pages(agenda)
    seen = {rule.url(world): (await client.get(rule.url(world))).status_code for rule in rules}
    assert seen == {rule.url(world): rule.expected(key) for rule in rules}


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_each_meeting_form_accepts_only_the_roles_it_is_for(
    client: AsyncTestClient[Litestar], world: World, agenda: Agenda, sign_in: SignIn, key: str
) -> None:
    csrf = await sign_in(key)
    rules = forms(agenda, world)
    seen = {}
    for rule in rules:
        response = await client.post(
            rule.url(world), data={**rule.fields, "_csrf": csrf}, follow_redirects=False
        )
        seen[rule.url(world)] = response.status_code
    assert seen == {rule.url(world): rule.expected(key) for rule in rules}
