"""Referral pages.

Referrers: ``/referrals/new`` (choose an instrument, fill in its form while the live score and the
criteria met update), the confirmation page, and ``/referrals/mine`` (their agency's referrals and what
happened to them).  Coordinators: ``/referrals`` (to decide, and recently decided) and
``/referrals/{id}`` (decide; confirm or reject suggested matches) — see :mod:`marac.web.referrals_detail`.
URLs carry ids and references only, never anything about the people.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.area_settings import AreaSettings, load_area_settings
from marac.access.guards import Actor
from marac.access.models import Area
from marac.cases import intake, referrals
from marac.cases.models import ReferralStatus
from marac.clock import Clock
from marac.errors import InvalidInput, NotFound
from marac.runtime import Runtime
from marac.web.dashboard import PanelContent, PanelRequest, PanelRow
from marac.web.forms import FormInput, FormState, keep_form
from marac.web.nav import REFERRERS
from marac.web.referrals_detail import ROUTE_HANDLERS as DETAIL_HANDLERS
from marac.web.referrals_detail import decide_panel
from marac.web.referrals_form import (
    CHILD_SLOTS,
    ETHNICITIES,
    GENDERS,
    INCIDENT_SLOTS,
    PERPETRATOR_SLOTS,
    YES_NO,
    InstrumentForm,
    LivePreview,
    chosen_instrument,
    instrument_choices,
    preview,
    referral_data,
)
from marac.web.referrals_status import CRITERION_LABELS, referral_rows
from marac.web.shell import PageContext, redirect, render

MINE_PER_PAGE = 25


async def area_settings(db: AsyncSession, area_id: uuid.UUID) -> AreaSettings:
    area = await db.get(Area, area_id)
    if area is None:
        raise NotFound("area", area_id)
    return load_area_settings(area.settings)


def form_context(instrument: InstrumentForm, live: LivePreview) -> dict[str, Any]:
    """Everything the form template shows besides the values typed (plain values only)."""
    return {
        "instrument": instrument,
        "live": live,
        "perpetrator_slots": PERPETRATOR_SLOTS,
        "child_slots": CHILD_SLOTS,
        "incident_slots": INCIDENT_SLOTS,
        "genders": GENDERS,
        "ethnicities": ETHNICITIES,
        "yes_no": YES_NO,
    }


def _is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


class ReferrerPages(Controller):
    path = "/referrals"
    opt = {"roles": REFERRERS}

    @get("/new", name="referral-new")
    async def new_referral(
        self,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        instrument: str | None = Parameter(default=None, max_length=40),
    ) -> Template:
        """Without ``instrument``: the choice of instrument; with it, that instrument's form."""
        if not instrument:
            return render(page, "referrals/choose.html", choices=instrument_choices(), form=FormState())
        settings = await area_settings(db, page.area_id)
        try:
            chosen = chosen_instrument(instrument, settings)
        except InvalidInput as exc:
            errors = {problem.field: problem.message for problem in exc.errors}
            state = FormState({"instrument": instrument}, errors)
            return render(
                page, "referrals/choose.html", status_code=422, choices=instrument_choices(), form=state
            )
        today = intake.local_today(clock, page.timezone)
        empty = FormInput({})
        live = preview(empty, chosen, settings, today)
        values: dict[str, str | list[str]] = {"referred_on": today.isoformat()}
        return render(
            page,
            "referrals/form.html",
            form=FormState(values),
            **form_context(InstrumentForm.of(chosen), live),
        )

    @post("/new/score", name="referral-score")
    async def live_score(
        self, request: Request[Any, Any, Any], page: PageContext, db: AsyncSession, clock: Clock
    ) -> Template:
        """The score, band and criteria of the form as it stands; nothing is saved or audited.

        HTMX swaps in the result panel alone; without script the whole form comes back with it.
        """
        submitted = await FormInput.read(request)
        settings = await area_settings(db, page.area_id)
        chosen = chosen_instrument(submitted.get("instrument_id"), settings)
        live = preview(submitted, chosen, settings, intake.local_today(clock, page.timezone))
        if _is_htmx(request):
            return render(page, "referrals/_live.html", live=live)
        return render(
            page,
            "referrals/form.html",
            form=FormState(submitted.values),
            **form_context(InstrumentForm.of(chosen), live),
        )

    @post("/new", name="referral-submit")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
    ) -> Redirect:
        submitted = await FormInput.read(request)
        settings = await area_settings(db, page.area_id)
        chosen = chosen_instrument(submitted.get("instrument_id"), settings)
        today = intake.local_today(clock, page.timezone)
        live = preview(submitted, chosen, settings, today)
        keep_form(
            request, page, "referrals/form.html", submitted, **form_context(InstrumentForm.of(chosen), live)
        )
        data = referral_data(submitted, chosen, today)
        referral = await intake.submit_referral(db, clock, actor, runtime.protector, page.area_id, data)
        return redirect(
            runtime, f"/referrals/{referral.id}/submitted", flash=f"Referral {referral.reference} submitted."
        )

    @get("/{referral_id:uuid}/submitted", name="referral-submitted")
    async def submitted(
        self,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        referral_id: uuid.UUID,
    ) -> Template:
        """The confirmation: the reference to quote, and the criteria the referral met."""
        referral = await referrals.get_referral(db, clock, actor, runtime.protector, referral_id)
        rows = await referral_rows(db, referral.area_id, [referral])
        return render(
            page,
            "referrals/submitted.html",
            referral=referral,
            row=rows[0],
            criteria=CRITERION_LABELS,
        )

    @get("/mine", name="my-referrals")
    async def mine(
        self,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        p: int = Parameter(default=1, ge=1, le=10_000),
    ) -> Template:
        """The agency's referrals, newest first, a page at a time."""
        listed = await referrals.list_referrals(db, clock, actor, page.area_id, include_linked=True)
        pages = max(1, -(-len(listed) // MINE_PER_PAGE))
        number = min(p, pages)
        shown = listed[(number - 1) * MINE_PER_PAGE : number * MINE_PER_PAGE]
        rows = await referral_rows(db, page.area_id, shown)
        return render(page, "referrals/mine.html", rows=rows, number=number, pages=pages, total=len(listed))


async def my_referrals_panel(request: PanelRequest) -> PanelContent:
    """Dashboard (referrer): the agency's latest referrals and where each stands."""
    listed = await referrals.list_referrals(
        request.db, request.clock, request.actor, request.area_id, include_linked=True
    )
    waiting = sum(1 for r in listed if r.status is ReferralStatus.SUBMITTED)
    rows = await referral_rows(request.db, request.area_id, listed[:5])
    noun = "referral" if len(listed) == 1 else "referrals"
    return PanelContent(
        headline=f"{len(listed)} {noun} from your agency, {waiting} waiting for a decision",
        rows=[PanelRow(row.reference, note=row.progress.text) for row in rows],
        more_label="See them all",
        more_href="/referrals/mine",
    )


__all__ = ["ROUTE_HANDLERS", "decide_panel", "my_referrals_panel"]

ROUTE_HANDLERS: list[Any] = [ReferrerPages, *DETAIL_HANDLERS]
