"""A representative's page of their agency's open actions, with a status report form on each.

Only actions the representative may see are listed, and a report on anyone else's is refused by the
actions service itself (it answers "not found": another agency's action does not exist for them).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Response, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.actions import schemas, services
from marac.actions.models import ActionStatus
from marac.actions.views import MAX_PAGE, action_view, list_actions, local_today
from marac.clock import Clock
from marac.errors import NotFound
from marac.runtime import Runtime
from marac.web.actions_shared import (
    HINTS,
    REPORT_CHOICES,
    ActionRow,
    action_rows,
    changed_elsewhere,
)
from marac.web.forms import FormInput, FormState, keep_form
from marac.web.nav import REPRESENTATIVES
from marac.web.shell import PageContext, redirect, render

PAGE = "actions/agency.html"
CARD = "actions/_report_card.html"


def report_form(action: ActionRow, today: str) -> FormState:
    return FormState({"status": "open", "reported_on": today, "version": str(action.version)})


async def _open_actions(
    db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, area_id: uuid.UUID
) -> list[ActionRow]:
    found = await list_actions(
        db, clock, actor, runtime.protector, area_id, status=ActionStatus.OPEN, limit=MAX_PAGE
    )
    return await action_rows(db, found)


class AgencyActionPages(Controller):
    path = "/actions/agency"
    opt = {"roles": REPRESENTATIVES}

    @get("/", name="agency-actions")
    async def show(
        self, page: PageContext, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime
    ) -> Template:
        actions = await _open_actions(db, clock, actor, runtime, page.area_id)
        return render(page, PAGE, **_context(page, clock, actions))

    @post("/{action_id:uuid}/report")
    async def report(
        self,
        request: HTMXRequest,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        action_id: uuid.UUID,
    ) -> Response[Any]:
        """A dated status report; completed, not possible or not done closes the action."""
        submitted = await FormInput.read(request)
        actions = await _open_actions(db, clock, actor, runtime, page.area_id)
        action = next((a for a in actions if a.id == action_id), None)
        context = _context(page, clock, actions)
        # An action not among theirs gets no form back: the service says why (not found, or closed).
        if action is not None and request.htmx:
            keep_form(request, page, CARD, submitted, action=action, reported=None, **context)
        elif action is not None:
            failed = {**_without_failed(context), "failed": str(action_id)}
            keep_form(request, page, PAGE, submitted, form_name="failed_form", **failed)
        data = submitted.parse(schemas.StatusReportCreate, hints=HINTS)
        protector = runtime.protector
        with changed_elsewhere("this action"):
            saved = await services.report_status(db, clock, actor, protector, action_id, data)
        if action is None:  # beyond the longest list a page shows: refuse rather than write unseen
            raise NotFound("action", action_id)
        [updated] = await action_rows(db, [await action_view(db, protector, saved, clock.now())])
        label = dict(REPORT_CHOICES)[data.status]
        if not request.htmx:
            return redirect(
                runtime, "/actions/agency", flash=f"{updated.reference}: reported {label.lower()}."
            )
        form = report_form(updated, context["today"])
        return render(page, CARD, action=updated, form=form, reported=label, **context)


def _context(page: PageContext, clock: Clock, actions: list[ActionRow]) -> dict[str, Any]:
    today = local_today(page.timezone, clock.now()).isoformat()
    return {
        "actions": actions,
        "forms": {str(action.id): report_form(action, today) for action in actions},
        "report_choices": REPORT_CHOICES,
        "today": today,
        "failed": "",
        "failed_form": None,
    }


def _without_failed(context: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in context.items() if key not in ("failed", "failed_form")}
