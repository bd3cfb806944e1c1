"""Who may open a page: signed in (``require_login``, shared with the API) and, per page, a role.

A page declares the roles that may open it with ``opt={"roles": COORDINATORS}``; the check is made
against the roles held in the current area (the one chosen with the area switcher).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from marac.access.middleware import current_actor
from marac.access.models import Role
from marac.errors import PermissionDenied
from marac.web.shell import current_area_id, effective_roles

ROLE_NAMES = {
    Role.ADMIN: "administrators",
    Role.COORDINATOR: "coordinators",
    Role.CHAIR: "chairs",
    Role.REPRESENTATIVE: "agency representatives",
    Role.REFERRER: "referrers",
}


def describe_roles(roles: Iterable[Role]) -> str:
    names = [ROLE_NAMES[role] for role in Role if role in set(roles)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


async def require_page_role(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Refuse (403) a page whose ``opt["roles"]`` the actor does not hold in the current area."""
    roles = handler.opt.get("roles")
    if roles is None or handler.opt.get("public"):
        return
    actor = current_actor(connection)
    area_id = current_area_id(actor, connection.scope.get("auth"))
    if not effective_roles(actor, area_id) & frozenset(roles):
        raise PermissionDenied(f"This page is for {describe_roles(roles)} of the area you are working in")
