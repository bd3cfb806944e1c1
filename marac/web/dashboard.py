"""The home page: one panel per thing a role needs to look at today.

Panels are listed here in the order they appear.  Each names a *source*, ``"module:function"``, an async
function ``(PanelRequest) -> PanelContent``; while that module does not exist the panel shows its
placeholder, so a page adds its panel by providing the function, without touching this file.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Controller, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.access.models import Role
from marac.clock import Clock
from marac.runtime import Runtime
from marac.web.nav import CHAIRS, COORDINATORS, REFERRERS, REPRESENTATIVES
from marac.web.shell import PageContext, render


@dataclass(frozen=True)
class PanelRequest:
    """What a panel source gets: the request's transaction, clock, actor and current area, and the
    runtime (for its settings and keys: never the process-wide defaults)."""

    db: AsyncSession
    clock: Clock
    actor: Actor
    area_id: uuid.UUID
    runtime: Runtime


@dataclass(frozen=True)
class PanelRow:
    label: str
    href: str | None = None
    note: str = ""


@dataclass(frozen=True)
class PanelContent:
    """A headline ("3 referrals to decide"), a few rows and a link to the full page."""

    headline: str
    rows: Sequence[PanelRow] = ()
    more_label: str = ""
    more_href: str | None = None


PanelSource = Callable[[PanelRequest], Awaitable[PanelContent]]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    roles: frozenset[Role]
    source: str
    placeholder: str = "Not in use yet."


@dataclass(frozen=True)
class ShownPanel:
    key: str
    title: str
    content: PanelContent | None
    placeholder: str


PANELS: list[Panel] = [
    # Coordinator
    Panel("referrals-to-decide", "Referrals to decide", COORDINATORS, "marac.web.referrals:decide_panel"),
    Panel("next-conference", "Next conference", COORDINATORS, "marac.web.conferences:next_conference_panel"),
    Panel("research-missing", "Research responses missing", COORDINATORS, "marac.web.agenda:research_panel"),
    Panel("undelivered-email", "Undelivered emails", COORDINATORS, "marac.web.outbox:undelivered_panel"),
    Panel("agencies", "Agencies and users", COORDINATORS, "marac.web.agencies:agencies_panel"),
    # Referrer
    Panel("my-referrals", "My referrals", REFERRERS, "marac.web.referrals:my_referrals_panel"),
    # Agency representative
    Panel("my-conferences", "My conferences", REPRESENTATIVES, "marac.web.conferences:my_conferences_panel"),
    Panel("cases-to-research", "Cases to research", REPRESENTATIVES, "marac.web.agenda:to_research_panel"),
    Panel("our-actions", "Our open actions", REPRESENTATIVES, "marac.web.actions:our_actions_panel"),
    # Chair
    Panel("agenda-review", "Agenda to review", CHAIRS, "marac.web.agenda:agenda_review_panel"),
    Panel("overdue-actions", "Overdue and escalated actions", CHAIRS, "marac.web.actions:overdue_panel"),
]


def resolve_source(source: str) -> PanelSource | None:
    """The panel function, or ``None`` while its module is not part of the service yet."""
    module_name, _, function_name = source.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None
    found: PanelSource | None = getattr(module, function_name, None)
    return found


async def shown_panels(request: PanelRequest, roles: frozenset[Role]) -> list[ShownPanel]:
    shown = []
    for panel in PANELS:
        if not roles & panel.roles:
            continue
        source = resolve_source(panel.source)
        content = await source(request) if source is not None else None
        shown.append(ShownPanel(panel.key, panel.title, content, panel.placeholder))
    return shown


class DashboardPage(Controller):
    @get("/", name="dashboard")
    async def dashboard(
        self, page: PageContext, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime
    ) -> Template:
        panels: list[ShownPanel] = []
        if page.area is not None:
            request = PanelRequest(db, clock, actor, page.area.id, runtime)
            panels = await shown_panels(request, page.roles)
        return render(page, "dashboard.html", panels=panels, role_names=_role_names(page.roles))


def _role_names(roles: frozenset[Role]) -> list[str]:
    labels = {
        Role.ADMIN: "administrator",
        Role.COORDINATOR: "coordinator",
        Role.CHAIR: "chair",
        Role.REPRESENTATIVE: "agency representative",
        Role.REFERRER: "referrer",
    }
    return [labels[role] for role in Role if role in roles]


ROUTE_HANDLERS: list[Any] = [DashboardPage]
