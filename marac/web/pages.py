"""Every page, mounted at the site root behind one router that signs people in and shows errors as pages.

Each topic module exposes ``ROUTE_HANDLERS``; it is listed in ``TOPIC_MODULES`` once, and a module that
does not exist yet is skipped, so pages can arrive one at a time.  Handlers in those modules get, by
parameter name, ``page`` (:class:`marac.web.shell.PageContext`) besides the application's ``db``,
``clock``, ``actor`` and ``runtime``; they declare who may open them with ``opt={"roles": ...}`` and
anonymous pages with ``opt={"public": True}``.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from litestar import Router
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.plugins.htmx import HTMXRequest
from litestar.types import ControllerRouterHandler

from marac.access.middleware import require_login
from marac.web.guards import require_page_role
from marac.web.problems import PAGE_EXCEPTION_HANDLERS
from marac.web.setup import PAGE_HEADERS, static_files_router
from marac.web.shell import provide_page

TOPIC_MODULES = (
    "marac.web.session",
    "marac.web.dashboard",
    "marac.web.agencies",
    "marac.web.users",
    "marac.web.tokens",
    "marac.web.referrals",
    "marac.web.conferences",
    "marac.web.calendar",
    "marac.web.agenda",
    "marac.web.packs",
    "marac.web.meeting",
    "marac.web.actions",
    "marac.web.outbox",
)


def topic_handlers(module_names: Sequence[str] = TOPIC_MODULES) -> list[ControllerRouterHandler]:
    handlers: list[ControllerRouterHandler] = []
    for name in module_names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        handlers.extend(module.ROUTE_HANDLERS)
    return handlers


def page_router() -> Router:
    """The pages: the API's deny-by-default login guard, a role guard, HTML errors, HTMX requests."""
    return Router(
        path="/",
        route_handlers=topic_handlers(),
        guards=[require_login, require_page_role],
        dependencies={"page": Provide(provide_page)},
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        request_class=HTMXRequest,
        response_headers=[ResponseHeader(name=key, value=value) for key, value in PAGE_HEADERS.items()],
        include_in_schema=False,
    )


ROUTE_HANDLERS: list[ControllerRouterHandler] = [static_files_router(), page_router()]
