"""The meeting screen, for the chair and the coordinator who run a conference together.

Choose today's (or the next) published conference; record who came, then case by case the outcome
and minutes, and agree actions in a few keystrokes; finally close the meeting.  Each form posts on
its own and, with HTMX, replaces only its part of the page; without it the whole page comes back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from litestar import Controller, Response, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.actions import schemas as action_schemas
from marac.actions.services import create_action
from marac.actions.views import local_today
from marac.agenda import meeting
from marac.agenda import schemas as agenda_schemas
from marac.agenda.conferences import list_conferences
from marac.agenda.meeting_controllers import cipher_of
from marac.agenda.models import ConferenceStatus
from marac.clock import Clock
from marac.errors import Conflict, NotFound, StaleVersion
from marac.runtime import Runtime
from marac.web.actions_shared import HINTS, OVERSEERS, changed_elsewhere
from marac.web.forms import FormInput, FormState, keep_form
from marac.web.meeting_screen import (
    ATTENDANCE_CHOICES,
    OUTCOME_CHOICES,
    STATUS_LABELS,
    AttendanceRow,
    CaseRow,
    MeetingScreen,
    conference_actions,
    meeting_screen,
)
from marac.web.shell import PageContext, redirect, render

SCREEN = "meeting/screen.html"
MEETING_HINTS = {
    **HINTS,
    "status": "Choose present, apologies or deputy",
    "outcome": "Choose heard, deferred or withdrawn",
}
STALE_RECORD = "Someone else saved this case's record while you were working on it, so yours was not saved."


@dataclass(frozen=True)
class ConferenceChoice:
    id: uuid.UUID
    local_date: date
    starts_at: datetime
    location: str
    status_label: str
    cases_listed: int
    today: bool


@dataclass(frozen=True)
class Progress:
    status_label: str
    without_outcome: int


def _choices_of(summaries: list[Any], today: date) -> list[ConferenceChoice]:
    return [
        ConferenceChoice(
            s.conference.id,
            s.conference.local_date,
            s.conference.starts_at,
            s.conference.location,
            STATUS_LABELS[s.conference.status],
            s.cases_listed,
            s.conference.local_date == today,
        )
        for s in summaries
    ]


def _screen_context(
    screen: MeetingScreen, failed: str = "", failed_form: FormState | None = None
) -> dict[str, Any]:
    return {
        "screen": screen,
        "outcomes": OUTCOME_CHOICES,
        "attendance_choices": ATTENDANCE_CHOICES,
        "failed": failed,
        "failed_form": failed_form,
        "hints": MEETING_HINTS,
    }


class MeetingPages(Controller):
    path = "/meeting"
    opt = {"roles": OVERSEERS}

    @get("/", name="meeting")
    async def choose(self, page: PageContext, db: AsyncSession, clock: Clock, actor: Actor) -> Template:
        today = local_today(page.timezone, clock.now())
        held = await list_conferences(db, actor, page.area_id, status=ConferenceStatus.HELD)
        coming = await list_conferences(
            db, actor, page.area_id, from_date=today, status=ConferenceStatus.PUBLISHED
        )
        choices = sorted(_choices_of([*held, *coming], today), key=lambda c: c.starts_at)
        return render(page, "meeting/choose.html", choices=choices, today=today)

    @get("/{conference_id:uuid}")
    async def screen(
        self,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
    ) -> Template:
        screen = await meeting_screen(db, clock, actor, runtime, page.area_id, conference_id)
        return render(page, SCREEN, **_screen_context(screen))

    @post("/{conference_id:uuid}/attendance/{agency_id:uuid}")
    async def record_attendance(
        self,
        request: HTMXRequest,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        agency_id: uuid.UUID,
    ) -> Response[Any]:
        submitted = await FormInput.read(request)
        screen = await meeting_screen(db, clock, actor, runtime, page.area_id, conference_id)
        row = next((r for r in screen.attendance if r.agency_id == agency_id), None)
        if row is None:
            raise NotFound("agency", agency_id)
        if request.htmx:
            keep_form(
                request, page, "meeting/_attendance.html", submitted, row=row, **_screen_context(screen)
            )
        else:
            keep_form(
                request,
                page,
                SCREEN,
                submitted,
                form_name="failed_form",
                **_screen_context(screen, str(agency_id)),
            )
        data = submitted.parse(agenda_schemas.AttendanceUpdate, hints=MEETING_HINTS)
        line = await meeting.record_attendance(db, clock, actor, conference_id, agency_id, data)
        saved = AttendanceRow.of(line)
        if request.htmx:
            return render(
                page,
                "meeting/_attendance.html",
                row=saved,
                form=saved.form(),
                saved=True,
                **_screen_context(screen),
            )
        return redirect(
            runtime, f"/meeting/{conference_id}#attendance", flash=f"Attendance of {saved.agency} saved."
        )

    @post("/{conference_id:uuid}/cases/{item_id:uuid}/record")
    async def record_case(
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
        """Outcome and minutes together; minutes alone while the case has no outcome yet."""
        submitted = await FormInput.read(request)
        screen = await meeting_screen(db, clock, actor, runtime, page.area_id, conference_id)
        case = _case(screen, item_id)
        context = {"case": case, "saved": False, "theirs": None, **_screen_context(screen)}
        self._keep(request, page, "meeting/_record.html", submitted, context, screen, str(item_id))
        cipher = cipher_of(runtime)
        try:
            if submitted.get("outcome"):
                data = submitted.parse(agenda_schemas.OutcomeUpdate, hints=MEETING_HINTS)
                line = await meeting.record_outcome(db, clock, actor, item_id, data, cipher)
            else:
                minutes = submitted.parse(agenda_schemas.MinutesUpdate, hints=MEETING_HINTS)
                line = await meeting.record_minutes(db, clock, actor, item_id, minutes, cipher)
        except StaleVersion as exc:
            # Show their record beside what this person typed; saving again replaces theirs on purpose.
            values = {**submitted.values, "version": str(case.version)}
            context["theirs"] = case
            self._keep(
                request, page, "meeting/_record.html", FormInput(values), context, screen, str(item_id)
            )
            raise Conflict(
                f"{STALE_RECORD} Their outcome and minutes are shown below and your text is kept in the "
                "box: save again to replace theirs with yours."
            ) from exc
        saved = replace(CaseRow.of(case.number, line, case.default_agency_id), actions=case.actions)
        if request.htmx:
            # Recording starts the meeting; the count of cases still without an outcome goes down.
            progress = Progress(
                STATUS_LABELS[ConferenceStatus.HELD],
                screen.without_outcome - (1 if saved.outcome and not case.outcome else 0),
            )
            return render(
                page,
                "meeting/_record.html",
                case=saved,
                form=saved.record_form(),
                saved=True,
                theirs=None,
                progress=progress,
                **_screen_context(screen),
            )
        return redirect(
            runtime,
            f"/meeting/{conference_id}#case-{case.number}",
            flash=f"Case {case.case_reference} saved.",
        )

    @post("/{conference_id:uuid}/cases/{item_id:uuid}/actions")
    async def add_action(
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
        submitted = await FormInput.read(request)
        screen = await meeting_screen(db, clock, actor, runtime, page.area_id, conference_id)
        case = _case(screen, item_id)
        context = {"case": case, "added": "", **_screen_context(screen)}
        self._keep(request, page, "meeting/_actions.html", submitted, context, screen, f"actions-{item_id}")
        data = submitted.parse(
            action_schemas.ActionCreate,
            hints=MEETING_HINTS,
            extra={"case_id": case.case_id, "agenda_item_id": item_id},
        )
        action = await create_action(db, clock, actor, runtime.protector, conference_id, data)
        if not request.htmx:
            return redirect(
                runtime,
                f"/meeting/{conference_id}#case-{case.number}",
                flash=f"Action {action.reference} added.",
            )
        actions = await conference_actions(
            db, clock, actor, runtime, page.area_id, conference_id, case_id=case.case_id
        )
        updated = replace(case, actions=tuple(actions))
        # The next action is often for the same agency and deadline: keep those, clear the rest.
        form = FormState(
            {"owner_agency_id": str(data.owner_agency_id), "deadline": data.deadline.isoformat()}
        )
        return render(
            page,
            "meeting/_actions.html",
            case=updated,
            form=form,
            added=action.reference,
            **_screen_context(screen),
        )

    @post("/{conference_id:uuid}/close")
    async def close(
        self,
        request: HTMXRequest,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
    ) -> Response[Any]:
        submitted = await FormInput.read(request)
        screen = await meeting_screen(db, clock, actor, runtime, page.area_id, conference_id)
        keep_form(
            request, page, SCREEN, submitted, form_name="failed_form", **_screen_context(screen, "close")
        )
        data = submitted.parse(agenda_schemas.ConferenceClose, hints=MEETING_HINTS)
        with changed_elsewhere("this meeting"):
            await meeting.close_meeting(db, clock, actor, conference_id, data)
        heard = sum(1 for case in screen.discussed if case.outcome == "heard")
        return redirect(
            runtime,
            f"/meeting/{conference_id}",
            flash=f"Meeting closed: {heard} of {len(screen.discussed)} cases heard. The record is final.",
        )

    @staticmethod
    def _keep(
        request: HTMXRequest,
        page: PageContext,
        fragment: str,
        submitted: FormInput,
        context: dict[str, Any],
        screen: MeetingScreen,
        failed: str,
    ) -> None:
        """Should the form fail: its own part of the page again (HTMX), else the whole page."""
        if request.htmx:
            keep_form(request, page, fragment, submitted, **context)
        else:
            keep_form(
                request, page, SCREEN, submitted, form_name="failed_form", **_screen_context(screen, failed)
            )


def _case(screen: MeetingScreen, item_id: uuid.UUID) -> CaseRow:
    case = screen.case(item_id)
    if case is None:
        raise NotFound("agenda item", item_id)
    return case


ROUTE_HANDLERS = [MeetingPages]
