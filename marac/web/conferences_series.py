"""Conference series for coordinators: set one up, change its rule, place or people, end it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access import services as access
from marac.access.guards import Actor
from marac.access.models import Role
from marac.agenda import schemas, series
from marac.clock import Clock
from marac.errors import InvalidInput
from marac.runtime import Runtime
from marac.web.conferences_views import (
    HOLIDAY_POLICIES,
    KINDS,
    NTHS,
    WEEKDAYS,
    SeriesRow,
    people_with_role,
    series_values,
)
from marac.web.forms import FormInput, FormState, keep_form
from marac.web.nav import COORDINATORS
from marac.web.shell import PageContext, redirect, render

LISTS = ("agency_ids", "representative_ids")
HINTS = {
    "start_time": "Enter a time on the 24-hour clock, like 10:00",
    "online_link": "Enter a link starting with https://",
    "nth": "Choose which week of the month",
    "weekday": "Choose a weekday",
    "kind": "Choose how often the conference meets",
    "holiday_policy": "Choose what happens on a bank holiday",
    "start_date": "Enter a date, like 2027-01-12",
    "end_date": "Enter a date, like 2027-12-31",
    "chair_user_id": "Choose the chair",
}
# The service names people by id; on the form the choice is in front of the coordinator already.
PEOPLE_PROBLEMS = {
    "representative_ids": "Each representative must work for one of the standing agencies ticked above",
    "agency_ids": "Choose agencies of this area",
    "chair_user_id": "The chair must be a member of this area",
}
NEW_DEFAULTS: dict[str, str | list[str]] = {
    "kind": "monthly_nth_weekday",
    "nth": "2",
    "weekday": "1",
    "start_time": "10:00",
    "duration_minutes": "180",
    "holiday_policy": "move",
}


async def choices(db: AsyncSession, actor: Actor, area_id: uuid.UUID) -> dict[str, Any]:
    """The options of the series form (plain values, see keep_form)."""
    agencies = [a for a in await access.list_agencies(db, actor, area_id) if a.active]
    reps = await people_with_role(db, area_id, Role.REPRESENTATIVE)
    chairs = await people_with_role(db, area_id, Role.CHAIR)
    return {
        "kinds": KINDS,
        "nths": NTHS,
        "weekdays": WEEKDAYS,
        "holiday_policies": HOLIDAY_POLICIES,
        "agency_choices": [(str(a.id), a.name) for a in agencies],
        "rep_choices": [
            (str(p.id), f"{p.name} ({p.agency_name})" if p.agency_name else p.name) for p in reps
        ],
        "chair_choices": [(str(p.id), p.name) for p in chairs],
    }


@contextmanager
def plain_people_problems() -> Iterator[None]:
    try:
        yield
    except InvalidInput as exc:
        fields = [problem.field for problem in exc.errors if problem.field in PEOPLE_PROBLEMS]
        if not fields:
            raise
        raise InvalidInput.for_field(fields[0], PEOPLE_PROBLEMS[fields[0]]) from exc


class SeriesPages(Controller):
    path = "/conferences/series"
    opt = {"roles": COORDINATORS}

    @get("/new", name="new_series")
    async def new_series(self, page: PageContext, db: AsyncSession, actor: Actor) -> Template:
        context = await choices(db, actor, page.area_id)
        return render(
            page, "conferences/series_form.html", series=None, form=FormState(NEW_DEFAULTS), **context
        )

    @post("/")
    async def create_series(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
    ) -> Redirect:
        submitted = await FormInput.read(request, lists=LISTS)
        context = await choices(db, actor, page.area_id)
        keep_form(request, page, "conferences/series_form.html", submitted, series=None, **context)
        data = submitted.parse(schemas.ConferenceSeriesCreate, hints=HINTS)
        with plain_people_problems():
            created = await series.create_series(db, clock, actor, page.area_id, data)
        return redirect(runtime, "/conferences", flash=f"{created.series.name} set up.")

    @get("/{series_id:uuid}/edit")
    async def edit_series(
        self, page: PageContext, db: AsyncSession, actor: Actor, series_id: uuid.UUID
    ) -> Template:
        detail = await series.get_series_detail(db, actor, series_id)
        context = await choices(db, actor, detail.series.area_id)
        return render(
            page,
            "conferences/series_form.html",
            series=SeriesRow.of(detail),
            form=FormState(series_values(detail)),
            **context,
        )

    @post("/{series_id:uuid}")
    async def update_series(
        self,
        request: Request[Any, Any, Any],
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        series_id: uuid.UUID,
    ) -> Redirect:
        submitted = await FormInput.read(request, lists=LISTS)
        detail = await series.get_series_detail(db, actor, series_id)
        context = await choices(db, actor, detail.series.area_id)
        keep_form(
            request, page, "conferences/series_form.html", submitted, series=SeriesRow.of(detail), **context
        )
        data = submitted.parse(schemas.ConferenceSeriesUpdate, hints=HINTS)
        with plain_people_problems():
            updated = await series.update_series(db, clock, actor, series_id, data)
        return redirect(runtime, "/conferences", flash=f"{updated.series.name} saved.")

    @post("/{series_id:uuid}/end")
    async def end_series(
        self,
        page: PageContext,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        series_id: uuid.UUID,
    ) -> Redirect:
        ended = await series.end_series(db, clock, actor, series_id)
        return redirect(
            runtime,
            "/conferences",
            flash=f"{ended.series.name} ended; its unpublished conferences are cancelled.",
        )
