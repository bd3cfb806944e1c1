"""Agenda fixtures: the world's area with a monthly series attended by police and children's services."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from marac.agenda.series import SeriesDetail
from marac.clock import FixedClock
from marac.db import Base, create_engine
from marac.runtime import Runtime
from marac.settings import get_settings
from tests.agenda.factories import monthly_series
from tests.factories import World


@pytest.fixture
async def runtime(db_url: str, clock: FixedClock) -> AsyncIterator[Runtime]:
    """As the shared fixture, but without a connection pool on PostgreSQL.

    The test client serves requests on its own event loop; an asyncpg connection opened on the test's
    loop (by the factories) cannot be used on the client's, so each unit of work opens its own.
    """
    postgresql = db_url.startswith("postgresql")
    engine = create_engine(db_url, pool=not postgresql)
    if postgresql:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield Runtime.build(get_settings(), engine=engine, clock=clock)
    await engine.dispose()


@pytest.fixture
async def series(runtime: Runtime, world: World) -> SeriesDetail:
    """Second Tuesday 10:00 Europe/London, 3 hours, 10 minutes a case (16 slots), from 1 November 2026."""
    return await monthly_series(
        runtime,
        world.area,
        [world.police, world.social_care],
        representative_ids=[world.users["representative"].id],
        chair_id=world.users["chair"].id,
    )
