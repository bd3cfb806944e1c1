"""``/cases``: an agency representative's case list for their upcoming conferences, with research buttons.

Only published agendas are shown, as the agenda service gives them to this person (cases they must
not receive are left out, the view is audited).  Per case the representative records what their
agency found — nothing held, information held, shared — and may add a short note the agency chooses
to share; the research itself stays inside the agency.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Response, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.agenda import research, schemas
from marac.agenda.models import ResearchState
from marac.clock import Clock
from marac.errors import Conflict, NotFound, PermissionDenied, StaleVersion
from marac.runtime import Runtime
from marac.web.agenda_views import (
    RESEARCH_ANSWERS,
    RESEARCH_LABELS,
    AgendaLine,
    ConferenceHead,
    ResearchMark,
    agenda_board,
    cipher_for,
    upcoming_conferences,
)
from marac.web.forms import FormInput, FormState, keep_form
from marac.web.nav import REPRESENTATIVES
from marac.web.shell import PageContext, redirect, render

ROW = "agenda/_case_row.html"
PAGE = "agenda/cases.html"
ANSWERS = [(state.value, RESEARCH_LABELS[state]) for state in RESEARCH_ANSWERS]
HINTS = {"status": "Choose what your agency found", "note": "Keep the note to 500 characters"}


@dataclass(frozen=True)
class CaseRow:
    conference_id: uuid.UUID
    line: AgendaLine
    mine: ResearchMark | None  # None: notification only, not researched

    @property
    def status_label(self) -> str:
        return self.mine.label if self.mine else "Not researched (notification only)"


@dataclass(frozen=True)
class CaseSection:
    title: str
    rows: tuple[CaseRow, ...]


@dataclass(frozen=True)
class CaseList:
    conference: ConferenceHead
    sections: tuple[CaseSection, ...]

    @property
    def rows(self) -> list[CaseRow]:
        return [row for section in self.sections for row in section.rows]

    @property
    def outstanding(self) -> int:
        return sum(_open(row) for row in self.rows)


async def case_lists(
    db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, area_id: uuid.UUID
) -> list[CaseList]:
    """The published case list of each upcoming conference my agency attends, with my agency's research."""
    cipher = cipher_for(runtime.settings)
    lists = []
    for conference in await upcoming_conferences(db, clock, actor, area_id, published_only=True):
        board = await agenda_board(db, clock, actor, conference.id, draft=False, cipher=cipher)
        sections = tuple(
            CaseSection(
                section.title,
                tuple(
                    CaseRow(
                        conference.id,
                        line,
                        next((m for m in line.research if m.agency_id == actor.agency_id), None),
                    )
                    for line in section.lines
                ),
            )
            for section in board.case_sections
        )
        lists.append(CaseList(board.conference, sections))
    return lists


def _row(lists: list[CaseList], item_id: uuid.UUID) -> tuple[CaseRow, CaseList]:
    for case_list in lists:
        for row in case_list.rows:
            if row.line.item_id == item_id:
                return row, case_list
    raise NotFound("agenda item", item_id)


def _open(row: CaseRow) -> int:
    return 1 if row.mine and row.mine.status == ResearchState.NOT_STARTED else 0


class CaseListPages(Controller):
    path = "/cases"
    opt = {"roles": REPRESENTATIVES}

    @get("/", name="case-list")
    async def case_list(
        self, page: PageContext, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime
    ) -> Template:
        lists = await case_lists(db, clock, actor, runtime, page.area_id) if actor.agency_id else []
        return render(
            page,
            PAGE,
            lists=lists,
            answers=ANSWERS,
            form=FormState(),
            failed_item=None,
            no_agency=not actor.agency_id,
        )

    @post("/{item_id:uuid}/research")
    async def record(
        self,
        request: HTMXRequest,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        item_id: uuid.UUID,
    ) -> Response[Any]:
        if actor.agency_id is None:
            raise PermissionDenied("Only a representative of an agency may record its research")
        submitted = await FormInput.read(request)
        lists = await case_lists(db, clock, actor, runtime, page.area_id)
        row, case_list = _row(lists, item_id)
        if request.htmx:
            keep_form(request, page, ROW, submitted, row=row, answers=ANSWERS, failed_item=item_id, notice="")
        else:
            keep_form(
                request,
                page,
                PAGE,
                submitted,
                lists=lists,
                answers=ANSWERS,
                failed_item=item_id,
                no_agency=False,
            )
        data = submitted.parse(schemas.ResearchUpdate, hints=HINTS)
        try:
            cell = await research.record_research(
                db, clock, actor, item_id, actor.agency_id, data, cipher_for(runtime.settings)
            )
        except StaleVersion as exc:
            raise Conflict(
                "Someone else in your agency recorded research on this case since you opened the page. "
                "Reload to see it, then try again."
            ) from exc
        notice = f"{row.line.case_reference}: {RESEARCH_LABELS[cell.status].lower()}, saved."
        if request.htmx:
            updated = CaseRow(row.conference_id, row.line, ResearchMark.of(cell))
            # The count at the top of the conference's list changes with this row (swapped out of band).
            outstanding = case_list.outstanding - _open(row) + _open(updated)
            return render(
                page,
                ROW,
                row=updated,
                answers=ANSWERS,
                form=FormState(),
                failed_item=None,
                notice=notice,
                outstanding=outstanding,
            )
        return redirect(runtime, f"/cases#case-{item_id}", flash=notice)
