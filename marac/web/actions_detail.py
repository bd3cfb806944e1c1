"""One action as its detail page shows it: the action, its status reports, owners and reminders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.access.models import Agency
from marac.actions.reminders import DUE, ESCALATION, days_before, overdue_days
from marac.actions.views import get_action, names_of
from marac.clock import Clock
from marac.runtime import Runtime
from marac.web.actions_shared import STATUS_LABELS, ActionRow, action_rows
from marac.web.forms import FormState


@dataclass(frozen=True)
class ReportLine:
    reported_on: date
    status_label: str
    note: str
    reporter: str
    recorded_at: datetime


@dataclass(frozen=True)
class OwnerLine:
    assigned_at: datetime
    owner: str
    previous: str
    reason: str
    by: str


@dataclass(frozen=True)
class ReminderLine:
    label: str
    scheduled_at: datetime
    state: str


@dataclass(frozen=True)
class ActionPage:
    action: ActionRow
    reports: tuple[ReportLine, ...]
    owners: tuple[OwnerLine, ...]
    reminders: tuple[ReminderLine, ...]

    def change_form(self) -> FormState:
        row = self.action
        return FormState(
            {
                "description": row.description,
                "deadline": row.deadline.isoformat(),
                "version": str(row.version),
            }
        )

    def owner_form(self) -> FormState:
        return FormState({"owner_agency_id": str(self.action.agency_id), "version": str(self.action.version)})

    def status_form(self, today: date) -> FormState:
        return FormState(
            {"status": "open", "reported_on": today.isoformat(), "version": str(self.action.version)}
        )


def reminder_label(kind: str) -> str:
    """``before-7`` → "7 days before the deadline", ``overdue-8`` → "8 days overdue"…"""
    if kind == DUE:
        return "On the deadline"
    if kind == ESCALATION:
        return "Escalation to the chair"
    if (days := days_before(kind)) is not None:
        return f"{days} day{'s' if days != 1 else ''} before the deadline"
    if (days := overdue_days(kind)) is not None:
        return f"{days} day{'s' if days != 1 else ''} overdue"
    return kind


def _owner(agency: str, person: str) -> str:
    return f"{agency} ({person})" if person else agency


async def agency_names(db: AsyncSession, area_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """Every agency of the area by id, inactive ones too: history names agencies since retired."""
    rows = await db.execute(select(Agency.id, Agency.name).where(Agency.area_id == area_id))
    return {row[0]: row[1] for row in rows.all()}


async def action_page(
    db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, area_id: uuid.UUID, action_id: uuid.UUID
) -> ActionPage:
    """The action and its history (the read is audited by the service)."""
    detail = await get_action(db, clock, actor, runtime.protector, action_id)
    [row] = await action_rows(db, [detail.action])
    agencies = await agency_names(db, area_id)
    people = await names_of(
        db,
        [
            *(r.reporter_user_id for r in detail.reports),
            *(o.to_user_id for o in detail.reassignments),
            *(o.from_user_id for o in detail.reassignments),
            *(o.assigned_by for o in detail.reassignments),
        ],
    )

    def person(user_id: uuid.UUID | None) -> str:
        return people.get(user_id, "") if user_id else ""

    def agency(agency_id: uuid.UUID | None) -> str:
        return agencies.get(agency_id, "") if agency_id else ""

    reports = tuple(
        ReportLine(
            r.reported_on,
            STATUS_LABELS[r.status],
            r.note or "",
            _owner(agency(r.reporter_agency_id), person(r.reporter_user_id))
            if r.reporter_agency_id
            else person(r.reporter_user_id),
            r.recorded_at,
        )
        for r in detail.reports
    )
    owners = tuple(
        OwnerLine(
            o.assigned_at,
            _owner(agency(o.to_agency_id), person(o.to_user_id)),
            _owner(agency(o.from_agency_id), person(o.from_user_id)) if o.from_agency_id else "",
            o.reason or "",
            person(o.assigned_by),
        )
        for o in detail.reassignments
    )
    reminders = tuple(
        ReminderLine(
            reminder_label(r.kind),
            r.scheduled_at,
            "Sent" if r.sent_at else "Cancelled" if r.cancelled_at else "Planned",
        )
        for r in detail.reminders
    )
    return ActionPage(row, reports, owners, reminders)
