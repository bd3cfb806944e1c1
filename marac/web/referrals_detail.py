"""The coordinator's referral pages: the list to decide, one referral in full, decisions and matches.

Accepting queues the area's waiting referrals at once (what the scheduler's sweep would do within a
minute), so the coordinator sees the conference it is listed for.  Decisions carry the version the
coordinator saw: if someone else changed the referral meanwhile, nothing is saved and they are told.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.cases import referrals, services, suggestions
from marac.cases.instruments import get_instrument
from marac.cases.models import MatchStatus, ReferralStatus
from marac.clock import Clock
from marac.errors import Conflict, InvalidInput, NotFound, StaleVersion
from marac.runtime import Runtime
from marac.web.dashboard import PanelContent, PanelRequest, PanelRow
from marac.web.forms import FormInput, FormState
from marac.web.nav import COORDINATORS
from marac.web.referrals_form import answer_label
from marac.web.referrals_status import (
    CRITERION_LABELS,
    agency_names,
    listings,
    long_date,
    progress_of,
    queue_accepted,
    referral_rows,
)
from marac.web.shell import PageContext, redirect, render

RECENT_DECIDED = 20
CHANGED = (
    "This referral was changed by someone else while you were looking at it. Nothing was saved: "
    "here is how it stands now."
)


@dataclass(frozen=True)
class AnswerRow:
    number: int
    question: str
    answer: str


@dataclass(frozen=True)
class PersonLine:
    role: str
    name: str
    birth_date: date | None


@dataclass(frozen=True)
class MatchRow:
    id: uuid.UUID
    candidate_case_reference: str
    similarity: int  # per cent
    status: MatchStatus
    victim_name: str
    victim_birth_date: date | None


def _answers(instrument_id: str | None, version: str | None, answers: dict[str, Any]) -> list[AnswerRow]:
    if instrument_id is None:
        return []
    try:
        questions = get_instrument(instrument_id, version).questions
    except NotFound:
        return [AnswerRow(n, qid, str(value)) for n, (qid, value) in enumerate(answers.items(), start=1)]
    return [
        AnswerRow(n, q.label, answer_label(str(answers[q.id])) if q.id in answers else "Not answered")
        for n, q in enumerate(questions, start=1)
    ]


async def detail_context(
    db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, referral_id: uuid.UUID
) -> dict[str, Any]:
    """The referral, its case's people and its suggested matches, read through the audited services."""
    protector = runtime.protector
    referral = await referrals.get_referral(db, clock, actor, protector, referral_id)
    case = await services.get_case(db, clock, actor, protector, referral.case_id)
    people = [PersonLine("Victim", f"{case.victim.forename} {case.victim.surname}", case.victim.birth_date)]
    people += [
        PersonLine("Perpetrator", f"{p.forename} {p.surname}", p.birth_date) for p in case.perpetrators
    ]
    matches = []
    for suggestion in referral.match_suggestions:
        name, born = "", None
        if suggestion.status is MatchStatus.PENDING:
            try:
                other = await services.get_case(db, clock, actor, protector, suggestion.candidate_case_id)
            except NotFound:
                continue
            name, born = f"{other.victim.forename} {other.victim.surname}", other.victim.birth_date
        matches.append(
            MatchRow(
                suggestion.id,
                suggestion.candidate_case_reference,
                round(suggestion.similarity * 100),
                suggestion.status,
                name,
                born,
            )
        )
    listing = (await listings(db, [referral.id])).get(referral.id)
    agencies = await agency_names(db, referral.area_id)
    return {
        "referral": referral,
        "agency": agencies.get(referral.referring_agency_id, ""),
        "progress": progress_of(referral, listing, referral.decision_reason),
        "criteria": [CRITERION_LABELS.get(c, c) for c in referral.criteria],
        "answers": _answers(referral.instrument_id, referral.instrument_version, referral.answers),
        "people": people,
        "children_in_household": case.children_in_household,
        "matches": matches,
        "may_decide": referral.status is ReferralStatus.SUBMITTED and referral.heard_on is None,
        "may_accept": referral.eligible or referral.linked_to_id is not None,
    }


def _version(submitted: FormInput) -> int:
    value = submitted.get("version")
    if not value.isdigit():
        raise InvalidInput.for_field("version", "reload the page and try again")
    return int(value)


class CoordinatorReferralPages(Controller):
    path = "/referrals"
    opt = {"roles": COORDINATORS}

    @get("/", name="referrals")
    async def list_referrals(
        self, page: PageContext, db: AsyncSession, clock: Clock, actor: Actor
    ) -> Template:
        """Referrals waiting for a decision, oldest first, then the latest decided ones."""
        listed = await referrals.list_referrals(db, clock, actor, page.area_id)
        pending = await suggestions.list_suggestions(db, clock, actor, page.area_id)
        matched = frozenset(s.referral_id for s in pending)
        to_decide = [r for r in reversed(listed) if r.status is ReferralStatus.SUBMITTED]
        decided = [r for r in listed if r.status is not ReferralStatus.SUBMITTED][:RECENT_DECIDED]
        return render(
            page,
            "referrals/list.html",
            to_decide=await referral_rows(db, page.area_id, to_decide, matched),
            decided=await referral_rows(db, page.area_id, decided, matched),
        )

    @get("/{referral_id:uuid}", name="referral")
    async def detail(
        self,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        referral_id: uuid.UUID,
    ) -> Template:
        context = await detail_context(db, clock, actor, runtime, referral_id)
        return render(page, "referrals/detail.html", decision=FormState(), **context)

    @post("/{referral_id:uuid}/accept")
    async def accept(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        referral_id: uuid.UUID,
    ) -> Redirect:
        submitted = await FormInput.read(request)
        back = f"/referrals/{referral_id}"
        try:
            referral = await referrals.accept_referral(db, clock, actor, referral_id, _version(submitted))
        except StaleVersion:
            return redirect(runtime, back, flash=CHANGED, warning=True)
        except Conflict as exc:
            return redirect(runtime, back, flash=exc.detail, warning=True)
        await queue_accepted(db, clock, actor, referral.area_id)
        listing = (await listings(db, [referral.id])).get(referral.id)
        if referral.linked_to_id is not None:
            outcome = "it will be heard with the referral already waiting for this victim."
        elif listing is not None:
            outcome = f"queued for the conference on {long_date(listing.local_date)}."
        else:
            outcome = "no conference has room for it yet; it will be queued when one does."
        return redirect(runtime, back, flash=f"Referral {referral.reference} accepted: {outcome}")

    @post("/{referral_id:uuid}/return")
    async def return_(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        referral_id: uuid.UUID,
    ) -> Redirect | Template:
        """Not accepted: the referrer is shown the reason on their list."""
        submitted = await FormInput.read(request)
        back = f"/referrals/{referral_id}"
        try:
            referral = await referrals.return_referral(
                db, clock, actor, referral_id, _version(submitted), submitted.get("reason")
            )
        except StaleVersion:
            return redirect(runtime, back, flash=CHANGED, warning=True)
        except InvalidInput:
            context = await detail_context(db, clock, actor, runtime, referral_id)
            decision = FormState(submitted.values, {"reason": "Say why the referral is not accepted"})
            return render(page, "referrals/detail.html", status_code=400, decision=decision, **context)
        except Conflict as exc:
            return redirect(runtime, back, flash=exc.detail, warning=True)
        return redirect(
            runtime, back, flash=f"Referral {referral.reference} not accepted. The referrer can see why."
        )

    @post("/{referral_id:uuid}/matches/{suggestion_id:uuid}/confirm")
    async def confirm_match(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        referral_id: uuid.UUID,
        suggestion_id: uuid.UUID,
    ) -> Redirect:
        """The same person: this referral joins the earlier case and is assessed again with its history."""
        back = f"/referrals/{referral_id}"
        try:
            row = await suggestions.confirm_match(db, clock, actor, runtime.protector, suggestion_id)
        except Conflict as exc:
            return redirect(runtime, back, flash=exc.detail, warning=True)
        if row.referral_id != referral_id:
            raise NotFound("match suggestion", suggestion_id)  # rolls the merge back
        view = await suggestions.suggestion_view(db, suggestion_id)
        return redirect(
            runtime,
            back,
            flash=f"Match confirmed: referral {view.referral_reference} now belongs to case "
            f"{view.candidate_case_reference}.",
        )

    @post("/{referral_id:uuid}/matches/{suggestion_id:uuid}/reject")
    async def reject_match(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        referral_id: uuid.UUID,
        suggestion_id: uuid.UUID,
    ) -> Redirect:
        back = f"/referrals/{referral_id}"
        try:
            row = await suggestions.reject_match(db, clock, actor, suggestion_id)
        except Conflict as exc:
            return redirect(runtime, back, flash=exc.detail, warning=True)
        if row.referral_id != referral_id:
            raise NotFound("match suggestion", suggestion_id)
        return redirect(runtime, back, flash="Not the same person: the cases stay apart.")


async def decide_panel(request: PanelRequest) -> PanelContent:
    """Dashboard (coordinator): how many referrals wait for a decision, the longest-waiting first."""
    waiting = await referrals.list_referrals(
        request.db, request.clock, request.actor, request.area_id, status=ReferralStatus.SUBMITTED
    )
    oldest = list(reversed(waiting))[:5]
    noun = "referral" if len(waiting) == 1 else "referrals"
    rows = [
        PanelRow(
            r.reference,
            f"/referrals/{r.id}",
            note=f"referred {long_date(r.referred_on)}; "
            + (", ".join(CRITERION_LABELS.get(c, c) for c in r.criteria).lower() or "no criterion met"),
        )
        for r in oldest
    ]
    return PanelContent(
        headline=f"{len(waiting)} {noun} to decide" if waiting else "No referrals to decide",
        rows=rows,
        more_label="Open the list",
        more_href="/referrals",
    )


ROUTE_HANDLERS: list[Any] = [CoordinatorReferralPages]
