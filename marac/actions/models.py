"""Actions agreed at a conference, their status reports, reassignments, reminders and status requests.

An :class:`Action` is owned by an agency (and optionally one of its people) and has a deadline.  Its
reminders are :class:`ActionReminder` rows planned from the deadline: when the deadline moves,
``deadline_version`` goes up, the rows of the old version are cancelled and new ones planned.  The
description and report notes are narrative that may name people, so they are stored encrypted.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from marac.db import Base, UUIDPrimaryKey


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    # Plain strings with a CHECK constraint, as elsewhere: portable and readable in a database shell.
    return Enum(kind, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    NOT_POSSIBLE = "not_possible"  # circumstances changed
    NOT_DONE = "not_done"  # the agency did not do it
    CANCELLED = "cancelled"


CLOSED_STATUSES = frozenset(
    {ActionStatus.COMPLETED, ActionStatus.NOT_POSSIBLE, ActionStatus.NOT_DONE, ActionStatus.CANCELLED}
)


class Action(UUIDPrimaryKey, Base):
    """Something a conference agreed an agency will do for a case, by a deadline."""

    __tablename__ = "marac_action"
    __table_args__ = (
        UniqueConstraint("area_id", "reference"),
        Index("ix_marac_action_area_status_deadline", "area_id", "status", "deadline"),
        Index("ix_marac_action_owner_agency_status", "owner_agency_id", "status"),
    )

    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conference.id"), index=True)
    agenda_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL"), default=None
    )
    # "A-0001", per area: safe in emails and calendars.
    reference: Mapped[str] = mapped_column(String(20))
    description_enc: Mapped[str] = mapped_column(Text)
    owner_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), default=None, index=True
    )
    deadline: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(
        _enum(ActionStatus, "action_status"), default=ActionStatus.OPEN
    )
    # Goes up whenever the deadline changes: reminders planned for an older version are void.
    deadline_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    updated_at: Mapped[datetime]
    # The date the closing report gives (days late are counted from it) and when it was recorded.
    closed_on: Mapped[date | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(default=1)


class StatusReport(UUIDPrimaryKey, Base):
    """A dated report on an action: progress (``open``) or its outcome, with an optional note."""

    __tablename__ = "action_status_report"

    action_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("marac_action.id", ondelete="CASCADE"), index=True
    )
    reported_on: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(_enum(ActionStatus, "action_report_status"))
    note_enc: Mapped[str | None] = mapped_column(Text, default=None)
    reporter_user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    reporter_agency_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    recorded_at: Mapped[datetime]


class Reassignment(UUIDPrimaryKey, Base):
    """One change of owner (agency and/or person); the first row records the owner agreed."""

    __tablename__ = "action_reassignment"

    action_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("marac_action.id", ondelete="CASCADE"), index=True
    )
    from_agency_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    from_user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    to_agency_id: Mapped[uuid.UUID]
    to_user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    reason: Mapped[str | None] = mapped_column(String(300), default=None)
    assigned_at: Mapped[datetime]
    assigned_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


class ActionReminder(UUIDPrimaryKey, Base):
    """One planned message about an action: ``before-7``, ``due``, ``overdue-8``, ``escalation``…

    ``scheduled_at`` is derived from the deadline of ``deadline_version``.  A row is finished when it
    is sent (``sent_at``, with the outbox key it went under) or cancelled; the sweep reads only
    unfinished rows, through a partial index.
    """

    __tablename__ = "action_reminder"
    __table_args__ = (
        UniqueConstraint("action_id", "kind", "deadline_version"),
        Index(
            "ix_action_reminder_due",
            # The sweep's order: it reads due rows by (scheduled_at, id) and continues after the last.
            "scheduled_at",
            "id",
            sqlite_where=text("sent_at IS NULL AND cancelled_at IS NULL"),
            postgresql_where=text("sent_at IS NULL AND cancelled_at IS NULL"),
        ),
    )

    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_action.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    deadline_version: Mapped[int]
    scheduled_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    # How it went: "sent", "digest" (part of a daily digest), "no_recipient" (nobody may receive it)
    # or "cancelled".
    outcome: Mapped[str | None] = mapped_column(String(20), default=None)
    # The outbox key of the digest it went in; a single email's key follows from the row itself:
    # reminder:{action_id}:{kind}:{deadline_version} (with ":{recipient}" for several chairs).
    notification_key: Mapped[str | None] = mapped_column(String(200), default=None)


class StatusRequest(Base):
    """The request to one agency to report on its open actions before one conference (sent once)."""

    __tablename__ = "action_status_request"

    conference_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conference.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    sent_at: Mapped[datetime]
    action_count: Mapped[int]
    notification_key: Mapped[str | None] = mapped_column(String(200), default=None)
