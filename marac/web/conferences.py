"""Conferences for coordinators: the upcoming meetings, one meeting in detail, move, cancel, call one.

The series forms are in :mod:`marac.web.conferences_series`, a representative's answers in
:mod:`marac.web.conferences_mine`; the agenda of a conference has pages of its own.
"""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.area_settings import load_area_settings
from marac.access.guards import Actor
from marac.access.models import Area, Role
from marac.agenda import conferences, schemas, series
from marac.agenda.layout import OPEN_STATUSES
from marac.agenda.models import Conference
from marac.clock import Clock
from marac.errors import InvalidInput, PermissionDenied
from marac.notify import services as answers
from marac.notify.models import Invitation, InvitationMethod
from marac.runtime import Runtime
from marac.web.conferences_mine import MyConferencePages, answer_context, my_conferences_panel
from marac.web.conferences_series import SeriesPages
from marac.web.conferences_views import (
    LIST_AHEAD,
    AnswerRow,
    ConferenceRow,
    SeriesRow,
    agency_attendance,
    conference_rows,
    move_values,
    urgent_referrals,
)
from marac.web.dashboard import PanelContent, PanelRequest, PanelRow
from marac.web.forms import FormInput, FormState, keep_form
from marac.web.nav import COORDINATORS
from marac.web.shell import PageContext, redirect, render

HINTS = {
    "local_date": "Enter a date, like 2027-01-12",
    "start_time": "Enter a time on the 24-hour clock, like 10:00",
    "online_link": "Enter a link starting with https://",
    "series_id": "Choose the series the conference belongs to",
}
# Besides coordinators, who may look at one conference: its chairs and the agencies' representatives
# (invitations link here), and anyone invited to it, such as a deputy.
VIEWERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.CHAIR, Role.REPRESENTATIVE})


async def upcoming_rows(
    db: AsyncSession, actor: Actor, area_id: uuid.UUID, clock: Clock, tz: str
) -> list[ConferenceRow]:
    today = clock.now().astimezone(ZoneInfo(tz)).date()
    found = await conferences.list_conferences(
        db, actor, area_id, from_date=today, until_date=today + LIST_AHEAD
    )
    return await conference_rows(db, area_id, found, clock.now())


async def list_context(db: AsyncSession, actor: Actor, page: PageContext, clock: Clock) -> dict[str, Any]:
    """Everything the conferences page shows besides its form (plain values, see keep_form)."""
    all_series = [SeriesRow.of(d) for d in await series.list_series(db, actor, page.area_id)]
    rows = await upcoming_rows(db, actor, page.area_id, clock, page.timezone)
    return {
        "series_rows": all_series,
        "series_choices": [(str(s.id), s.name) for s in all_series if s.active],
        "conferences": rows,
        "urgent_choices": await urgent_referrals(db, actor, page.area_id),
    }


async def detail_context(
    db: AsyncSession, actor: Actor, clock: Clock, conference_id: uuid.UUID
) -> dict[str, Any]:
    summary = await conferences.get_conference_summary(db, actor, conference_id)
    area_id = summary.conference.area_id
    (row,) = await conference_rows(db, area_id, [summary], clock.now())
    area = await db.get(Area, area_id)
    assert area is not None
    answered = [AnswerRow.of(a) for a in await answers.list_responses(db, actor, conference_id)]
    agency_ids, _ = await series.series_people(db, summary.conference.series_id)
    return {
        "conference": row,
        "answers": answered,
        "agencies": await agency_attendance(db, agency_ids, answered),
        "window_days": load_area_settings(area.settings).invitation_window_days,
    }


class ConferencePages(Controller):
    path = "/conferences"

    @get("/", name="conferences", opt={"roles": COORDINATORS})
    async def list_conferences(
        self, page: PageContext, db: AsyncSession, actor: Actor, clock: Clock
    ) -> Template:
        context = await list_context(db, actor, page, clock)
        return render(page, "conferences/list.html", form=FormState({"start_time": "10:00"}), **context)

    @post("/extraordinary", opt={"roles": COORDINATORS})
    async def call_extraordinary(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
    ) -> Redirect:
        submitted = await FormInput.read(request, lists=("referral_ids",))
        keep_form(
            request, page, "conferences/list.html", submitted, **await list_context(db, actor, page, clock)
        )
        try:
            series_id = uuid.UUID(submitted.get("series_id"))
        except ValueError as exc:
            raise InvalidInput.for_field("series_id", HINTS["series_id"]) from exc
        data = submitted.parse(schemas.ExtraordinaryConferenceCreate, hints=HINTS)
        called = await conferences.call_extraordinary(db, clock, actor, series_id, data)
        return redirect(
            runtime,
            f"/conferences/{called.conference.id}",
            flash=f"Extraordinary conference called for {called.conference.local_date:%d %B %Y}.",
        )

    @get("/{conference_id:uuid}", name="conference")
    async def conference(
        self, page: PageContext, db: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID
    ) -> Template:
        summary = await conferences.get_conference_summary(db, actor, conference_id)
        if not page.has_role(Role.ADMIN, Role.COORDINATOR):
            return await self._attendee_view(page, db, clock, actor, summary.conference)
        context = await detail_context(db, actor, clock, conference_id)
        row: ConferenceRow = context["conference"]
        return render(
            page,
            "conferences/detail.html",
            move_form=FormState(move_values(row)),
            cancel_form=FormState({"version": str(row.version)}),
            **context,
        )

    async def _attendee_view(
        self, page: PageContext, db: AsyncSession, clock: Clock, actor: Actor, conference: Conference
    ) -> Template:
        invitation = None
        if actor.user_id is not None:
            invitation = await db.get(Invitation, (conference.id, actor.user_id))
        invited = invitation is not None and invitation.last_method == InvitationMethod.REQUEST
        if not invited and not (page.roles & VIEWERS):
            raise PermissionDenied("This page is for the people invited to the conference")
        (row,) = await conference_rows(
            db, conference.area_id, [await conferences.conference_summary(db, conference)], clock.now()
        )
        context = await answer_context(db, actor, page, clock, only=conference.id)
        return render(page, "conferences/attendee.html", conference=row, **context)

    @post("/{conference_id:uuid}/move", opt={"roles": COORDINATORS})
    async def move(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
    ) -> Redirect:
        submitted = await FormInput.read(request)
        context = await detail_context(db, actor, clock, conference_id)
        row: ConferenceRow = context["conference"]
        cancel_form = FormState({"version": str(row.version)})
        keep_form(
            request,
            page,
            "conferences/detail.html",
            submitted,
            form_name="move_form",
            cancel_form=cancel_form,
            **context,
        )
        data = submitted.parse(schemas.ConferenceMove, hints=HINTS)
        moved = await conferences.move_conference(db, clock, actor, conference_id, data)
        return redirect(
            runtime,
            f"/conferences/{conference_id}",
            flash=f"Conference moved to {moved.conference.local_date:%d %B %Y}. Invitations will be updated.",
        )

    @post("/{conference_id:uuid}/cancel", opt={"roles": COORDINATORS})
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
    ) -> Redirect:
        submitted = await FormInput.read(request)
        context = await detail_context(db, actor, clock, conference_id)
        move_form = FormState(move_values(context["conference"]))
        keep_form(
            request,
            page,
            "conferences/detail.html",
            submitted,
            form_name="cancel_form",
            move_form=move_form,
            **context,
        )
        data = submitted.parse(schemas.ConferenceCancel, hints={"reason": "Give the reason"})
        await conferences.cancel_conference(db, clock, actor, conference_id, data)
        return redirect(
            runtime,
            f"/conferences/{conference_id}",
            flash="Conference cancelled. Its cases move on to the next conference.",
        )


async def next_conference_panel(request: PanelRequest) -> PanelContent:
    """Dashboard: the next meeting still taking cases, how full it is, and what did not fit."""
    conference = await request.db.scalar(
        select(Conference)
        .where(
            Conference.area_id == request.area_id,
            Conference.status.in_(OPEN_STATUSES),
            Conference.starts_at > request.clock.now(),
        )
        .order_by(Conference.starts_at, Conference.id)
        .limit(1)
    )
    if conference is None:
        return PanelContent(
            headline="No conference is scheduled.",
            rows=[PanelRow("Set up a conference series", "/conferences/series/new")],
        )
    (row,) = await conference_rows(
        request.db,
        request.area_id,
        [await conferences.conference_summary(request.db, conference)],
        request.clock.now(),
    )
    rows = [PanelRow(f"{row.cases_listed} of {row.capacity} cases queued", note="full" if row.full else "")]
    if row.overflow:
        rows.append(PanelRow(f"{row.overflow} did not fit and moved to a later conference"))
    rows.append(PanelRow("Agenda", f"/conferences/{row.id}/agenda"))
    return PanelContent(
        headline=f"{row.day} at {row.starts}",
        rows=rows,
        more_label="Open this conference",
        more_href=f"/conferences/{row.id}",
    )


__all__ = ["my_conferences_panel", "next_conference_panel"]

# The literal paths (/conferences/mine, /conferences/series/...) sit beside /conferences/{id}.
ROUTE_HANDLERS = [ConferencePages, SeriesPages, MyConferencePages]
