"""The chair's view of actions: completion by agency and by conference as bar charts with their
numbers in tables, overdue and escalated actions, lateness, and the trend over twelve months.

Bars are drawn with CSS classes (``w-0`` … ``w-100``) rather than inline styles, which the content
security policy forbids; every figure a bar shows is also in a table for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from litestar import Controller, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.actions import schemas
from marac.actions.dashboard import action_dashboard, escalated_action_ids
from marac.clock import Clock
from marac.web.actions_shared import OVERSEERS
from marac.web.shell import PageContext, render

MONTHS = 12


@dataclass(frozen=True)
class Bar:
    """One row of a chart: what it is about, the completion figures, and the bar's width class."""

    label: str
    completion: schemas.Completion

    @property
    def percent(self) -> int | None:
        rate = self.completion.completion_rate
        return None if rate is None else round(rate * 100)

    @property
    def width(self) -> str:
        return f"w-{self.percent or 0}"

    @property
    def shown(self) -> str:
        return "no actions due yet" if self.percent is None else f"{self.percent}%"


@dataclass(frozen=True)
class MonthBar:
    month: schemas.MonthBucket

    @property
    def label(self) -> str:
        return date.fromisoformat(f"{self.month.month}-01").strftime("%b %Y")

    @property
    def percent(self) -> int | None:
        rate = self.month.completion_rate
        return None if rate is None else round(rate * 100)

    @property
    def width(self) -> str:
        return f"w-{self.percent or 0}"

    @property
    def shown(self) -> str:
        return "nothing closed" if self.percent is None else f"{self.percent}%"


def percent(rate: float | None) -> str:
    return "none due" if rate is None else f"{round(rate * 100)}%"


class ActionChartPage(Controller):
    path = "/actions/by-agency"
    opt = {"roles": OVERSEERS}

    @get("/", name="actions-by-agency")
    async def show(self, page: PageContext, db: AsyncSession, clock: Clock, actor: Actor) -> Template:
        board = await action_dashboard(db, clock, actor, page.area_id, months=MONTHS)
        escalated = await escalated_action_ids(db, page.area_id)
        return render(
            page,
            "actions/by_agency.html",
            board=board,
            overall=Bar("All agencies", board.overall),
            agencies=[Bar(entry.agency_name, entry.completion) for entry in board.by_agency],
            conferences=[
                Bar(entry.held_on.strftime("%-d %b %Y"), entry.completion) for entry in board.by_conference
            ],
            months=[MonthBar(bucket) for bucket in board.trend],
            escalated=[entry for entry in board.overdue if entry.id in escalated],
            escalated_ids={str(action_id) for action_id in escalated},
            percent=percent,
        )
