"""Conference series, conferences, agenda items and versions, research status, attendance and notices.

A :class:`ConferenceSeries` holds the rule of a regular MARAC in the area's local time; its meetings
are materialised as :class:`Conference` rows twelve months ahead, each keyed by the date the rule names
(``occurrence_date``) so that a meeting moved or cancelled on its own is never created again.  Accepted
referrals become :class:`AgendaItem` rows; publication freezes the agenda as an :class:`AgendaVersion`.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marac.db import Base, UUIDPrimaryKey


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    # Plain strings with a CHECK constraint, as elsewhere: portable and readable in a database shell.
    return Enum(kind, name=name, native_enum=False, length=40, values_callable=lambda e: [m.value for m in e])


class ConferenceStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # taking referrals; agenda is a draft
    PUBLISHED = "published"  # agenda frozen and sent; later changes make new versions
    HELD = "held"  # the meeting is being (or has been) recorded
    CLOSED = "closed"  # the record is final
    CANCELLED = "cancelled"


class Outcome(enum.StrEnum):
    HEARD = "heard"
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"


class ResearchState(enum.StrEnum):
    NOT_STARTED = "not_started"
    NOTHING_HELD = "nothing_held"
    INFORMATION_HELD = "information_held"
    SHARED = "shared"


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    APOLOGIES = "apologies"
    DEPUTY = "deputy"


class NoticeKind(enum.StrEnum):
    OVERFLOW = "overflow"  # a case did not fit its first conference and went to a later one
    NO_CONFERENCE = "no_conference"  # no upcoming conference has room: schedule one
    URGENT_REFERRAL = "urgent_referral"  # consider calling an extraordinary conference
    AGENDA_PUBLISHED = "agenda_published"  # a version of an agenda was published
    CARRIED_OVER = "carried_over"  # a case not heard was carried to the next conference
    MOVED = "moved"  # a case was moved to another conference (cancelled meeting, coordinator's choice)


class ConferenceSeries(UUIDPrimaryKey, Base):
    """A regular MARAC: when it meets (in the area's time zone), where, for how long, and who attends."""

    __tablename__ = "conference_series"

    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The recurrence rule (see marac.agenda.recurrence.SeriesRule).
    kind: Mapped[str] = mapped_column(String(30))
    weekday: Mapped[int | None] = mapped_column(default=None)
    nth: Mapped[int | None] = mapped_column(default=None)
    interval_weeks: Mapped[int | None] = mapped_column(default=None)
    start_date: Mapped[date]
    end_date: Mapped[date | None] = mapped_column(default=None)
    start_time: Mapped[time]
    duration_minutes: Mapped[int]
    holiday_policy: Mapped[str] = mapped_column(String(10), default="move")
    # Where and with whom.
    location: Mapped[str] = mapped_column(String(300))
    online_link: Mapped[str | None] = mapped_column(String(500), default=None)
    chair_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), default=None
    )
    # Capacity: meeting length ÷ minutes per case, capped by max_cases when set.
    max_cases: Mapped[int | None] = mapped_column(default=None)
    minutes_per_case: Mapped[int]
    # Lead times in working days before each meeting.
    cutoff_working_days: Mapped[int]
    publication_working_days: Mapped[int]
    pack_working_days: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    materialised_until: Mapped[date | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)


class SeriesAgency(Base):
    """A standing attendee agency of a series: it is invited, researches every case and gets packs."""

    __tablename__ = "series_agency"

    series_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conference_series.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SeriesRepresentative(Base):
    """A person who represents their agency at the series' meetings (invitations go to them)."""

    __tablename__ = "series_representative"

    series_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conference_series.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Conference(UUIDPrimaryKey, Base):
    """One meeting.  ``sequence`` goes up on every change of time or place and on cancellation, so
    that calendar updates supersede earlier invitations; ``ical_uid`` never changes."""

    __tablename__ = "conference"
    __table_args__ = (
        UniqueConstraint("series_id", "occurrence_date"),
        Index("ix_conference_area_status_starts", "area_id", "status", "starts_at"),
        Index("ix_conference_status_publish_at", "status", "publish_at"),
    )

    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    series_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conference_series.id", ondelete="CASCADE"), index=True
    )
    # The date the rule names: identifies the occurrence even after a move.  None when extraordinary.
    occurrence_date: Mapped[date | None] = mapped_column(default=None)
    local_date: Mapped[date]  # when it is actually held, in the area's time zone
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[ConferenceStatus] = mapped_column(
        _enum(ConferenceStatus, "conference_status"), default=ConferenceStatus.SCHEDULED
    )
    extraordinary: Mapped[bool] = mapped_column(default=False)
    rescheduled: Mapped[bool] = mapped_column(default=False)  # moved on its own: the series leaves it be
    moved_for_holiday: Mapped[str | None] = mapped_column(String(200), default=None)
    flagged_holiday: Mapped[str | None] = mapped_column(String(200), default=None)
    cut_off: Mapped[datetime]
    publish_at: Mapped[datetime]
    packs_at: Mapped[datetime]
    capacity: Mapped[int]  # discussion slots
    max_cases: Mapped[int | None] = mapped_column(default=None)
    minutes_per_case: Mapped[int]
    location: Mapped[str] = mapped_column(String(300))
    online_link: Mapped[str | None] = mapped_column(String(500), default=None)
    chair_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), default=None
    )
    ical_uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    agenda_version: Mapped[int] = mapped_column(default=0)  # 0 until first published
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    held_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    cancel_reason: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)


class AgendaItem(UUIDPrimaryKey, Base):
    """A case listed at a conference.  ``position`` counts within its section."""

    __tablename__ = "agenda_item"
    __table_args__ = (UniqueConstraint("conference_id", "referral_id"),)

    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conference.id", ondelete="CASCADE"))
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    section: Mapped[str] = mapped_column(String(20))
    position: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    pinned: Mapped[bool] = mapped_column(default=False)
    carried_over: Mapped[bool] = mapped_column(default=False)
    notification_only: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[Outcome | None] = mapped_column(_enum(Outcome, "agenda_outcome"), default=None)
    minutes_enc: Mapped[str | None] = mapped_column(Text, default=None)  # encrypted: narrative
    outcome_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)


class AgendaVersion(UUIDPrimaryKey, Base):
    """A published agenda, frozen: case references, sections and times, never names."""

    __tablename__ = "agenda_version"
    __table_args__ = (UniqueConstraint("conference_id", "number"),)

    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conference.id", ondelete="CASCADE"))
    number: Mapped[int]
    published_at: Mapped[datetime]
    published_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class ResearchStatus(UUIDPrimaryKey, Base):
    """What one agency found about one listed case: the status, not the content.  No row is
    ``not_started``."""

    __tablename__ = "research_status"
    __table_args__ = (UniqueConstraint("agenda_item_id", "agency_id"),)

    agenda_item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    status: Mapped[ResearchState] = mapped_column(_enum(ResearchState, "research_state"))
    note_enc: Mapped[str | None] = mapped_column(Text, default=None)  # encrypted short note
    updated_at: Mapped[datetime]
    updated_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(default=1)


class Attendance(UUIDPrimaryKey, Base):
    """Who came for an agency: its representative, a deputy, or apologies."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("conference_id", "agency_id"),)

    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conference.id", ondelete="CASCADE"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[AttendanceStatus] = mapped_column(_enum(AttendanceStatus, "attendance_status"))
    deputy_name: Mapped[str | None] = mapped_column(String(160), default=None)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(default=1)


class ConferenceNotice(UUIDPrimaryKey, Base):
    """Something the coordinator must be told.  ``message`` holds references only, never names, so it
    can go by email; ``sent_at`` is set once the notification outbox has taken it."""

    __tablename__ = "conference_notice"
    __table_args__ = (Index("ix_conference_notice_area_ack", "area_id", "acknowledged_at"),)

    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    conference_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conference.id", ondelete="SET NULL"), default=None
    )
    referral_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), default=None
    )
    kind: Mapped[NoticeKind] = mapped_column(_enum(NoticeKind, "notice_kind"))
    message: Mapped[str] = mapped_column(String(500))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
