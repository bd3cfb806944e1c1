"""The frame every page lives in: who is looking, in which area, what they may open, and how pages answer.

Handlers take ``page: PageContext`` (a router dependency) and answer with :func:`render` or
:func:`redirect`.  Messages that survive a redirect ("Agency added") travel in a short-lived signed
cookie, never in the URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.auth import Credential
from marac.access.guards import Actor
from marac.access.models import Area, Role
from marac.errors import PermissionDenied
from marac.runtime import Runtime
from marac.web.nav import NavLink, visible_nav

FLASH_COOKIE = "marac_flash"
PAGE_STATE_KEY = "marac_page"


@dataclass(frozen=True)
class AreaChoice:
    id: uuid.UUID
    name: str
    timezone: str


@dataclass(frozen=True)
class Flash:
    """A one-off message shown at the top of the next page; ``kind`` is "notice" or "warning"."""

    text: str
    kind: str = "notice"


@dataclass(frozen=True)
class PageContext:
    """Everything the base template needs, built once per request by :func:`provide_page`."""

    actor: Actor | None
    path: str
    marking: str
    user_name: str = ""
    csrf_token: str = ""
    area: AreaChoice | None = None
    areas: tuple[AreaChoice, ...] = ()
    roles: frozenset[Role] = frozenset()
    nav: tuple[NavLink, ...] = ()
    flash: Flash | None = None

    @property
    def signed_in(self) -> bool:
        return self.actor is not None

    @property
    def timezone(self) -> str:
        return self.area.timezone if self.area else "Europe/London"

    @property
    def area_id(self) -> uuid.UUID:
        """The current area; pages about an area refuse people who have none."""
        if self.area is None:
            raise PermissionDenied("You have no role in any area yet: ask your MARAC coordinator")
        return self.area.id

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def section_path(self) -> str:
        """The nav entry this page belongs to (where the area switcher returns to)."""
        for link in self.nav:
            if link.current:
                return link.path
        return "/"


def effective_roles(actor: Actor, area_id: uuid.UUID | None) -> frozenset[Role]:
    """Roles held in the area; a system administrator without one is treated as the area's admin."""
    held = actor.roles_in(area_id) if area_id is not None else frozenset()
    if not held and actor.is_privileged:
        return frozenset({Role.ADMIN})
    return held


def current_area_id(actor: Actor, credential: object) -> uuid.UUID | None:
    """The area chosen with the switcher (kept on the login session), else a stable default."""
    chosen = getattr(getattr(credential, "login_session", None), "current_area_id", None)
    if isinstance(chosen, uuid.UUID) and actor.belongs_to(chosen):
        return chosen
    if actor.area_ids:
        # Login stores the first area by name; this fallback only serves bearer-token visitors.
        return min(actor.area_ids, key=str)
    return None


async def areas_for(session: AsyncSession, actor: Actor) -> list[Area]:
    """The areas the switcher offers: the actor's own, or all of them for a system administrator."""
    query = select(Area).order_by(Area.name)
    if not actor.is_privileged:
        query = query.where(Area.id.in_(actor.area_ids))
    return list(await session.scalars(query))


def _sign(runtime: Runtime, payload: bytes) -> str:
    key = runtime.settings.security.secret_key.encode()
    return hmac.new(key, b"flash:" + payload, hashlib.sha256).hexdigest()[:24]


def flash_cookie(runtime: Runtime, flash: Flash) -> Cookie:
    """A signed cookie carrying ``flash`` to the next page; read and cleared by :func:`render`."""
    payload = base64.urlsafe_b64encode(f"{flash.kind}\n{flash.text}".encode())
    return Cookie(
        key=FLASH_COOKIE,
        value=f"{payload.decode()}.{_sign(runtime, payload)}",
        httponly=True,
        samesite="lax",
        secure=runtime.settings.secure_cookies,
        path="/",
        max_age=120,
    )


def read_flash(request: Request[Any, Any, Any], runtime: Runtime) -> Flash | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return None
    payload, signature = raw.rsplit(".", 1)
    if not hmac.compare_digest(signature, _sign(runtime, payload.encode())):
        return None
    try:
        kind, _, text = base64.urlsafe_b64decode(payload.encode()).decode().partition("\n")
    except (ValueError, UnicodeDecodeError):
        return None
    return Flash(text, kind if kind in {"notice", "warning"} else "notice")


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to return to after login; anything that could leave the site becomes ``default``."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ch in value for ch in "\\\r\n\t") or "://" in value:
        return default
    return value


def login_url(next_path: str | None = None) -> str:
    target = safe_next(next_path, "")
    return "/login?" + urlencode({"next": target}) if target and target != "/" else "/login"


async def provide_page(request: Request[Any, Any, Any], db: AsyncSession, runtime: Runtime) -> PageContext:
    """Router dependency ``page``: the signed-in person, their areas, roles and navigation."""
    marking = runtime.settings.mail.protective_marking
    flash = read_flash(request, runtime)
    actor = request.scope.get("user")
    path = request.url.path
    if not isinstance(actor, Actor):
        page = PageContext(actor=None, path=path, marking=marking, flash=flash)
        request.state[PAGE_STATE_KEY] = page
        return page
    credential = request.scope.get("auth")
    areas = [AreaChoice(a.id, a.name, a.timezone) for a in await areas_for(db, actor)]
    wanted = current_area_id(actor, credential)
    area = next((a for a in areas if a.id == wanted), areas[0] if areas else None)
    roles = effective_roles(actor, area.id if area else None)
    user_name, csrf = actor.label, ""
    if isinstance(credential, Credential):
        user_name = credential.user.name
        csrf = credential.login_session.csrf_token if credential.login_session else ""
    page = PageContext(
        actor=actor,
        path=path,
        marking=marking,
        user_name=user_name,
        csrf_token=csrf,
        area=area,
        areas=tuple(areas),
        roles=roles,
        nav=visible_nav(request.app, roles, path),
        flash=flash,
    )
    request.state[PAGE_STATE_KEY] = page
    return page


def render(
    page: PageContext,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    """A full page or fragment; a shown flash message is cleared so that it appears once."""
    response = Template(
        template_name=template, context={"page": page, **context}, status_code=status_code, headers=headers
    )
    if page.flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(runtime: Runtime, path: str, *, flash: str | None = None, warning: bool = False) -> Redirect:
    """Post/redirect/get: the browser fetches ``path`` afresh and shows ``flash`` once."""
    cookies = [flash_cookie(runtime, Flash(flash, "warning" if warning else "notice"))] if flash else []
    return Redirect(path, status_code=303, cookies=cookies)
