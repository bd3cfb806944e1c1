"""Engine, sessions, the declarative base and the migrations runner.

The same models and migrations serve SQLite (the embedded default, a file under ``./var/``) and
PostgreSQL (production).  All datetimes are stored as UTC.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend; naive values are refused on the way in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored")
        value = value.astimezone(UTC)
        # SQLite has no timezone type: store naive UTC so that text comparison orders correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class UUIDPrimaryKey:
    """Random ids: they reveal neither counts nor order in URLs."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Versioned:
    """Optimistic concurrency: clients send the version they read; a stale write is refused."""

    version: Mapped[int] = mapped_column(default=1, nullable=False)

    __mapper_args__: dict[str, Any] = {}


_MMAP_BYTES = 2 * 1024**3


def _sqlite_immediate(engine: AsyncEngine) -> None:
    """Make every SQLite transaction ``BEGIN IMMEDIATE``.

    SQLite's default deferred transactions fail with SQLITE_BUSY when a reader later tries to write;
    taking the write lock up front makes concurrent requests queue instead (busy timeout below).
    """
    sync_engine: Engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Pages read straight from the operating system's cache rather than copied in one by one: joins
        # over a large database (a reminder sweep reads thousands of scattered rows) take about half as
        # long.  SQLite caps the size at its build's limit; writes still go through the write-ahead log.
        cursor.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, *, echo: bool = False, pool: bool = True) -> AsyncEngine:
    """Create the async engine for ``url``; SQLite files get their folder created."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
        if pool and database and database != ":memory:":
            # One connection, handed out in turn: SQLite allows one writer anyway, and queueing for the
            # pool is fair and wakes at once, where SQLite's busy handler sleeps and retries.
            kwargs["pool_size"] = 1
            kwargs["max_overflow"] = 0
            kwargs["pool_timeout"] = 60
    else:
        kwargs["pool_pre_ping"] = True
    if not pool:
        kwargs["poolclass"] = NullPool
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_immediate(engine)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session whose work commits at the end of the block, or rolls back on any error."""
    async with factory() as session, session.begin():
        yield session


def is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_ignoring_conflicts(
    dialect: Dialect, table: Any, index_elements: Sequence[str] | None = None
) -> postgresql.Insert | sqlite.Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` into ``table`` (a table or model) for this database: both spell
    it alike, but each has its own construct."""
    if dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=index_elements)


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    here = Path(__file__).resolve().parent / "migrations"
    config = Config()
    config.set_main_option("script_location", str(here))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Run the Alembic migrations up to ``revision`` (synchronously; call from a thread in async code)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "heads") -> None:
    """:func:`upgrade` from async code: Alembic runs its own event loop, so it gets a thread."""
    import asyncio

    await asyncio.to_thread(upgrade, url, revision)
