"""What the application needs from the web layer: the Jinja engine and the static files router."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from marac import __version__

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
STATIC_PATH = "/static"


def static_url(name: str) -> str:
    """The URL of a file in ``marac/web/static``; the version busts caches after an upgrade."""
    return f"{STATIC_PATH}/{name}?v={__version__}"


@pass_context
def localtime(context: Context, value: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """A stored UTC time shown in the current area's timezone (``{{ when|localtime }}``)."""
    if value is None:
        return ""
    page = context.get("page")
    zone = getattr(page, "timezone", None) or "Europe/London"
    return value.astimezone(ZoneInfo(zone)).strftime(fmt)


def jinja_environment() -> Environment:
    """Autoescaped, and strict: a misspelt variable fails the page instead of rendering as blank."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["static_url"] = static_url
    environment.filters["localtime"] = localtime
    return environment


def template_config() -> TemplateConfig[Any]:
    """Passed to ``Litestar(template_config=...)`` by ``create_app``."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(jinja_environment()))


def static_files_router() -> Router:
    """``/static``: public, cached for a day (the ``?v=`` in every URL changes with each release)."""
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC_DIR],
        opt={"public": True},
        cache_control=CacheControlHeader(max_age=86400, public=True),
        include_in_schema=False,
    )


# Sent with every page: nothing cached (pages show case data), no framing, no URL leaking to other sites.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
