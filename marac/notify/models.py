"""The outbox, conference invitations with their responses, and private calendar-feed tokens.

Conference, case and action ids are stored without foreign keys: the outbox and the invitation state
belong to this package alone, and a message must outlive any later change to what caused it.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marac.db import Base, UUIDPrimaryKey


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    return Enum(kind, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its due time or its next attempt
    SENDING = "sending"  # claimed by a delivery worker until the lease runs out
    SENT = "sent"
    PARKED = "parked"  # given up after repeated or permanent failures; a coordinator may retry it
    WITHDRAWN = "withdrawn"  # stopped before sending: the recipient may no longer receive it


class Notification(UUIDPrimaryKey, Base):
    """One email in the outbox, written in the same transaction as the change that caused it."""

    __tablename__ = "notification"
    __table_args__ = (
        # The delivery sweep's claim: pending rows by next attempt, expired leases by claim time.
        Index("ix_notification_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_notification_area_id_status", "area_id", "status"),
    )

    # The same event never queues twice: enqueue inserts or finds the row with this key.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    recipient_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), index=True
    )
    recipient_address: Mapped[str] = mapped_column(String(254))
    reply_to: Mapped[str | None] = mapped_column(String(254), default=None)
    subject: Mapped[str] = mapped_column(String(300))
    marking: Mapped[str] = mapped_column(String(60))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text, default=None)
    calendar: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    calendar_method: Mapped[str | None] = mapped_column(String(10), default=None)
    message_id: Mapped[str] = mapped_column(String(120))
    # What the message is about, as plain ids (see the module docstring).
    conference_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    action_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    created_at: Mapped[datetime]
    # due_at orders delivery and never changes; next_attempt_at moves with retries.
    due_at: Mapped[datetime]
    # Breaks ties between rows due at the same moment in the order they were queued (see outbox).
    queued_order: Mapped[int] = mapped_column(BigInteger)
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(80), default=None)
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    parked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)


class InvitationMethod(enum.StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


class Response(enum.StrEnum):
    NEEDS_ACTION = "needs_action"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DELEGATED = "delegated"  # a deputy goes instead


class Invitation(Base):
    """What one person was last sent about one conference, and their answer.

    ``last_sequence`` is the SEQUENCE of the last REQUEST or CANCEL sent to this person; every later
    message to them carries a higher one, so their calendar always takes the newest.
    """

    __tablename__ = "conference_invitation"
    __table_args__ = (Index("ix_conference_invitation_area_id_conference_id", "area_id", "conference_id"),)

    conference_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id", ondelete="SET NULL"))
    # Why this person is invited: a standing representative, a deputy named by one, the chair.
    invited_as: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(254))
    last_method: Mapped[InvitationMethod] = mapped_column(_enum(InvitationMethod, "invitation_method"))
    last_sequence: Mapped[int]
    # SHA-256 of the time and place last sent: a change without a raised SEQUENCE is still noticed.
    fingerprint: Mapped[str] = mapped_column(String(64))
    last_sent_at: Mapped[datetime]
    response: Mapped[Response] = mapped_column(
        _enum(Response, "invitation_response"), default=Response.NEEDS_ACTION
    )
    deputy_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), default=None
    )
    response_note: Mapped[str | None] = mapped_column(String(300), default=None)
    responded_at: Mapped[datetime | None] = mapped_column(default=None)


class FeedToken(UUIDPrimaryKey, Base):
    """A user's private calendar-feed token; only its SHA-256 is stored.

    Rotation replaces the hash in place, so the old URL stops working at once; revocation keeps the
    hash so that later fetches of the dead URL can still be recognised and audited.
    """

    __tablename__ = "feed_token"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_fetched_at: Mapped[datetime | None] = mapped_column(default=None)
    # What the feed held when it last changed: drives ETag, Last-Modified and DTSTAMP.
    content_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    content_changed_at: Mapped[datetime | None] = mapped_column(default=None)
