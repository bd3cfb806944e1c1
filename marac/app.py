"""``create_app()``: the Litestar application — middleware, routers, dependencies, error mapping."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from litestar import Litestar, Router, get
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler
from sqlalchemy import text

from marac import __version__
from marac.access import controllers as access_controllers
from marac.access.middleware import CredentialCache, CredentialMiddleware, require_login
from marac.deps import DEPENDENCIES
from marac.errors import Unavailable
from marac.problems import EXCEPTION_HANDLERS
from marac.runtime import Runtime
from marac.web.setup import template_config

log = logging.getLogger("marac")


@get("/health", operation_id="health", opt={"public": True}, tags=["service"])
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@get("/ready", operation_id="ready", opt={"public": True}, tags=["service"])
async def ready(state: State) -> dict[str, str]:
    """Readiness: the database answers."""
    runtime: Runtime = state.runtime
    try:
        async with runtime.sessions() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        raise Unavailable("The database is not reachable") from exc
    return {"status": "ready"}


# Each domain's controllers module exposes ROUTE_HANDLERS; listed here once, in a fixed order.
API_MODULES = (
    "marac.cases.controllers",
    "marac.agenda.controllers",
    "marac.agenda.packs_controllers",
    "marac.notify.controllers",
    "marac.actions.controllers",
    "marac.reports.controllers",
)
PAGE_MODULES = ("marac.web.pages",)


def _handlers_from(module_names: Sequence[str]) -> list[ControllerRouterHandler]:
    handlers: list[ControllerRouterHandler] = []
    for name in module_names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # that domain has no HTTP interface yet
        handlers.extend(module.ROUTE_HANDLERS)
    return handlers


def public_handlers() -> list[ControllerRouterHandler]:
    """Routes outside /api/v1 that authenticate by other means (the private calendar feed link)."""
    from marac.notify.controllers import PUBLIC_ROUTE_HANDLERS

    return list(PUBLIC_ROUTE_HANDLERS)


def api_handlers() -> list[ControllerRouterHandler]:
    """Every ``/api/v1`` controller."""
    return [*access_controllers.ROUTE_HANDLERS, *_handlers_from(API_MODULES)]


def create_app(
    runtime: Runtime | None = None,
    *,
    run_scheduler: bool = False,
    extra_handlers: Sequence[ControllerRouterHandler] = (),
    debug: bool = False,
) -> Litestar:
    """Build the application; tests pass a runtime with their own engine and clock."""
    owns_engine = runtime is None
    runtime = runtime or Runtime.build()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        from marac.scheduler import start_scheduler, stop_scheduler
        from marac.scheduler_lease import SchedulerLeadership

        leadership = SchedulerLeadership.for_runtime(runtime) if run_scheduler else None
        scheduler = start_scheduler(runtime, leadership) if leadership is not None else None
        try:
            yield
        finally:
            if scheduler is not None and leadership is not None:
                # Hand the lease over at once, so a standby `marac scheduler` need not wait for it to expire.
                await stop_scheduler(scheduler, leadership)
            if owns_engine:
                await runtime.engine.dispose()

    api = Router(path="/api/v1", route_handlers=api_handlers(), guards=[require_login])
    openapi = OpenAPIConfig(
        title="marac",
        version=__version__,
        description="Multi-agency risk assessment conferences: referrals, agendas, actions.",
        path="/schema",
        render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", description="Personal API token"),
                "session": SecurityScheme(type="apiKey", name="marac_session", security_scheme_in="cookie"),
            }
        ),
        security=[{"bearer": []}, {"session": []}],
    )
    handlers: list[ControllerRouterHandler] = [
        health,
        ready,
        api,
        *public_handlers(),
        *_handlers_from(PAGE_MODULES),
        *extra_handlers,
    ]
    return Litestar(
        route_handlers=handlers,
        dependencies=DEPENDENCIES,
        middleware=[DefineMiddleware(CredentialMiddleware)],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi,
        template_config=template_config(),
        state=State({"runtime": runtime, "credentials": CredentialCache()}),
        lifespan=[lifespan],
        debug=debug,
    )
