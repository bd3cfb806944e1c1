"""JSON API for actions: agree at a meeting, list, read, change, report, hand over, cancel; the chair's view.

Thin: parse → one service call → schema out.  Filters are ids and flags, never anything identifying.
"""

from __future__ import annotations

import uuid

from litestar import Controller, get, patch, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.actions import schemas, services, views
from marac.actions.dashboard import action_dashboard
from marac.actions.models import ActionStatus
from marac.clock import Clock
from marac.runtime import Runtime


class ActionController(Controller):
    path = "/"
    tags = ["actions"]

    @post(
        "/conferences/{conference_id:uuid}/actions",
        operation_id="createAction",
        status_code=HTTP_201_CREATED,
    )
    async def create(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        data: schemas.ActionCreate,
    ) -> schemas.Action:
        """Agree an action at a conference (chair or coordinator); reminders are planned at once."""
        protector = runtime.protector
        action = await services.create_action(db, clock, actor, protector, conference_id, data)
        return await views.action_view(db, protector, action, clock.now())

    @get("/areas/{area_id:uuid}/actions", operation_id="listActions")
    async def list_actions(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        area_id: uuid.UUID,
        case_id: uuid.UUID | None = None,
        conference_id: uuid.UUID | None = None,
        agency_id: uuid.UUID | None = None,
        status: ActionStatus | None = None,
        overdue: bool = False,
        limit: int = Parameter(default=200, ge=1, le=views.MAX_PAGE),
        offset: int = Parameter(default=0, ge=0),
    ) -> list[schemas.Action]:
        """Actions the caller may see, by deadline: every one of the area for chairs and coordinators,
        their agency's for everyone else."""
        return await views.list_actions(
            db,
            clock,
            actor,
            runtime.protector,
            area_id,
            case_id=case_id,
            conference_id=conference_id,
            agency_id=agency_id,
            status=status,
            overdue=overdue,
            limit=limit,
            offset=offset,
        )

    @get("/areas/{area_id:uuid}/actions/dashboard", operation_id="getActionDashboard")
    async def dashboard(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        area_id: uuid.UUID,
        months: int = Parameter(default=12, ge=1, le=36),
    ) -> schemas.ActionDashboard:
        """The chair's view: completion by agency and conference, overdue actions, lateness, trend."""
        return await action_dashboard(db, clock, actor, area_id, months=months)

    @get("/actions/{action_id:uuid}", operation_id="getAction")
    async def get_action(
        self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, action_id: uuid.UUID
    ) -> schemas.ActionDetail:
        """An action with its status reports, owners over time and reminders."""
        return await views.get_action(db, clock, actor, runtime.protector, action_id)

    @patch("/actions/{action_id:uuid}", operation_id="updateAction")
    async def update(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        action_id: uuid.UUID,
        data: schemas.ActionUpdate,
    ) -> schemas.Action:
        """Change the wording or the deadline (chair or coordinator)."""
        protector = runtime.protector
        action = await services.update_action(db, clock, actor, protector, action_id, data)
        return await views.action_view(db, protector, action, clock.now())

    @post(
        "/actions/{action_id:uuid}/status-reports",
        operation_id="reportActionStatus",
        status_code=HTTP_201_CREATED,
    )
    async def report(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        action_id: uuid.UUID,
        data: schemas.StatusReportCreate,
    ) -> schemas.Action:
        """A dated status report; completed, not possible or not done closes the action."""
        protector = runtime.protector
        action = await services.report_status(db, clock, actor, protector, action_id, data)
        return await views.action_view(db, protector, action, clock.now())

    @post("/actions/{action_id:uuid}/reassign", operation_id="reassignAction", status_code=HTTP_200_OK)
    async def reassign(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        action_id: uuid.UUID,
        data: schemas.ActionReassign,
    ) -> schemas.Action:
        """Hand the action to another agency or person; later reminders go to the new owner."""
        action = await services.reassign_action(db, clock, actor, action_id, data)
        return await views.action_view(db, runtime.protector, action, clock.now())

    @post("/actions/{action_id:uuid}/cancel", operation_id="cancelAction", status_code=HTTP_200_OK)
    async def cancel(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        action_id: uuid.UUID,
        data: schemas.ActionCancel,
    ) -> schemas.Action:
        """Cancel an action no longer wanted (chair or coordinator); its reminders stop."""
        protector = runtime.protector
        action = await services.cancel_action(db, clock, actor, protector, action_id, data)
        return await views.action_view(db, protector, action, clock.now())


ROUTE_HANDLERS = [ActionController]
