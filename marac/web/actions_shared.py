"""What the meeting screen and the action pages share: labels, owner choices, dates and edit clashes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.actions import schemas
from marac.actions.models import ActionStatus
from marac.actions.views import OwnerChoice, names_of, owner_choices
from marac.agenda.models import Conference, ConferenceStatus
from marac.errors import Conflict, StaleVersion
from marac.web.nav import CHAIRS, COORDINATORS

OVERSEERS = COORDINATORS | CHAIRS

STATUS_LABELS = {
    ActionStatus.OPEN: "Open",
    ActionStatus.COMPLETED: "Completed",
    ActionStatus.NOT_POSSIBLE: "Not possible",
    ActionStatus.NOT_DONE: "Not done",
    ActionStatus.CANCELLED: "Cancelled",
}
# What a status report may say; "open" is a progress report that keeps the action open.
REPORT_CHOICES = [
    ("open", "Still open: progress report"),
    ("completed", "Completed"),
    ("not_possible", "Not possible"),
    ("not_done", "Not done"),
]
HINTS = {
    "deadline": "Enter a date as year-month-day, like 2026-12-15",
    "reported_on": "Enter a date as year-month-day, like 2026-12-15",
    "owner_agency_id": "Choose the agency that will do it",
    "owner_user_id": "Choose a person of the owner agency, or nobody",
    "status": "Choose what happened",
}
# Without a later conference in the series, an action is due this long after the meeting.
DEFAULT_DEADLINE_AFTER = timedelta(days=28)


@dataclass(frozen=True)
class ActionRow:
    """One action as the pages list it (plain values: safe to render after the transaction ends)."""

    id: uuid.UUID
    reference: str
    case_id: uuid.UUID
    case_reference: str
    description: str
    agency_id: uuid.UUID
    agency: str
    person: str
    deadline: date
    agreed_on: date
    status: ActionStatus
    status_label: str
    overdue: bool
    days_overdue: int
    closed_on: date | None
    version: int

    @property
    def is_open(self) -> bool:
        return self.status == ActionStatus.OPEN


async def action_rows(db: AsyncSession, actions: list[schemas.Action]) -> list[ActionRow]:
    names = await names_of(db, (action.owner_user_id for action in actions))
    return [
        ActionRow(
            id=action.id,
            reference=action.reference,
            case_id=action.case_id,
            case_reference=action.case_reference,
            description=action.description,
            agency_id=action.owner_agency_id,
            agency=action.owner_agency_name,
            person=names.get(action.owner_user_id, "") if action.owner_user_id else "",
            deadline=action.deadline,
            agreed_on=action.agreed_on,
            status=action.status,
            status_label=STATUS_LABELS[action.status],
            overdue=action.overdue,
            days_overdue=action.days_overdue,
            closed_on=action.closed_on,
            version=action.version,
        )
        for action in actions
    ]


@dataclass(frozen=True)
class OwnerOptions:
    """Agencies and their people, as a form offers them."""

    agencies: tuple[tuple[str, str], ...]
    groups: tuple[OwnerChoice, ...]


async def owner_options(db: AsyncSession, area_id: uuid.UUID) -> OwnerOptions:
    choices = await owner_choices(db, area_id)
    return OwnerOptions(tuple((str(c.agency_id), c.agency_name) for c in choices), tuple(choices))


async def default_deadline(db: AsyncSession, conference: Conference) -> date:
    """By the next conference of the series (its date), else four weeks after this meeting."""
    following = await db.scalar(
        select(Conference.local_date)
        .where(
            Conference.series_id == conference.series_id,
            Conference.starts_at > conference.starts_at,
            Conference.status != ConferenceStatus.CANCELLED,
        )
        .order_by(Conference.starts_at)
        .limit(1)
    )
    return following or conference.local_date + DEFAULT_DEADLINE_AFTER


@contextmanager
def changed_elsewhere(what: str) -> Iterator[None]:
    """A version clash as a sentence a person acts on; what they typed stays in the form."""
    try:
        yield
    except StaleVersion as exc:
        raise Conflict(
            f"Someone else changed {what} since you opened this page, so nothing was saved. "
            "What you entered is kept below: reload the page to see their change, then try again."
        ) from exc
