"""People of the current area, for its coordinators: list, add, edit details, set roles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access import schemas, services
from marac.access.guards import Actor
from marac.access.middleware import forget_credentials
from marac.access.models import Role, User
from marac.clock import Clock
from marac.runtime import Runtime
from marac.web.agencies import agency_rows
from marac.web.forms import FormInput, FormState, keep_form
from marac.web.nav import COORDINATORS
from marac.web.shell import PageContext, redirect, render

ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.COORDINATOR: "Coordinator",
    Role.CHAIR: "Chair",
    Role.REPRESENTATIVE: "Agency representative",
    Role.REFERRER: "Referrer",
}
HINTS = {
    "email": "Enter an email address, like name@agency.example.org",
    "agency_id": "Choose one of the area's agencies",
    "roles": "Choose from the roles listed",
}


@dataclass(frozen=True)
class UserRow:
    id: uuid.UUID
    name: str
    email: str
    agency_name: str
    roles: tuple[str, ...]
    active: bool
    version: int


def role_choices(page: PageContext) -> list[tuple[str, str]]:
    """Roles this coordinator may grant: the admin role only by an administrator."""
    return [
        (role.value, label)
        for role, label in ROLE_LABELS.items()
        if role is not Role.ADMIN or page.has_role(Role.ADMIN)
    ]


def user_row(user: User, area_id: uuid.UUID, agency_names: dict[uuid.UUID, str]) -> UserRow:
    held = {m.role for m in user.memberships if m.area_id == area_id}
    return UserRow(
        id=user.id,
        name=user.name,
        email=user.email,
        agency_name=agency_names.get(user.agency_id, "") if user.agency_id else "",
        roles=tuple(ROLE_LABELS[role] for role in Role if role in held),
        active=user.active,
        version=user.version,
    )


def details_form(user: User) -> FormState:
    values: dict[str, str | list[str]] = {
        "name": user.name,
        "email": user.email,
        "agency_id": str(user.agency_id or ""),
        "version": str(user.version),
    }
    if user.active:
        values["active"] = "on"
    return FormState(values)


def roles_form(user: User, area_id: uuid.UUID) -> FormState:
    return FormState({"roles": [m.role.value for m in user.memberships if m.area_id == area_id]})


async def _listing(db: AsyncSession, actor: Actor, page: PageContext) -> dict[str, Any]:
    agencies = await agency_rows(db, actor, page.area_id)
    names = {agency.id: agency.name for agency in agencies}
    users = await services.list_users(db, actor, page.area_id)
    return {
        "users": [user_row(user, page.area_id, names) for user in users],
        "agency_choices": [(str(agency.id), agency.name) for agency in agencies if agency.active],
        "role_choices": role_choices(page),
    }


class UserPages(Controller):
    path = "/users"
    opt = {"roles": COORDINATORS}

    @get("/", name="users")
    async def list_users(self, page: PageContext, db: AsyncSession, actor: Actor) -> Template:
        return render(page, "users/list.html", form=FormState(), **await _listing(db, actor, page))

    @post("/")
    async def add_user(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
    ) -> Redirect:
        submitted = await FormInput.read(request, lists=["roles"])
        keep_form(request, page, "users/list.html", submitted, **await _listing(db, actor, page))
        data = submitted.parse(schemas.UserCreate, hints=HINTS)
        user = await services.create_user(db, clock, actor, page.area_id, data)
        return redirect(runtime, "/users", flash=f"{user.name} added.")

    async def _edit_context(
        self, db: AsyncSession, actor: Actor, page: PageContext, user: User
    ) -> dict[str, Any]:
        agencies = await agency_rows(db, actor, page.area_id)
        names = {agency.id: agency.name for agency in agencies}
        return {
            "user": user_row(user, page.area_id, names),
            "agency_choices": [(str(agency.id), agency.name) for agency in agencies],
            "role_choices": role_choices(page),
        }

    @get("/{user_id:uuid}/edit")
    async def edit_user(
        self, page: PageContext, db: AsyncSession, actor: Actor, user_id: uuid.UUID
    ) -> Template:
        user = await services.get_user(db, actor, user_id)
        return render(
            page,
            "users/edit.html",
            form=details_form(user),
            roles_form=roles_form(user, page.area_id),
            **await self._edit_context(db, actor, page, user),
        )

    @post("/{user_id:uuid}")
    async def update_user(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        user_id: uuid.UUID,
    ) -> Redirect:
        submitted = await FormInput.read(request)
        user = await services.get_user(db, actor, user_id)
        context = await self._edit_context(db, actor, page, user)
        keep_form(
            request, page, "users/edit.html", submitted, roles_form=roles_form(user, page.area_id), **context
        )
        data = submitted.parse(schemas.UserUpdate, hints=HINTS, blank_means_unchanged=["password"])
        updated = await services.update_user(db, clock, actor, user_id, data)
        forget_credentials(request)
        return redirect(runtime, "/users", flash=f"{updated.name} saved.")

    @post("/{user_id:uuid}/roles")
    async def set_roles(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        user_id: uuid.UUID,
    ) -> Redirect:
        submitted = await FormInput.read(request, lists=["roles"])
        user = await services.get_user(db, actor, user_id)
        context = await self._edit_context(db, actor, page, user)
        keep_form(
            request,
            page,
            "users/edit.html",
            submitted,
            form_name="roles_form",
            form=details_form(user),
            **context,
        )
        data = submitted.parse(schemas.RolesUpdate, hints=HINTS)
        updated = await services.set_roles(db, clock, actor, user_id, page.area_id, data.roles)
        forget_credentials(request)
        return redirect(runtime, "/users", flash=f"Roles of {updated.name} saved.")


ROUTE_HANDLERS = [UserPages]
