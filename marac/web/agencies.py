"""Agencies of the current area, for its coordinators: list, add, edit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access import schemas, services
from marac.access.guards import Actor
from marac.access.models import Agency, AgencyKind, Membership, User
from marac.clock import Clock
from marac.runtime import Runtime
from marac.web.dashboard import PanelContent, PanelRequest, PanelRow
from marac.web.forms import FormInput, FormState, keep_form
from marac.web.nav import COORDINATORS
from marac.web.shell import PageContext, redirect, render

KIND_LABELS = {
    AgencyKind.POLICE: "Police",
    AgencyKind.CHILDRENS_SOCIAL_CARE: "Children's social care",
    AgencyKind.ADULT_SOCIAL_CARE: "Adult social care",
    AgencyKind.HEALTH_ACUTE: "Health: hospital",
    AgencyKind.HEALTH_PRIMARY: "Health: GP and community",
    AgencyKind.MENTAL_HEALTH: "Mental health",
    AgencyKind.HOUSING: "Housing",
    AgencyKind.PROBATION: "Probation",
    AgencyKind.IDVA: "IDVA service",
    AgencyKind.EDUCATION: "Education",
    AgencyKind.SUBSTANCE_MISUSE: "Substance misuse",
    AgencyKind.SPECIALIST: "Specialist domestic abuse service",
    AgencyKind.OTHER: "Other",
}
KIND_CHOICES = [(kind.value, label) for kind, label in KIND_LABELS.items()]
HINTS = {
    "contact_email": "Enter an email address, like marac@agency.example.org",
    "kind": "Choose the kind of agency",
}


@dataclass(frozen=True)
class AgencyRow:
    id: uuid.UUID
    name: str
    kind_label: str
    contact_email: str
    active: bool
    version: int

    @classmethod
    def of(cls, agency: Agency) -> AgencyRow:
        return cls(
            agency.id,
            agency.name,
            KIND_LABELS.get(agency.kind, str(agency.kind)),
            agency.contact_email or "",
            agency.active,
            agency.version,
        )


def agency_values(agency: Agency) -> dict[str, str | list[str]]:
    values: dict[str, str | list[str]] = {
        "name": agency.name,
        "kind": agency.kind.value,
        "contact_email": agency.contact_email or "",
        "version": str(agency.version),
    }
    if agency.active:
        values["active"] = "on"
    return values


async def agency_rows(db: AsyncSession, actor: Actor, area_id: uuid.UUID) -> list[AgencyRow]:
    return [AgencyRow.of(agency) for agency in await services.list_agencies(db, actor, area_id)]


class AgencyPages(Controller):
    path = "/agencies"
    opt = {"roles": COORDINATORS}

    @get("/", name="agencies")
    async def list_agencies(self, page: PageContext, db: AsyncSession, actor: Actor) -> Template:
        rows = await agency_rows(db, actor, page.area_id)
        return render(page, "agencies/list.html", agencies=rows, kinds=KIND_CHOICES, form=FormState())

    @post("/")
    async def add_agency(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
    ) -> Redirect:
        submitted = await FormInput.read(request)
        rows = await agency_rows(db, actor, page.area_id)
        keep_form(request, page, "agencies/list.html", submitted, agencies=rows, kinds=KIND_CHOICES)
        data = submitted.parse(schemas.AgencyCreate, hints=HINTS)
        agency = await services.create_agency(db, clock, actor, page.area_id, data)
        return redirect(runtime, "/agencies", flash=f"{agency.name} added.")

    @get("/{agency_id:uuid}/edit")
    async def edit_agency(
        self, page: PageContext, db: AsyncSession, actor: Actor, agency_id: uuid.UUID
    ) -> Template:
        agency = await services.get_agency(db, actor, agency_id)
        return render(
            page,
            "agencies/edit.html",
            agency=AgencyRow.of(agency),
            kinds=KIND_CHOICES,
            form=FormState(agency_values(agency)),
        )

    @post("/{agency_id:uuid}")
    async def update_agency(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        agency_id: uuid.UUID,
    ) -> Redirect:
        submitted = await FormInput.read(request)
        agency = AgencyRow.of(await services.get_agency(db, actor, agency_id))
        keep_form(request, page, "agencies/edit.html", submitted, agency=agency, kinds=KIND_CHOICES)
        data = submitted.parse(schemas.AgencyUpdate, hints=HINTS)
        updated = await services.update_agency(db, clock, actor, agency_id, data)
        return redirect(runtime, "/agencies", flash=f"{updated.name} saved.")


async def agencies_panel(request: PanelRequest) -> PanelContent:
    """Dashboard: how many agencies and people the area has."""
    agencies = await request.db.scalar(
        select(func.count())
        .select_from(Agency)
        .where(Agency.area_id == request.area_id, Agency.active.is_(True))
    )
    people = await request.db.scalar(
        select(func.count(func.distinct(Membership.user_id)))
        .join(User, User.id == Membership.user_id)
        .where(Membership.area_id == request.area_id, User.active.is_(True))
    )
    return PanelContent(
        headline=f"{agencies or 0} active agencies, {people or 0} active users",
        rows=[PanelRow("Manage agencies", "/agencies"), PanelRow("Manage users", "/users")],
    )


ROUTE_HANDLERS = [AgencyPages]
