"""Actions agreed at conferences: the coordinator's list and each action's page, where it is given a
new deadline or owner or reported on; and the dashboard panels about actions.

Representatives report on their agency's actions at ``/actions/agency`` (:mod:`marac.web.actions_agency`);
the chair follows completion at ``/actions/by-agency`` (:mod:`marac.web.actions_chart`).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.actions import schemas, services
from marac.actions.dashboard import escalated_action_ids
from marac.actions.models import ActionStatus
from marac.actions.views import list_actions, local_today
from marac.clock import Clock
from marac.runtime import Runtime
from marac.web.actions_agency import AgencyActionPages
from marac.web.actions_chart import ActionChartPage
from marac.web.actions_detail import ActionPage, action_page
from marac.web.actions_shared import (
    HINTS,
    OVERSEERS,
    REPORT_CHOICES,
    STATUS_LABELS,
    action_rows,
    changed_elsewhere,
    owner_options,
)
from marac.web.dashboard import PanelContent, PanelRequest, PanelRow
from marac.web.forms import FormInput, FormState, keep_form
from marac.web.nav import COORDINATORS
from marac.web.shell import PageContext, redirect, render

DETAIL = "actions/detail.html"
STATUS_FILTERS = [(status.value, label) for status, label in STATUS_LABELS.items()]
PANEL_ROWS = 5


def _status_filter(value: str) -> ActionStatus | None:
    return ActionStatus(value) if value in ActionStatus._value2member_map_ else None


def _uuid_filter(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


class ActionPages(Controller):
    path = "/actions"

    @get("/", name="actions", opt={"roles": COORDINATORS})
    async def list_actions(
        self,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        status: str = "open",
        agency: str = "",
        overdue: str = "",
    ) -> Template:
        """Filters are plain query values (a status, an agency id, a flag): nothing identifying."""
        chosen_status, chosen_agency = _status_filter(status), _uuid_filter(agency)
        found = await list_actions(
            db,
            clock,
            actor,
            runtime.protector,
            page.area_id,
            agency_id=chosen_agency,
            status=chosen_status,
            overdue=bool(overdue),
        )
        return render(
            page,
            "actions/list.html",
            actions=await action_rows(db, found),
            owners=await owner_options(db, page.area_id),
            statuses=STATUS_FILTERS,
            filters=FormState(
                {
                    "status": chosen_status.value if chosen_status else "",
                    "agency": str(chosen_agency or ""),
                    "overdue": "on" if overdue else "",
                }
            ),
        )

    @get("/{action_id:uuid}", opt={"roles": OVERSEERS})
    async def show(
        self,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        action_id: uuid.UUID,
    ) -> Template:
        shown = await action_page(db, clock, actor, runtime, page.area_id, action_id)
        return render(page, DETAIL, **await _detail_context(db, page, clock, shown))

    @post("/{action_id:uuid}/change", opt={"roles": OVERSEERS})
    async def change(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        action_id: uuid.UUID,
    ) -> Redirect:
        """A new deadline or wording (reminders are planned afresh for a new deadline)."""
        submitted = await FormInput.read(request)
        shown = await action_page(db, clock, actor, runtime, page.area_id, action_id)
        context = await _detail_context(db, page, clock, shown)
        keep_form(
            request, page, DETAIL, submitted, form_name="change_form", **_without(context, "change_form")
        )
        data = submitted.parse(schemas.ActionUpdate, hints=HINTS)
        if data.description == shown.action.description:
            data = schemas.ActionUpdate(version=data.version, deadline=data.deadline)
        with changed_elsewhere("this action"):
            await services.update_action(db, clock, actor, runtime.protector, action_id, data)
        return redirect(runtime, f"/actions/{action_id}", flash=f"Action {shown.action.reference} saved.")

    @post("/{action_id:uuid}/reassign", opt={"roles": OVERSEERS})
    async def reassign(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        action_id: uuid.UUID,
    ) -> Redirect:
        submitted = await FormInput.read(request)
        shown = await action_page(db, clock, actor, runtime, page.area_id, action_id)
        context = await _detail_context(db, page, clock, shown)
        keep_form(request, page, DETAIL, submitted, form_name="owner_form", **_without(context, "owner_form"))
        data = submitted.parse(schemas.ActionReassign, hints=HINTS)
        with changed_elsewhere("this action"):
            await services.reassign_action(db, clock, actor, action_id, data)
        return redirect(
            runtime, f"/actions/{action_id}", flash=f"Action {shown.action.reference} handed over."
        )

    @post("/{action_id:uuid}/status", opt={"roles": OVERSEERS})
    async def report(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        action_id: uuid.UUID,
    ) -> Redirect:
        submitted = await FormInput.read(request)
        shown = await action_page(db, clock, actor, runtime, page.area_id, action_id)
        context = await _detail_context(db, page, clock, shown)
        keep_form(
            request, page, DETAIL, submitted, form_name="status_form", **_without(context, "status_form")
        )
        data = submitted.parse(schemas.StatusReportCreate, hints=HINTS)
        with changed_elsewhere("this action"):
            await services.report_status(db, clock, actor, runtime.protector, action_id, data)
        return redirect(
            runtime, f"/actions/{action_id}", flash=f"Status of {shown.action.reference} recorded."
        )


async def _detail_context(
    db: AsyncSession, page: PageContext, clock: Clock, shown: ActionPage
) -> dict[str, Any]:
    today = local_today(page.timezone, clock.now())
    return {
        "shown": shown,
        "owners": await owner_options(db, page.area_id),
        "report_choices": REPORT_CHOICES,
        "change_form": shown.change_form(),
        "owner_form": shown.owner_form(),
        "status_form": shown.status_form(today),
    }


def _without(context: dict[str, Any], name: str) -> dict[str, Any]:
    """The page's context less the form being posted (the error handler puts that one back)."""
    return {key: value for key, value in context.items() if key != name}


# --- dashboard panels -----------------------------------------------------------------------------------


async def our_actions_panel(request: PanelRequest) -> PanelContent:
    """Representative: their agency's open actions, the nearest deadline first."""
    if request.actor.agency_id is None:
        return PanelContent(headline="You are not linked to an agency, so no actions are yours to report on.")
    found = await _panel_actions(request, status=ActionStatus.OPEN)
    overdue = sum(1 for action in found if action.overdue)
    headline = f"{len(found)} open action{'s' if len(found) != 1 else ''}"
    if overdue:
        headline += f", {overdue} overdue"
    rows = [
        PanelRow(
            f"{action.reference} (case {action.case_reference})",
            f"/actions/agency#action-{action.id}",
            f"{action.days_overdue} days overdue" if action.overdue else f"due {action.deadline:%d %b %Y}",
        )
        for action in found[:PANEL_ROWS]
    ]
    return PanelContent(
        headline=headline, rows=rows, more_label="Report on our actions", more_href="/actions/agency"
    )


async def overdue_panel(request: PanelRequest) -> PanelContent:
    """Chair: open actions past their deadline, the escalated ones first."""
    found = await _panel_actions(request, overdue=True)
    escalated = await escalated_action_ids(request.db, request.area_id)
    found.sort(key=lambda action: (action.id not in escalated, action.deadline))
    count = sum(1 for action in found if action.id in escalated)
    headline = f"{len(found)} overdue action{'s' if len(found) != 1 else ''}, {count} escalated"
    rows = [
        PanelRow(
            f"{action.reference} (case {action.case_reference}, {action.owner_agency_name})",
            f"/actions/{action.id}",
            ("escalated, " if action.id in escalated else "") + f"{action.days_overdue} days overdue",
        )
        for action in found[:PANEL_ROWS]
    ]
    return PanelContent(
        headline=headline, rows=rows, more_label="Actions by agency", more_href="/actions/by-agency"
    )


async def _panel_actions(
    request: PanelRequest, *, status: ActionStatus | None = None, overdue: bool = False
) -> list[schemas.Action]:
    protector = request.runtime.protector
    return await list_actions(
        request.db, request.clock, request.actor, protector, request.area_id, status=status, overdue=overdue
    )


ROUTE_HANDLERS = [ActionPages, AgencyActionPages, ActionChartPage]
