"""The navigation of every role, in one place.

Each entry names the roles that see it and the path it opens.  An entry is shown only when the
application serves that path, so a page joins the navigation simply by being mounted: nobody is shown
a link to a page that does not exist yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from litestar import Litestar

from marac.access.models import Role

COORDINATORS = frozenset({Role.COORDINATOR, Role.ADMIN})
CHAIRS = frozenset({Role.CHAIR})
REPRESENTATIVES = frozenset({Role.REPRESENTATIVE})
REFERRERS = frozenset({Role.REFERRER})


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: frozenset[Role]


@dataclass(frozen=True)
class NavLink:
    """One rendered link; ``current`` marks the section the page belongs to (``aria-current``)."""

    label: str
    path: str
    current: bool = False


# In the order each role works through a MARAC cycle.  Later pages add or adjust rows here.
NAV: list[NavItem] = [
    # Referrer
    NavItem("My referrals", "/referrals/mine", REFERRERS),
    NavItem("New referral", "/referrals/new", REFERRERS),
    # Coordinator (and the area's administrator)
    NavItem("Dashboard", "/", COORDINATORS),
    NavItem("Referrals", "/referrals", COORDINATORS),
    NavItem("Conferences", "/conferences", COORDINATORS),
    # The coordinator runs the meeting screen alongside the chair (shown once to someone who is both).
    NavItem("Meeting", "/meeting", COORDINATORS),
    NavItem("Actions", "/actions", COORDINATORS),
    NavItem("Agencies", "/agencies", COORDINATORS),
    NavItem("Users", "/users", COORDINATORS),
    NavItem("Outbox", "/outbox", COORDINATORS),
    # Agency representative
    NavItem("My conferences", "/conferences/mine", REPRESENTATIVES),
    NavItem("Case list", "/cases", REPRESENTATIVES),
    NavItem("Briefing packs", "/packs", REPRESENTATIVES),
    NavItem("Our actions", "/actions/agency", REPRESENTATIVES),
    NavItem("Calendar feed", "/account/calendar", REPRESENTATIVES),
    # Chair
    NavItem("Agenda review", "/agenda/review", CHAIRS),
    NavItem("Meeting", "/meeting", CHAIRS),
    NavItem("Actions by agency", "/actions/by-agency", CHAIRS),
]


def served_paths(app: Litestar) -> frozenset[str]:
    """Every GET path the application answers (a few dozen routes: cheap enough per request)."""
    # getattr: websocket and mounted ASGI routes have no methods.
    return frozenset(route.path for route in app.routes if "GET" in getattr(route, "methods", ()))


def _is_current(item_path: str, page_path: str, all_paths: Iterable[str]) -> bool:
    if item_path == "/":
        return page_path == "/"
    if page_path != item_path and not page_path.startswith(item_path + "/"):
        return False
    # "/referrals/mine" belongs to "My referrals", not to "Referrals".
    return not any(
        other != item_path and other.startswith(item_path + "/") and page_path.startswith(other)
        for other in all_paths
    )


def visible_nav(app: Litestar | Any, roles: frozenset[Role], page_path: str) -> tuple[NavLink, ...]:
    """The links a person holding ``roles`` sees; duplicates (a chair who also coordinates) shown once."""
    served = served_paths(app)
    items = [item for item in NAV if item.path in served and roles & item.roles]
    seen: set[str] = set()
    links = []
    paths = [item.path for item in items]
    for item in items:
        if item.path in seen:
            continue
        seen.add(item.path)
        links.append(NavLink(item.label, item.path, _is_current(item.path, page_path, paths)))
    return tuple(links)
