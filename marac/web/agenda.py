"""The agenda of a conference, for its coordinators (reorder, move, defer, publish) and its chair (review).

Every change goes through :mod:`marac.agenda.agenda_items` and :mod:`marac.agenda.publication`: a
change to a published agenda makes its next version there, not here.  Moving a case up or down pins it
at its new place in its section (the coordinator's choice then survives later re-ordering).  With
HTMX the buttons swap the agenda in place and keep keyboard focus on the button pressed; without it
they post and come back to the page.

The representatives' case list is in :mod:`marac.web.agenda_cases`, documents in :mod:`marac.web.packs`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.params import QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.agenda import agenda_items, publication, schemas
from marac.agenda.pdf import pdf_available
from marac.agenda.visibility import get_conference
from marac.clock import Clock
from marac.errors import Conflict, InvalidInput, NotFound, StaleVersion
from marac.runtime import Runtime
from marac.web.agenda_cases import CaseListPages
from marac.web.agenda_panels import agenda_review_panel, research_panel, to_research_panel
from marac.web.agenda_views import AgendaBoard, AgendaLine, agenda_board, cipher_for, next_open_conference
from marac.web.forms import FormInput, FormState, keep_form
from marac.web.nav import CHAIRS, COORDINATORS
from marac.web.packs import conference_packs
from marac.web.shell import PageContext, redirect, render

__all__ = ["ROUTE_HANDLERS", "agenda_review_panel", "research_panel", "to_research_panel"]

BOARD = "agenda/_board.html"
PAGE = "agenda/conference.html"
HINTS = {"conference_id": "Choose the conference to move the case to"}
CHANGED_ELSEWHERE = (
    "Someone else changed this agenda since you opened it. The agenda below is up to date: try again."
)


def _local_day(at: datetime, timezone: str) -> str:
    local = at.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%B %Y}"


async def _documents(db: AsyncSession, actor: Actor, conference_id: uuid.UUID) -> dict[str, Any]:
    """What the page's documents section lists: the packs issued, and whether PDF copies can be made."""
    return {"packs": await conference_packs(db, actor, conference_id), "pdf": pdf_available()}


def _find(board: AgendaBoard, item_id: uuid.UUID) -> tuple[AgendaLine, tuple[AgendaLine, ...]]:
    for section in board.sections:
        for line in section.lines:
            if line.item_id == item_id:
                return line, section.lines
    raise NotFound("agenda item", item_id)


class AgendaPages(Controller):
    """``/conferences/{id}/agenda``: the coordinator's agenda of one conference."""

    path = "/conferences/{conference_id:uuid}/agenda"
    opt = {"roles": COORDINATORS}

    async def _board(
        self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, conference_id: uuid.UUID
    ) -> AgendaBoard:
        return await agenda_board(
            db, clock, actor, conference_id, manage=True, cipher=cipher_for(runtime.settings)
        )

    async def _prepare(
        self,
        request: HTMXRequest,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        item_id: uuid.UUID | None = None,
    ) -> tuple[FormInput, AgendaBoard]:
        """Read the form, and remember the agenda as it is to show again with any error."""
        submitted = await FormInput.read(request)
        board = await self._board(db, clock, actor, runtime, conference_id)
        extra = {} if request.htmx else await _documents(db, actor, conference_id)
        template = BOARD if request.htmx else PAGE
        keep_form(request, page, template, submitted, board=board, failed_item=item_id, notice="", **extra)
        return submitted, board

    async def _answer(
        self,
        request: HTMXRequest,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        notice: str,
        anchor: str = "",
    ) -> Response[Any]:
        if request.htmx:
            board = await self._board(db, clock, actor, runtime, conference_id)
            return render(page, BOARD, board=board, form=FormState(), failed_item=None, notice=notice)
        return redirect(runtime, f"/conferences/{conference_id}/agenda{anchor}", flash=notice)

    @get("/", name="conference-agenda")
    async def show(
        self,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
    ) -> Template:
        board = await self._board(db, clock, actor, runtime, conference_id)
        documents = await _documents(db, actor, conference_id)
        return render(page, PAGE, board=board, form=FormState(), failed_item=None, notice="", **documents)

    @post("/items/{item_id:uuid}/up")
    async def move_up(
        self,
        request: HTMXRequest,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        item_id: uuid.UUID,
    ) -> Response[Any]:
        return await self._reorder(request, page, db, clock, actor, runtime, conference_id, item_id, -1)

    @post("/items/{item_id:uuid}/down")
    async def move_down(
        self,
        request: HTMXRequest,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        item_id: uuid.UUID,
    ) -> Response[Any]:
        return await self._reorder(request, page, db, clock, actor, runtime, conference_id, item_id, +1)

    async def _reorder(
        self,
        request: HTMXRequest,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        item_id: uuid.UUID,
        step: int,
    ) -> Response[Any]:
        submitted, board = await self._prepare(
            request, page, db, clock, actor, runtime, conference_id, item_id
        )
        data = submitted.parse(schemas.AgendaItemDefer)
        line, lines = _find(board, item_id)
        place = line.place + step
        if not 1 <= place <= len(lines):
            raise Conflict(
                f"{line.case_reference} is already {'first' if step < 0 else 'last'} in its section"
            )
        neighbour = lines[place - 1]
        try:
            if neighbour.pinned:
                # A pin is kept where the case landed, so the neighbour is re-pinned first at the place
                # this case leaves; otherwise the two pins would claim one place.
                await agenda_items.move_item(
                    db,
                    clock,
                    actor,
                    neighbour.item_id,
                    schemas.AgendaItemMove(version=neighbour.version, position=line.place),
                )
            await agenda_items.move_item(
                db, clock, actor, item_id, schemas.AgendaItemMove(version=data.version, position=place)
            )
        except StaleVersion as exc:
            raise Conflict(CHANGED_ELSEWHERE) from exc
        where = "up" if step < 0 else "down"
        notice = f"{line.case_reference} moved {where} to place {place} in its section."
        return await self._answer(request, page, db, clock, actor, runtime, conference_id, notice)

    @post("/items/{item_id:uuid}/defer")
    async def defer(
        self,
        request: HTMXRequest,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        item_id: uuid.UUID,
    ) -> Response[Any]:
        submitted, board = await self._prepare(
            request, page, db, clock, actor, runtime, conference_id, item_id
        )
        data = submitted.parse(schemas.AgendaItemDefer)
        line, _ = _find(board, item_id)
        try:
            await agenda_items.defer_item(db, clock, actor, item_id, data)
        except StaleVersion as exc:
            raise Conflict(CHANGED_ELSEWHERE) from exc
        notice = f"{line.case_reference} deferred to the next conference."
        return await self._answer(request, page, db, clock, actor, runtime, conference_id, notice)

    @post("/items/{item_id:uuid}/move")
    async def move(
        self,
        request: HTMXRequest,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        item_id: uuid.UUID,
    ) -> Response[Any]:
        submitted, board = await self._prepare(
            request, page, db, clock, actor, runtime, conference_id, item_id
        )
        data = submitted.parse(schemas.AgendaItemMove, hints=HINTS)
        line, _ = _find(board, item_id)
        if data.conference_id is None:
            raise InvalidInput.for_field("conference_id", HINTS["conference_id"])
        try:
            await agenda_items.move_item(db, clock, actor, item_id, data)
        except StaleVersion as exc:
            raise Conflict(CHANGED_ELSEWHERE) from exc
        target = next((t for t in board.targets if t.id == data.conference_id), None)
        when = f" on {_local_day(target.starts_at, page.timezone)}" if target else ""
        notice = f"{line.case_reference} moved to the conference{when}."
        return await self._answer(request, page, db, clock, actor, runtime, conference_id, notice)

    @post("/publish")
    async def publish(
        self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, conference_id: uuid.UUID
    ) -> Response[Any]:
        # A refusal (the meeting has been held, say) is shown as a page of its own: nothing to re-type.
        published_before = (await get_conference(db, actor, conference_id)).agenda_version
        version = await publication.publish_now(db, clock, actor, conference_id)
        if version.number == published_before:
            notice = f"Nothing has changed since version {version.number}: it stays the published agenda."
        else:
            notice = f"Agenda published: version {version.number}."
        return redirect(runtime, f"/conferences/{conference_id}/agenda", flash=notice)


class AgendaReviewPage(Controller):
    """``/agenda/review``: the chair reads the next conference's agenda and how research stands."""

    path = "/agenda/review"
    opt = {"roles": CHAIRS}

    @get("/", name="agenda-review")
    async def review(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        chosen: Annotated[uuid.UUID | None, QueryParameter(name="conference")] = None,
    ) -> Template:
        conference_id = chosen
        if conference_id is None:
            upcoming = await next_open_conference(db, clock, actor, page.area_id)
            conference_id = upcoming.id if upcoming else None
        board = None
        if conference_id is not None:
            board = await agenda_board(db, clock, actor, conference_id, cipher=cipher_for(runtime.settings))
        return render(page, "agenda/review.html", board=board)


ROUTE_HANDLERS: list[Any] = [AgendaPages, AgendaReviewPage, CaseListPages]
