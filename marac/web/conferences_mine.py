"""My conferences: the meetings a person is invited to, and their answer (accept, decline, a deputy)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.access.models import Role, User
from marac.agenda.conferences import conference_summary, get_conference_summary
from marac.agenda.models import Conference
from marac.clock import Clock
from marac.errors import InvalidInput
from marac.notify import services
from marac.notify.models import Invitation, InvitationMethod, Response
from marac.runtime import Runtime
from marac.web.conferences_views import RESPONSE_LABELS, ConferenceRow, Person, colleagues, conference_rows
from marac.web.dashboard import PanelContent, PanelRequest, PanelRow
from marac.web.forms import FormInput, FormState, keep_form
from marac.web.shell import PageContext, redirect, render

ANSWERS = {"accepted": Response.ACCEPTED, "declined": Response.DECLINED, "delegated": Response.DELEGATED}
NOTE_LENGTH = 300  # as the invitation stores it
DONE = {
    Response.ACCEPTED: "You have accepted",
    Response.DECLINED: "You have declined",
    Response.DELEGATED: "Your deputy has been invited",
}


@dataclass(frozen=True)
class MyConference:
    """A meeting I am invited to, and what I answered."""

    conference: ConferenceRow
    invited_as: str
    response: Response
    response_label: str
    deputy_user_id: uuid.UUID | None
    deputy_name: str | None
    note: str

    @property
    def may_delegate(self) -> bool:
        return self.invited_as != "deputy"


async def my_invitations(
    db: AsyncSession, actor: Actor, area_id: uuid.UUID, clock: Clock, *, only: uuid.UUID | None = None
) -> list[tuple[Invitation, Conference]]:
    """My live invitations to meetings of the area not yet over, soonest first."""
    if actor.user_id is None:
        return []
    query = (
        select(Invitation, Conference)
        .join(Conference, Conference.id == Invitation.conference_id)
        .where(
            Invitation.user_id == actor.user_id,
            Invitation.area_id == area_id,
            Invitation.last_method == InvitationMethod.REQUEST,
            Conference.ends_at > clock.now(),
        )
        .order_by(Conference.starts_at, Conference.id)
    )
    if only is not None:
        query = query.where(Conference.id == only)
    return [(row[0], row[1]) for row in await db.execute(query)]


async def my_conferences(
    db: AsyncSession, actor: Actor, area_id: uuid.UUID, clock: Clock, *, only: uuid.UUID | None = None
) -> list[MyConference]:
    found = await my_invitations(db, actor, area_id, clock, only=only)
    summaries = [await conference_summary(db, conference) for _, conference in found]
    rows = await conference_rows(db, area_id, summaries, clock.now())
    names: dict[uuid.UUID, str] = {}
    deputies = {i.deputy_user_id for i, _ in found if i.deputy_user_id}
    if deputies:
        named = await db.execute(select(User.id, User.name).where(User.id.in_(deputies)))
        names = {row[0]: row[1] for row in named}
    return [
        MyConference(
            conference=row,
            invited_as=invitation.invited_as,
            response=invitation.response,
            response_label=RESPONSE_LABELS[invitation.response],
            deputy_user_id=invitation.deputy_user_id,
            deputy_name=names.get(invitation.deputy_user_id) if invitation.deputy_user_id else None,
            note=invitation.response_note or "",
        )
        for (invitation, _), row in zip(found, rows, strict=True)
    ]


async def answer_context(
    db: AsyncSession, actor: Actor, page: PageContext, clock: Clock, *, only: uuid.UUID | None = None
) -> dict[str, Any]:
    """The invitations and deputy choices an answer form needs (plain values, see keep_form)."""
    mine = await my_conferences(db, actor, page.area_id, clock, only=only)
    deputies: list[Person] = []
    if actor.agency_id is not None and actor.user_id is not None:
        deputies = await colleagues(db, page.area_id, actor.agency_id, actor.user_id)
    return {
        "mine": mine,
        "deputy_choices": [(str(p.id), p.name) for p in deputies],
        "answer_for": None,
        "answer_form": FormState(),
        "blank_form": FormState(),
        "agenda_link": agenda_link(page),
    }


@dataclass(frozen=True)
class AgendaLink:
    """Where an attendee reads the cases: the chair's agenda review (of one conference), a
    representative's case list; the coordinator's agenda page is theirs alone."""

    label: str
    path: str
    per_conference: bool

    def href(self, conference_id: uuid.UUID) -> str:
        return f"{self.path}?conference={conference_id}" if self.per_conference else self.path


def agenda_link(page: PageContext) -> AgendaLink | None:
    if page.has_role(Role.CHAIR):
        return AgendaLink("Agenda review", "/agenda/review", per_conference=True)
    if page.has_role(Role.REPRESENTATIVE):
        return AgendaLink("Case list", "/cases", per_conference=False)
    return None  # a deputy from another role reads the papers they are sent


def back_to(submitted: FormInput, conference_id: uuid.UUID) -> str:
    """Where the answer was given: this list or the conference's own page (nowhere else)."""
    own = f"/conferences/{conference_id}"
    return own if submitted.get("back") == own else "/conferences/mine"


class MyConferencePages(Controller):
    path = "/conferences"

    @get("/mine", name="my_conferences")
    async def mine(self, page: PageContext, db: AsyncSession, clock: Clock, actor: Actor) -> Template:
        context = await answer_context(db, actor, page, clock)
        return render(page, "conferences/mine.html", **context)

    @post("/{conference_id:uuid}/response")
    async def respond(
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
        back = back_to(submitted, conference_id)
        on_list = back == "/conferences/mine"
        context = await answer_context(db, actor, page, clock, only=None if on_list else conference_id)
        context.pop("answer_form")  # the kept form takes its place, with the messages
        context["answer_for"] = conference_id
        if not on_list:
            summary = await get_conference_summary(db, actor, conference_id)
            (context["conference"],) = await conference_rows(
                db, summary.conference.area_id, [summary], clock.now()
            )
        template = "conferences/mine.html" if on_list else "conferences/attendee.html"
        keep_form(request, page, template, submitted, form_name="answer_form", **context)
        response = ANSWERS.get(submitted.get("response"))
        if response is None:
            raise InvalidInput.for_field("response", "Choose accept, decline or send a deputy")
        deputy_id = None
        if response == Response.DELEGATED:
            try:
                deputy_id = uuid.UUID(submitted.get("deputy_user_id"))
            except ValueError as exc:
                raise InvalidInput.for_field(
                    "deputy_user_id", "Choose the colleague who goes instead"
                ) from exc
        note = submitted.get("note") or None
        if note is not None and len(note) > NOTE_LENGTH:
            raise InvalidInput.for_field("note", f"Use at most {NOTE_LENGTH} characters")
        answer = services.Answer(response, deputy_id, note)
        await services.respond(db, clock, actor, conference_id, answer, settings=runtime.settings)
        return redirect(runtime, back, flash=f"{DONE[response]}.")


async def my_conferences_panel(request: PanelRequest) -> PanelContent:
    """Dashboard: my next meetings and which still wait for my answer."""
    found = await my_invitations(request.db, request.actor, request.area_id, request.clock)
    waiting = sum(1 for invitation, _ in found if invitation.response == Response.NEEDS_ACTION)
    if not found:
        return PanelContent(headline="You have no conference invitations.")
    rows = []
    for invitation, conference in found[:3]:
        rows.append(
            PanelRow(
                f"{conference.local_date:%a %d %b %Y}",
                f"/conferences/{conference.id}",
                note=RESPONSE_LABELS[invitation.response],
            )
        )
    headline = f"{waiting} waiting for your answer" if waiting else "All answered"
    return PanelContent(
        headline=headline, rows=rows, more_label="All my conferences", more_href="/conferences/mine"
    )
