"""Page-by-role access for the agenda, case list, packs and conference documents."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from marac.access.guards import Actor
from marac.agenda.documents_models import BriefingPack
from marac.agenda.packs_distribution import issue_packs_now
from marac.agenda.publication import publish_now
from marac.cases.people import Protector
from marac.runtime import Runtime
from tests.agenda.factories import accepted_referral, conferences_of, items_of, monthly_series, sweep
from tests.factories import World
from tests.web.test_access import NORTH_MANAGERS, ROLE_KEYS, FormRule, PageRule, SignIn

OTHER_AREA = frozenset({"other_coordinator"})
REPRESENTATIVE = frozenset({"representative"})
AGENDA_READERS = NORTH_MANAGERS | {"chair", "representative"}
SYSTEM = Actor.system("test")
# A copy of a briefing pack: its recipient, the area's coordinators and chairs (and a system administrator).
PACK_READERS = frozenset({"representative", "coordinator", "chair", "sysadmin"})


@dataclass(frozen=True)
class Listed:
    published: uuid.UUID  # 8 December 2026, published, two adult cases
    draft: uuid.UUID  # 12 January 2027, not published
    first: uuid.UUID
    second: uuid.UUID
    second_version: int
    pack: uuid.UUID  # the representative's briefing pack for 8 December


@pytest.fixture
async def listed(runtime: Runtime, world: World) -> Listed:
    series = await monthly_series(
        runtime,
        world.area,
        [world.police, world.social_care],
        representative_ids=[world.users["representative"].id],
        chair_id=world.users["chair"].id,
    )
    for _ in range(2):
        await accepted_referral(runtime, world.area, world.police, runtime.clock.now())
    await sweep(runtime)
    upcoming = [
        c for c in await conferences_of(runtime, series.series.id) if c.starts_at > runtime.clock.now()
    ]
    december, january = upcoming[0], upcoming[1]
    async with runtime.transaction() as session:
        await publish_now(session, runtime.clock, SYSTEM, december.id)
        protector = Protector.from_settings(runtime.settings.security)
        await issue_packs_now(session, runtime.clock, SYSTEM, runtime.settings, protector, december.id)
        pack = await session.scalar(
            select(BriefingPack.id).where(BriefingPack.recipient_user_id == world.users["representative"].id)
        )
    assert pack is not None
    first, second = await items_of(runtime, december.id)
    return Listed(december.id, january.id, first.id, second.id, second.version, pack)


def pages(listed: Listed) -> list[PageRule]:
    return [
        PageRule(f"/conferences/{listed.published}/agenda", NORTH_MANAGERS, hidden=OTHER_AREA),
        PageRule(f"/conferences/{listed.draft}/agenda", NORTH_MANAGERS, hidden=OTHER_AREA),
        PageRule("/agenda/review", frozenset({"chair"})),
        PageRule(f"/agenda/review?conference={listed.draft}", frozenset({"chair"})),
        PageRule("/cases", REPRESENTATIVE),
        PageRule("/packs", REPRESENTATIVE),
        PageRule(f"/conferences/{listed.published}/documents/agenda.docx", AGENDA_READERS, hidden=OTHER_AREA),
        PageRule(f"/packs/{listed.pack}/download", PACK_READERS, hidden=OTHER_AREA),
    ]


def forms(listed: Listed) -> list[FormRule]:
    agenda = f"/conferences/{listed.published}/agenda"
    return [
        FormRule(f"/conferences/{listed.draft}/agenda/publish", NORTH_MANAGERS, hidden=OTHER_AREA),
        FormRule(
            f"{agenda}/items/{listed.second}/up",
            NORTH_MANAGERS,
            hidden=OTHER_AREA,
            fields={"version": str(listed.second_version)},
        ),
        FormRule(
            f"/cases/{listed.first}/research",
            REPRESENTATIVE,
            fields={"status": "nothing_held", "version": "0"},
        ),
        FormRule(f"/conferences/{listed.published}/packs/issue", NORTH_MANAGERS, hidden=OTHER_AREA),
    ]


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_agenda_pages_answer_only_the_roles_they_are_for(
    client: AsyncTestClient[Litestar], world: World, listed: Listed, sign_in: SignIn, key: str
) -> None:
    await sign_in(key)
    rules = pages(listed)
    seen = {rule.url(world): (await client.get(rule.url(world))).status_code for rule in rules}
    assert seen == {rule.url(world): rule.expected(key) for rule in rules}


@pytest.mark.parametrize("key", ROLE_KEYS)
async def test_agenda_forms_accept_only_the_roles_they_are_for(
    client: AsyncTestClient[Litestar], world: World, listed: Listed, sign_in: SignIn, key: str
) -> None:
    csrf = await sign_in(key)
    rules = forms(listed)
    seen = {}
    for rule in rules:
        response = await client.post(
            rule.url(world), data={**rule.fields, "_csrf": csrf}, follow_redirects=False
        )
        seen[rule.url(world)] = response.status_code
    assert seen == {rule.url(world): rule.expected(key) for rule in rules}


async def test_an_unknown_pack_is_not_found(
    client: AsyncTestClient[Litestar], world: World, listed: Listed, sign_in: SignIn
) -> None:
    await sign_in("representative")
    response = await client.get(f"/packs/{uuid.uuid4()}/download")
    assert response.status_code == 404
