"""Request and response shapes of the actions API (msgspec: strict, unknown fields refused, lengths capped).

Every change carries the ``version`` the client read: a stale one is refused with 409.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from marac.actions.models import ActionStatus

Description = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Note = Annotated[str, msgspec.Meta(max_length=2000)]
Reason = Annotated[str, msgspec.Meta(max_length=300)]
Version = Annotated[int, msgspec.Meta(ge=1)]
ReportStatus = Literal["open", "completed", "not_possible", "not_done"]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


# --- requests -----------------------------------------------------------------------------------------


class ActionCreate(Strict):
    """An action agreed at the conference in the URL.  Without ``owner_user_id`` the owner agency's
    designated point of contact owns it; without ``agenda_item_id`` the case's item is found."""

    case_id: uuid.UUID
    description: Description
    owner_agency_id: uuid.UUID
    deadline: date
    owner_user_id: uuid.UUID | None = None
    agenda_item_id: uuid.UUID | None = None


class ActionUpdate(Strict):
    """Change the wording or the deadline (chair or coordinator); a new deadline re-plans reminders."""

    version: Version
    description: Description | None = None
    deadline: date | None = None


class StatusReportCreate(Strict):
    """A dated report: ``open`` for progress, or the outcome that closes the action."""

    version: Version
    status: ReportStatus
    reported_on: date | None = None  # today (area time) when left out
    note: Note | None = None


class ActionReassign(Strict):
    """Give the action to another agency (chair or coordinator) or another person of the same agency."""

    version: Version
    owner_agency_id: uuid.UUID
    owner_user_id: uuid.UUID | None = None
    reason: Reason | None = None


class ActionCancel(Strict):
    version: Version
    reason: Reason | None = None


# --- responses ----------------------------------------------------------------------------------------


class Action(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    area_id: uuid.UUID
    reference: str
    case_id: uuid.UUID
    case_reference: str
    conference_id: uuid.UUID
    agreed_on: date
    agenda_item_id: uuid.UUID | None
    description: str
    owner_agency_id: uuid.UUID
    owner_agency_name: str
    owner_user_id: uuid.UUID | None
    deadline: date
    status: ActionStatus
    overdue: bool
    days_overdue: int
    deadline_version: int
    created_at: datetime
    updated_at: datetime
    closed_on: date | None
    closed_at: datetime | None
    version: int


class StatusReport(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reported_on: date
    status: ActionStatus
    note: str | None
    reporter_user_id: uuid.UUID | None
    reporter_agency_id: uuid.UUID | None
    recorded_at: datetime


class Reassignment(msgspec.Struct, kw_only=True):
    from_agency_id: uuid.UUID | None
    from_user_id: uuid.UUID | None
    to_agency_id: uuid.UUID
    to_user_id: uuid.UUID | None
    reason: str | None
    assigned_at: datetime
    assigned_by: uuid.UUID | None


class Reminder(msgspec.Struct, kw_only=True):
    kind: str
    deadline_version: int
    scheduled_at: datetime
    sent_at: datetime | None
    cancelled_at: datetime | None
    outcome: str | None


class ActionDetail(msgspec.Struct, kw_only=True):
    action: Action
    reports: list[StatusReport]
    reassignments: list[Reassignment]
    reminders: list[Reminder]


# --- chair's view -------------------------------------------------------------------------------------


class Completion(msgspec.Struct, kw_only=True):
    """Counts of actions by outcome.  ``completion_rate`` is completed ÷ actions that should be
    finished by now (closed other than cancelled, or open past their deadline); None when none are."""

    total: int
    open: int
    overdue: int
    completed: int
    not_possible: int
    not_done: int
    cancelled: int
    completion_rate: float | None


class AgencyCompletion(msgspec.Struct, kw_only=True):
    agency_id: uuid.UUID
    agency_name: str
    completion: Completion


class ConferenceCompletion(msgspec.Struct, kw_only=True):
    conference_id: uuid.UUID
    held_on: date
    completion: Completion


class OverdueAction(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    case_reference: str
    owner_agency_id: uuid.UUID
    owner_agency_name: str
    deadline: date
    days_overdue: int


class MonthBucket(msgspec.Struct, kw_only=True):
    """One calendar month (area time): actions agreed, and actions closed by outcome."""

    month: str  # "2026-11"
    agreed: int
    completed: int
    completed_late: int
    not_possible: int
    not_done: int
    cancelled: int
    completion_rate: float | None  # completed ÷ (completed + not possible + not done) closed that month


class ActionDashboard(msgspec.Struct, kw_only=True):
    area_id: uuid.UUID
    as_of: date
    overall: Completion
    by_agency: list[AgencyCompletion]
    by_conference: list[ConferenceCompletion]
    overdue: list[OverdueAction]
    completed_late: int
    average_days_late: float | None  # over actions completed after their deadline
    not_done: int
    not_possible: int
    trend: list[MonthBucket]
