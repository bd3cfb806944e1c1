"""Request and response shapes of the notifications API (msgspec: strict, unknown fields refused)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from marac.notify.models import DeliveryStatus, Response


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class ConferenceResponseCreate(Strict):
    """Accept, decline, or name a deputy from the same agency (``delegated`` + ``deputy_user_id``)."""

    response: Literal["accepted", "declined", "delegated"]
    deputy_user_id: uuid.UUID | None = None
    # Seen by the coordinator only, never emailed: practical notes ("joining late"), not case details.
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=300)] | None = None


class ConferenceResponse(msgspec.Struct, kw_only=True):
    """One person's invitation to a conference and their answer."""

    conference_id: uuid.UUID
    user_id: uuid.UUID
    name: str
    email: str
    agency_id: uuid.UUID | None
    agency_name: str | None
    invited_as: str
    invited: bool  # False once a cancellation was sent to them
    sequence: int
    last_sent_at: datetime
    response: Response
    deputy_user_id: uuid.UUID | None
    deputy_name: str | None
    note: str | None
    responded_at: datetime | None
    current: bool  # answered after the latest invitation or update


class Notification(msgspec.Struct, kw_only=True):
    """An outbox message as the coordinator sees it (subject and addresses carry no case details)."""

    id: uuid.UUID
    kind: str
    status: DeliveryStatus
    recipient_address: str
    subject: str
    conference_id: uuid.UUID | None
    case_id: uuid.UUID | None
    action_id: uuid.UUID | None
    created_at: datetime
    due_at: datetime
    next_attempt_at: datetime
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    parked_at: datetime | None


class CalendarFeed(msgspec.Struct, kw_only=True):
    """The state of the user's private feed; the URL itself is only shown when it is made."""

    active: bool
    prefix: str | None
    created_at: datetime | None
    revoked_at: datetime | None
    last_fetched_at: datetime | None


class CalendarFeedLink(msgspec.Struct, kw_only=True):
    """A new feed URL: keep it private, anyone holding it can read the feed until it is rotated."""

    url: str
    webcal_url: str
    prefix: str
    created_at: datetime
