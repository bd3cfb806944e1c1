"""What the meeting screen shows, read once per request into plain values.

Attendance, then every case in agenda order with its outcome, minutes and the actions agreed for it,
and what the "add an action" form offers (owner agencies and people, a deadline by the next meeting).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.actions.models import ActionStatus
from marac.actions.views import list_actions
from marac.agenda.meeting import MEETING_OPENS_BEFORE, AttendanceLine, MeetingLine, meeting_record
from marac.agenda.meeting_controllers import cipher_of
from marac.agenda.models import AttendanceStatus, Conference, ConferenceStatus, Outcome
from marac.cases.models import Referral
from marac.clock import Clock
from marac.runtime import Runtime
from marac.web.actions_shared import (
    ActionRow,
    OwnerOptions,
    action_rows,
    default_deadline,
    owner_options,
)
from marac.web.forms import FormState

OUTCOME_CHOICES = [
    (Outcome.HEARD.value, "Heard"),
    (Outcome.DEFERRED.value, "Deferred to the next meeting"),
    (Outcome.WITHDRAWN.value, "Withdrawn"),
]
OUTCOME_LABELS = dict(OUTCOME_CHOICES)
ATTENDANCE_CHOICES = [
    (AttendanceStatus.PRESENT.value, "Present"),
    (AttendanceStatus.APOLOGIES.value, "Apologies"),
    (AttendanceStatus.DEPUTY.value, "Deputy attended"),
]
ATTENDANCE_LABELS = dict(ATTENDANCE_CHOICES)
STATUS_LABELS = {
    ConferenceStatus.SCHEDULED: "Agenda not published",
    ConferenceStatus.PUBLISHED: "Agenda published",
    ConferenceStatus.HELD: "Meeting in progress",
    ConferenceStatus.CLOSED: "Closed: the record is final",
    ConferenceStatus.CANCELLED: "Cancelled",
}


@dataclass(frozen=True)
class ConferenceFacts:
    id: uuid.UUID
    local_date: date
    starts_at: datetime
    location: str
    status: ConferenceStatus
    status_label: str
    version: int
    recording: bool  # outcomes, minutes and attendance may be written now
    started: bool  # actions may be agreed (from the start time)

    @classmethod
    def of(cls, conference: Conference, now: datetime) -> ConferenceFacts:
        live = conference.status in (ConferenceStatus.PUBLISHED, ConferenceStatus.HELD)
        return cls(
            id=conference.id,
            local_date=conference.local_date,
            starts_at=conference.starts_at,
            location=conference.location,
            status=conference.status,
            status_label=STATUS_LABELS[conference.status],
            version=conference.version,
            recording=live and now >= conference.starts_at - MEETING_OPENS_BEFORE,
            started=live and now >= conference.starts_at,
        )

    @property
    def closed(self) -> bool:
        return self.status in (ConferenceStatus.CLOSED, ConferenceStatus.CANCELLED)


@dataclass(frozen=True)
class AttendanceRow:
    agency_id: uuid.UUID
    agency: str
    status: str  # "" until recorded
    status_label: str
    deputy_name: str

    @classmethod
    def of(cls, line: AttendanceLine) -> AttendanceRow:
        row = line.attendance
        status = row.status.value if row else ""
        return cls(
            line.agency_id,
            line.agency,
            status,
            ATTENDANCE_LABELS.get(status, "Not recorded"),
            (row.deputy_name or "") if row else "",
        )

    def form(self) -> FormState:
        return FormState({"status": self.status, "deputy_name": self.deputy_name})


@dataclass(frozen=True)
class CaseRow:
    """One case of the agenda with its record and the actions agreed for it at this meeting."""

    item_id: uuid.UUID
    case_id: uuid.UUID
    number: int
    case_reference: str
    section: str
    notification_only: bool
    outcome: str
    outcome_label: str
    minutes: str
    version: int
    default_agency_id: uuid.UUID | None
    actions: tuple[ActionRow, ...] = ()

    @classmethod
    def of(cls, number: int, line: MeetingLine, default_agency_id: uuid.UUID | None) -> CaseRow:
        item = line.item
        outcome = item.outcome.value if item.outcome else ""
        return cls(
            item_id=item.id,
            case_id=item.case_id,
            number=number,
            case_reference=line.case_reference,
            section=item.section,
            notification_only=item.notification_only,
            outcome=outcome,
            outcome_label=OUTCOME_LABELS.get(outcome, "No outcome yet"),
            minutes=line.minutes or "",
            version=item.version,
            default_agency_id=default_agency_id,
        )

    def record_form(self) -> FormState:
        return FormState({"outcome": self.outcome, "minutes": self.minutes, "version": str(self.version)})


@dataclass(frozen=True)
class MeetingScreen:
    conference: ConferenceFacts
    attendance: tuple[AttendanceRow, ...]
    cases: tuple[CaseRow, ...]
    owners: OwnerOptions
    deadline: date
    open_actions: int = field(default=0)

    @property
    def discussed(self) -> tuple[CaseRow, ...]:
        return tuple(case for case in self.cases if not case.notification_only)

    @property
    def for_notification(self) -> tuple[CaseRow, ...]:
        return tuple(case for case in self.cases if case.notification_only)

    @property
    def without_outcome(self) -> int:
        return sum(1 for case in self.discussed if not case.outcome)

    def case(self, item_id: uuid.UUID) -> CaseRow | None:
        return next((case for case in self.cases if case.item_id == item_id), None)

    def action_form(self, case: CaseRow) -> FormState:
        """The blank "add an action" form: the referring agency owns it, due by the next meeting."""
        agency = str(case.default_agency_id) if case.default_agency_id else ""
        return FormState({"owner_agency_id": agency, "deadline": self.deadline.isoformat()})


async def referring_agencies(db: AsyncSession, referral_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """The agency that referred each case: the sensible first owner of an action about it."""
    if not referral_ids:
        return {}
    rows = await db.execute(
        select(Referral.id, Referral.referring_agency_id).where(Referral.id.in_(referral_ids))
    )
    return {row[0]: row[1] for row in rows.all()}


async def conference_actions(
    db: AsyncSession,
    clock: Clock,
    actor: Actor,
    runtime: Runtime,
    area_id: uuid.UUID,
    conference_id: uuid.UUID,
    case_id: uuid.UUID | None = None,
) -> list[ActionRow]:
    """Actions agreed at this conference (for one case, if given), in the order they were agreed."""
    actions = await list_actions(
        db, clock, actor, runtime.protector, area_id, conference_id=conference_id, case_id=case_id
    )
    rows = await action_rows(db, actions)
    return sorted(rows, key=lambda row: row.reference)


async def meeting_screen(
    db: AsyncSession,
    clock: Clock,
    actor: Actor,
    runtime: Runtime,
    area_id: uuid.UUID,
    conference_id: uuid.UUID,
) -> MeetingScreen:
    """The whole screen (the record read and the action list are audited by their services)."""
    view = await meeting_record(db, clock, actor, conference_id, cipher_of(runtime))
    conference = view.conference
    agencies = await referring_agencies(db, [line.item.referral_id for line in view.lines])
    actions = await conference_actions(db, clock, actor, runtime, area_id, conference.id)
    by_case: dict[uuid.UUID, list[ActionRow]] = {}
    for action in actions:
        by_case.setdefault(action.case_id, []).append(action)
    cases = tuple(
        replace(
            CaseRow.of(number, line, agencies.get(line.item.referral_id)),
            actions=tuple(by_case.get(line.item.case_id, ())),
        )
        for number, line in enumerate(view.lines, start=1)
    )
    return MeetingScreen(
        conference=ConferenceFacts.of(conference, clock.now()),
        attendance=tuple(AttendanceRow.of(line) for line in view.attendance),
        cases=cases,
        owners=await owner_options(db, area_id),
        deadline=await default_deadline(db, conference),
        open_actions=sum(1 for action in actions if action.status == ActionStatus.OPEN),
    )
