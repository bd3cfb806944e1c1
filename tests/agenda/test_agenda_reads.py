"""The published agenda served from memory: the same answer as the database, views audited once a
minute per person and version, exclusions and new versions taking effect."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec
import pytest
from sqlalchemy import func, select

from marac.access.auth import actor_for
from marac.access.guards import Actor
from marac.access.models import User
from marac.agenda.agenda_cache import CACHE_SECONDS, VIEW_AUDIT_SECONDS, AgendaCache
from marac.agenda.agenda_reads import agenda_json
from marac.agenda.publication import publish_now
from marac.agenda.series import SeriesDetail
from marac.audit import AuditEvent
from marac.cases.models import Case
from marac.errors import NotFound, PermissionDenied
from marac.runtime import Runtime
from tests.agenda.factories import accepted_referral, case_of, conferences_of, exclude, sweep
from tests.factories import World

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class Ticker:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _actor(runtime: Runtime, user: User) -> Actor:
    async with runtime.transaction() as session:
        loaded = await session.get(User, user.id)
        assert loaded is not None
        return actor_for(loaded)


async def _views(runtime: Runtime) -> int:
    async with runtime.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "agenda.view")
        )
    return int(count or 0)


def _cases(body: bytes) -> list[str]:
    agenda = msgspec.json.decode(body)
    return [line["case_reference"] for section in agenda["sections"] for line in section["items"]]


@pytest.fixture
async def published(runtime: Runtime, world: World, series: SeriesDetail) -> tuple[uuid.UUID, list[str]]:
    first = await accepted_referral(runtime, world.area, world.police, MONDAY, has_children=True)
    second = await accepted_referral(runtime, world.area, world.police, MONDAY.replace(hour=11))
    await sweep(runtime)
    december = (await conferences_of(runtime, series.series.id))[0]
    async with runtime.transaction() as session:
        await publish_now(session, runtime.clock, Actor.system("test"), december.id)
    return december.id, [(await case_of(runtime, r)).reference for r in (first, second)]


async def test_repeated_reads_are_served_from_memory_and_audited_once_a_minute(
    runtime: Runtime, world: World, published: tuple[uuid.UUID, list[str]]
) -> None:
    conference_id, references = published
    ticker = Ticker()
    cache = AgendaCache(ticker)
    rep = await _actor(runtime, world.users["representative"])
    first = await agenda_json(runtime.sessions, runtime.clock, rep, conference_id, cache=cache)
    assert _cases(first) == references
    for _ in range(5):
        assert await agenda_json(runtime.sessions, runtime.clock, rep, conference_id, cache=cache) == first
    assert await _views(runtime) == 1
    ticker.now += VIEW_AUDIT_SECONDS
    await agenda_json(runtime.sessions, runtime.clock, rep, conference_id, cache=cache)
    assert await _views(runtime) == 2


async def test_the_answer_from_memory_is_the_answer_from_the_database(
    runtime: Runtime, world: World, published: tuple[uuid.UUID, list[str]]
) -> None:
    conference_id, _ = published
    chair = await _actor(runtime, world.users["chair"])
    cached = await agenda_json(
        runtime.sessions, runtime.clock, chair, conference_id, cache=AgendaCache(Ticker())
    )
    exact = await agenda_json(
        runtime.sessions, runtime.clock, chair, conference_id, 1, cache=AgendaCache(Ticker())
    )
    assert cached == exact


async def test_an_exclusion_takes_effect_once_the_readers_entry_expires(
    runtime: Runtime, world: World, published: tuple[uuid.UUID, list[str]]
) -> None:
    conference_id, references = published
    ticker = Ticker()
    cache = AgendaCache(ticker)
    rep = await _actor(runtime, world.users["representative"])
    await agenda_json(runtime.sessions, runtime.clock, rep, conference_id, cache=cache)
    async with runtime.transaction() as session:
        case_id = await session.scalar(select(Case.id).where(Case.reference == references[0]))
    assert case_id is not None
    await exclude(runtime, case_id, rep.user_id or uuid.uuid4(), MONDAY)
    ticker.now += CACHE_SECONDS
    body = await agenda_json(runtime.sessions, runtime.clock, rep, conference_id, cache=cache)
    assert _cases(body) == references[1:]
    chair = await _actor(runtime, world.users["chair"])
    assert (
        _cases(await agenda_json(runtime.sessions, runtime.clock, chair, conference_id, cache=cache))
        == references
    )


async def test_readers_the_cache_must_refuse_are_refused_from_memory_too(
    runtime: Runtime, world: World, published: tuple[uuid.UUID, list[str]]
) -> None:
    conference_id, _ = published
    cache = AgendaCache(Ticker())
    chair = await _actor(runtime, world.users["chair"])
    await agenda_json(runtime.sessions, runtime.clock, chair, conference_id, cache=cache)  # now cached
    with pytest.raises(PermissionDenied):
        await agenda_json(
            runtime.sessions,
            runtime.clock,
            await _actor(runtime, world.users["referrer"]),
            conference_id,
            cache=cache,
        )
    with pytest.raises(NotFound):
        await agenda_json(
            runtime.sessions,
            runtime.clock,
            await _actor(runtime, world.users["other_coordinator"]),
            conference_id,
            cache=cache,
        )
