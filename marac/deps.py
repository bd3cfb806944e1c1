"""Request-scoped dependencies shared by every controller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.access.middleware import current_actor
from marac.clock import Clock
from marac.runtime import Runtime


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler succeeds, rolled back on any error."""
    runtime: Runtime = state.runtime
    async with runtime.transaction() as session:
        yield session


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    return current_actor(request)


def provide_clock(state: State) -> Clock:
    runtime: Runtime = state.runtime
    return runtime.clock


def provide_runtime(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


DEPENDENCIES = {
    "db": Provide(provide_session),
    "actor": Provide(provide_actor, sync_to_thread=False),
    "clock": Provide(provide_clock, sync_to_thread=False),
    "runtime": Provide(provide_runtime, sync_to_thread=False),
}
