"""What a running process shares: settings, the database engine and session factory, and the clock.

Built once by ``create_app`` (or the CLI and the scheduler) and passed explicitly: no module globals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from marac.cases.people import Protector
from marac.clock import Clock, SystemClock
from marac.db import create_engine, session_factory
from marac.settings import Settings, get_settings


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock

    @classmethod
    def build(
        cls,
        settings: Settings | None = None,
        *,
        engine: AsyncEngine | None = None,
        clock: Clock | None = None,
    ) -> Runtime:
        settings = settings or get_settings()
        engine = engine or create_engine(settings.database.url, echo=settings.database.echo)
        return cls(settings, engine, session_factory(engine), clock or SystemClock())

    @property
    def protector(self) -> Protector:
        """Encrypts and indexes identifying fields with this service's keys (built once per key set)."""
        return Protector.from_settings(self.settings.security)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits at the end of the block, rolls back on any error."""
        async with self.sessions() as session, session.begin():
            yield session
