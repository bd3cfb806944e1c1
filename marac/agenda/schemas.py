"""Request and response shapes of the conference and agenda API (msgspec: strict, unknown fields refused).

Agenda shapes carry case and referral references, sections and times only — never names.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from marac.agenda.models import AttendanceStatus, ConferenceStatus, NoticeKind, Outcome, ResearchState

LocalTime = Annotated[
    str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Local wall-clock time, HH:MM")
]
SeriesName = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
Location = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
OnlineLink = Annotated[
    str, msgspec.Meta(max_length=500, pattern=r"^https://[^\s<>\"]+$", description="An https:// link")
]
Duration = Annotated[int, msgspec.Meta(ge=30, le=600, description="Meeting length in minutes")]
MinutesPerCase = Annotated[int, msgspec.Meta(ge=5, le=60)]
MaxCases = Annotated[int, msgspec.Meta(ge=1, le=100)]
WorkingDays = Annotated[int, msgspec.Meta(ge=0, le=60)]
Weekday = Annotated[int, msgspec.Meta(ge=0, le=4, description="0 = Monday … 4 = Friday")]
IntervalWeeks = Annotated[int, msgspec.Meta(ge=1, le=8)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Position = Annotated[int, msgspec.Meta(ge=1, le=200)]
Minutes = Annotated[str, msgspec.Meta(max_length=20_000)]
ResearchNote = Annotated[str, msgspec.Meta(max_length=500)]
PersonName = Annotated[str, msgspec.Meta(min_length=1, max_length=160)]
SeriesKind = Literal["monthly_nth_weekday", "every_n_weeks"]
HolidayPolicy = Literal["move", "flag"]
Nth = Literal[1, 2, 3, 4, -1]
Ids = Annotated[list[uuid.UUID], msgspec.Meta(max_length=100)]
UNSET = msgspec.UNSET
Unset = msgspec.UnsetType


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


# Series ----------------------------------------------------------------------------------------------


class ConferenceSeriesCreate(Strict):
    name: SeriesName
    kind: SeriesKind
    start_date: date
    start_time: LocalTime
    duration_minutes: Duration
    location: Location
    weekday: Weekday | None = None
    nth: Nth | None = None
    interval_weeks: IntervalWeeks | None = None
    end_date: date | None = None
    holiday_policy: HolidayPolicy | None = None  # the area's setting when not given
    online_link: OnlineLink | None = None
    chair_user_id: uuid.UUID | None = None
    max_cases: MaxCases | None = None
    minutes_per_case: MinutesPerCase | None = None
    agency_ids: Ids = msgspec.field(default_factory=list)
    representative_ids: Ids = msgspec.field(default_factory=list)
    cutoff_working_days: WorkingDays | None = None
    publication_working_days: WorkingDays | None = None
    pack_working_days: WorkingDays | None = None


class ConferenceSeriesUpdate(Strict):
    version: int
    name: SeriesName | Unset = UNSET
    kind: SeriesKind | Unset = UNSET
    start_date: date | Unset = UNSET
    start_time: LocalTime | Unset = UNSET
    duration_minutes: Duration | Unset = UNSET
    location: Location | Unset = UNSET
    weekday: Weekday | Unset | None = UNSET
    nth: Nth | Unset | None = UNSET
    interval_weeks: IntervalWeeks | Unset | None = UNSET
    end_date: date | Unset | None = UNSET
    holiday_policy: HolidayPolicy | Unset = UNSET
    online_link: OnlineLink | Unset | None = UNSET
    chair_user_id: uuid.UUID | Unset | None = UNSET
    max_cases: MaxCases | Unset | None = UNSET
    minutes_per_case: MinutesPerCase | Unset = UNSET
    agency_ids: Ids | Unset = UNSET
    representative_ids: Ids | Unset = UNSET
    cutoff_working_days: WorkingDays | Unset = UNSET
    publication_working_days: WorkingDays | Unset = UNSET
    pack_working_days: WorkingDays | Unset = UNSET


class ConferenceSeriesOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    area_id: uuid.UUID
    name: str
    kind: str
    weekday: int | None
    nth: int | None
    interval_weeks: int | None
    start_date: date
    end_date: date | None
    start_time: str
    duration_minutes: int
    timezone: str
    holiday_policy: str
    location: str
    online_link: str | None
    chair_user_id: uuid.UUID | None
    max_cases: int | None
    minutes_per_case: int
    capacity: int
    agency_ids: list[uuid.UUID]
    representative_ids: list[uuid.UUID]
    cutoff_working_days: int
    publication_working_days: int
    pack_working_days: int
    active: bool
    materialised_until: date | None
    version: int


# Conferences -----------------------------------------------------------------------------------------


class ConferenceOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    area_id: uuid.UUID
    series_id: uuid.UUID
    status: ConferenceStatus
    extraordinary: bool
    occurrence_date: date | None
    local_date: date
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str
    online_link: str | None
    chair_user_id: uuid.UUID | None
    capacity: int
    minutes_per_case: int
    max_cases: int | None
    cases_listed: int
    cut_off: datetime
    publish_at: datetime
    packs_at: datetime
    moved_for_holiday: str | None
    flagged_holiday: str | None
    rescheduled: bool
    ical_uid: str
    sequence: int
    agenda_version: int
    published_at: datetime | None
    held_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    version: int


class ConferenceMove(Strict):
    """Move one meeting: a new local date and optionally time, length or place."""

    version: int
    local_date: date
    start_time: LocalTime | Unset = UNSET
    duration_minutes: Duration | Unset = UNSET
    location: Location | Unset = UNSET
    online_link: OnlineLink | Unset | None = UNSET


class ConferenceCancel(Strict):
    version: int
    reason: Reason


class ExtraordinaryConferenceCreate(Strict):
    """An extra meeting at short notice for urgent cases, with the series' agencies and place."""

    local_date: date
    start_time: LocalTime
    duration_minutes: Duration | None = None
    location: Location | None = None
    online_link: OnlineLink | None = None
    referral_ids: Ids = msgspec.field(default_factory=list)


class ConferenceClose(Strict):
    version: int


# Agenda ----------------------------------------------------------------------------------------------


class AgendaLine(msgspec.Struct, kw_only=True):
    item_id: uuid.UUID
    case_reference: str
    referral_reference: str
    referring_agency: str
    starts_at: datetime
    ends_at: datetime
    repeat: bool
    carried_over: bool
    notification_only: bool


class AgendaSectionOut(msgspec.Struct, kw_only=True):
    key: str
    title: str
    starts_at: datetime
    ends_at: datetime
    items: list[AgendaLine]


class PreviousActionLine(msgspec.Struct, kw_only=True):
    reference: str
    case_reference: str
    owner_agency: str
    deadline: date
    status: str


class AgendaChange(msgspec.Struct, kw_only=True):
    change: str
    detail: str
    case_reference: str | None = None


class Agenda(msgspec.Struct, kw_only=True):
    conference_id: uuid.UUID
    status: ConferenceStatus
    version: int  # 0 is the coordinator's live draft
    draft: bool
    published_at: datetime | None
    starts_at: datetime
    ends_at: datetime
    local_date: date
    location: str
    online_link: str | None
    extraordinary: bool
    sections: list[AgendaSectionOut]
    previous_actions: list[PreviousActionLine]
    changes: list[AgendaChange]  # since the previous version


class AgendaVersionOut(msgspec.Struct, kw_only=True):
    number: int
    published_at: datetime
    changes: list[AgendaChange]


class AgendaItemMove(Strict):
    """Move an item to another open conference of the area and/or to a place in its section (pins it)."""

    version: int
    conference_id: uuid.UUID | None = None
    position: Position | None = None


class AgendaItemPin(Strict):
    version: int
    pinned: bool
    position: Position | None = None


class AgendaItemDefer(Strict):
    version: int


class AgendaItemOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    conference_id: uuid.UUID
    case_reference: str
    section: str
    position: int
    starts_at: datetime
    ends_at: datetime
    pinned: bool
    carried_over: bool
    notification_only: bool
    outcome: Outcome | None
    version: int


# Research --------------------------------------------------------------------------------------------


class ResearchUpdate(Strict):
    status: ResearchState
    note: ResearchNote | None = None
    version: int = 0  # the version read; 0 when nothing was recorded yet


class ResearchEntryOut(msgspec.Struct, kw_only=True):
    agency_id: uuid.UUID
    agency: str
    status: ResearchState
    note: str | None
    updated_at: datetime | None
    version: int


class ResearchItemOut(msgspec.Struct, kw_only=True):
    item_id: uuid.UUID
    case_reference: str
    section: str
    entries: list[ResearchEntryOut]


class ResearchProgress(msgspec.Struct, kw_only=True):
    agency_id: uuid.UUID
    agency: str
    responded: int
    outstanding: int


class ResearchBoard(msgspec.Struct, kw_only=True):
    conference_id: uuid.UUID
    items: list[ResearchItemOut]
    progress: list[ResearchProgress]
    not_responded: list[uuid.UUID]  # agencies with at least one case not started


# Meeting ---------------------------------------------------------------------------------------------


class AttendanceUpdate(Strict):
    status: AttendanceStatus
    user_id: uuid.UUID | None = None
    deputy_name: PersonName | None = None


class AttendanceOut(msgspec.Struct, kw_only=True):
    agency_id: uuid.UUID
    agency: str
    status: AttendanceStatus | None  # None: not recorded yet
    user_id: uuid.UUID | None
    deputy_name: str | None
    recorded_at: datetime | None


class OutcomeUpdate(Strict):
    version: int
    outcome: Outcome
    minutes: Minutes | Unset = UNSET


class MinutesUpdate(Strict):
    version: int
    minutes: Minutes


class MeetingItemOut(msgspec.Struct, kw_only=True):
    item_id: uuid.UUID
    case_reference: str
    section: str
    position: int
    notification_only: bool
    outcome: Outcome | None
    minutes: str | None
    version: int


class MeetingRecord(msgspec.Struct, kw_only=True):
    conference_id: uuid.UUID
    status: ConferenceStatus
    attendance: list[AttendanceOut]
    items: list[MeetingItemOut]
    version: int


# Notices ---------------------------------------------------------------------------------------------


class ConferenceNoticeOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: NoticeKind
    message: str
    conference_id: uuid.UUID | None
    referral_id: uuid.UUID | None
    created_at: datetime
    acknowledged_at: datetime | None
