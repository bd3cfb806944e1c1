"""Shared fixtures.

Every database test runs on SQLite and, when MARAC_TEST_DATABASE_URL is set, on PostgreSQL too.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

# Settings are read once per process: point them at a throw-away folder before marac is imported.
_VAR = Path(tempfile.mkdtemp(prefix="marac-test-var-"))
os.environ["MARAC_VAR_DIR"] = str(_VAR)
os.environ.setdefault("MARAC_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("MARAC_DATA_KEY", "test-data-key-not-for-production")
os.environ.setdefault("MARAC_INDEX_KEY", "test-index-key-not-for-production")
os.environ["MARAC_PASSWORD_HASHING"] = "fast-insecure-for-tests"
os.environ.pop("MARAC_DATABASE_URL", None)
os.environ.pop("MARAC_SMTP_URL", None)

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import make_url, text

import marac.models  # noqa: F401  (all tables)
from marac.app import create_app
from marac.clock import FixedClock
from marac.db import Base, create_engine, upgrade
from marac.runtime import Runtime
from marac.settings import get_settings
from tests.factories import World, build_world

PG_URL = os.environ.get("MARAC_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _pg_parts(url: str) -> tuple[str, str]:
    """(asyncpg DSN of the server's maintenance database, SQLAlchemy URL template without database)."""
    parsed = make_url(url).set(drivername="postgresql+asyncpg")
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return dsn, parsed.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    workerinput = getattr(request.config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else "main"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per test process; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database(worker_id: str) -> Iterator[str]:
    """A database of its own per xdist worker, created fresh and migrated once."""
    if PG_URL is None:
        pytest.skip("MARAC_TEST_DATABASE_URL is not set")
    dsn, base = _pg_parts(PG_URL)
    # The process id keeps concurrent test runs against the same server out of each other's way.
    name = f"marac_test_{worker_id}_{os.getpid()}"

    async def create() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    url = str(make_url(base).set(database=name).render_as_string(hide_password=False))
    upgrade(url)
    yield url

    async def drop() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    asyncio.run(drop())


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "marac.db"
        shutil.copy(template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def runtime(db_url: str, clock: FixedClock) -> AsyncIterator[Runtime]:
    engine = create_engine(db_url)
    if engine.dialect.name == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield Runtime.build(get_settings(), engine=engine, clock=clock)
    await engine.dispose()


@pytest.fixture
async def world(runtime: Runtime) -> World:
    return await build_world(runtime)


@pytest.fixture
async def client(runtime: Runtime, db_url: str) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    """The app on an engine of its own (same database, same clock).

    The test client serves the app from another event loop; asyncpg connections belong to the loop that
    opened them, so the app must not share the test's engine.
    """
    engine = create_engine(db_url)
    app = create_app(Runtime.build(runtime.settings, engine=engine, clock=runtime.clock))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client
    await engine.dispose()
