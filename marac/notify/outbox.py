"""Queueing emails: every message is an outbox row written in the caller's transaction.

The idempotency key makes queueing safe to repeat: the same event (an invitation at one SEQUENCE, a
reminder for one deadline) produces the same key, and a second :func:`enqueue` finds the first row
instead of adding another.  Rows are inserted with ``INSERT … ON CONFLICT DO NOTHING`` on both
PostgreSQL and SQLite, so two transactions racing on one key cannot both queue it nor fail.

Nobody on a case's must-not-receive list is ever queued anything about that case.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Dialect, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.cases.access import excluded_user_ids as case_exclusions
from marac.cases.access import exclusions_for_cases
from marac.clock import Clock, ensure_utc
from marac.db import insert_ignoring_conflicts
from marac.notify.bulk import bound_tuples, untyped_table
from marac.notify.mime import make_message_id, marked_subject
from marac.notify.models import DeliveryStatus, Notification
from marac.settings import Settings

# What may not appear in a header value, and what makes an address more than one plain address:
# checked for every draft, so as compiled patterns rather than a loop per character.
_HEADER_BREAK = re.compile("[\r\n]")
_NOT_ONE_ADDRESS = re.compile("[\r\n, ]")
_CHUNK = 500
_CASE_CHUNK = 5000  # ids per IN (…): well inside both databases' parameter limits


@dataclass(frozen=True, slots=True, kw_only=True)
class Draft:
    """One email to one person, ready to queue.

    ``subject`` and the bodies must carry case references only — never names, dates of birth,
    addresses, risk answers or narrative.  ``case_id`` names the case the message is about, so that
    the case's must-not-receive list applies; ``due_at`` defaults to now.
    """

    key: str
    kind: str
    to: str
    subject: str
    text: str
    marking: str
    html: str | None = None
    reply_to: str | None = None
    recipient_user_id: uuid.UUID | None = None
    area_id: uuid.UUID | None = None
    conference_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    action_id: uuid.UUID | None = None
    calendar: bytes | None = None
    calendar_method: str | None = None
    due_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.key or len(self.key) > 200:
            raise ValueError("an idempotency key of 1 to 200 characters is required")
        if "@" not in self.to or _NOT_ONE_ADDRESS.search(self.to):
            raise ValueError(f"{self.to!r} is not one plain email address")
        for name, value in (
            ("subject", self.subject),
            ("reply_to", self.reply_to),
            ("marking", self.marking),
        ):
            if value is not None and _HEADER_BREAK.search(value):
                raise ValueError(f"{name} must not contain line breaks")
        if (self.calendar is None) != (self.calendar_method is None):
            raise ValueError("a calendar and its METHOD go together")
        if self.due_at is not None:
            object.__setattr__(self, "due_at", ensure_utc(self.due_at))


async def excluded_user_ids(session: AsyncSession, case_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """Users on the case's must-not-receive list (the cases domain keeps it)."""
    return frozenset(await case_exclusions(session, case_id))


def message_domain(settings: Settings) -> str:
    """The right-hand side of our Message-IDs: the sender's domain."""
    domain = settings.mail.sender.rpartition("@")[2].strip(" >")
    return domain or "localhost"


async def enqueue(
    session: AsyncSession, clock: Clock, settings: Settings, draft: Draft
) -> Notification | None:
    """Queue one message, or find it if its key was queued before.

    Returns the outbox row (new or existing), or None when the recipient is on the must-not-receive
    list of ``draft.case_id``.  Nothing is committed: the row joins the caller's transaction.
    """
    rows = await enqueue_many(session, clock, settings, [draft])
    return rows[0]


async def enqueue_many(
    session: AsyncSession, clock: Clock, settings: Settings, drafts: Sequence[Draft]
) -> list[Notification | None]:
    """Queue several messages in one statement; one result per draft, in order (see :func:`enqueue`)."""
    allowed = await _queue(session, clock, settings, drafts)
    if not allowed:
        return [None] * len(drafts)
    keys = list(dict.fromkeys(allowed))
    found: dict[str, Notification] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        result = await session.scalars(select(Notification).where(Notification.idempotency_key.in_(chunk)))
        found.update((row.idempotency_key, row) for row in result)
    return [found.get(draft.key) if draft.key in allowed else None for draft in drafts]


async def enqueue_count(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    drafts: Sequence[Draft],
    *,
    exclusions: Mapping[uuid.UUID, set[uuid.UUID]] | None = None,
) -> int:
    """Queue several messages like :func:`enqueue_many` and return how many drafts were queued or found
    queued before — without reading the rows back, for sweeps that queue thousands and need a count.

    ``exclusions``: the must-not-receive lists of every case the drafts name, as
    :func:`~marac.cases.access.exclusions_for_cases` returned them in this transaction, for a caller
    that read them already; otherwise they are read here.
    """
    allowed = await _queue(session, clock, settings, drafts, exclusions)
    return sum(1 for draft in drafts if draft.key in allowed)


async def _queue(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    drafts: Sequence[Draft],
    exclusions: Mapping[uuid.UUID, set[uuid.UUID]] | None = None,
) -> set[str]:
    """Insert the rows of the drafts their recipients may receive; returns those drafts' keys."""
    if not drafts:
        return set()
    allowed = await _not_excluded(session, drafts, exclusions)
    now = clock.now()
    domain = message_domain(settings)
    chosen = [draft for draft in drafts if draft.key in allowed]
    ids = random_ids(len(chosen))
    values = [_row(draft, row_id, now, domain) for draft, row_id in zip(chosen, ids, strict=True)]
    if values:
        # One statement compiled once per database and handed to the driver with every row as a plain
        # tuple: SQLAlchemy's work per row and per value would cost more than the database's.  Values are
        # converted as the columns' types convert them, once per distinct value (see notify.bulk).
        connection = await session.connection()
        sql, names = _insert_statement(connection.dialect, tuple(values[0]))
        rows = bound_tuples(_outbox_table(), names, values, connection.dialect)
        await connection.exec_driver_sql(sql, rows)
    return allowed


async def _not_excluded(
    session: AsyncSession,
    drafts: Sequence[Draft],
    known: Mapping[uuid.UUID, set[uuid.UUID]] | None = None,
) -> set[str]:
    # Every case's must-not-receive list in a query per few thousand cases, not a query per case.
    case_ids = [d.case_id for d in drafts if d.case_id is not None and d.recipient_user_id is not None]
    unique = list(dict.fromkeys(case_ids))
    excluded: dict[uuid.UUID, set[uuid.UUID]] = {}
    if known is not None:
        # A case missing from the caller's lists is read here rather than taken as unrestricted.
        excluded.update((case_id, known[case_id]) for case_id in unique if case_id in known)
        unique = [case_id for case_id in unique if case_id not in known]
    for start in range(0, len(unique), _CASE_CHUNK):
        excluded.update(await exclusions_for_cases(session, unique[start : start + _CASE_CHUNK]))
    return {
        draft.key
        for draft in drafts
        if draft.case_id is None
        or draft.recipient_user_id is None
        or draft.recipient_user_id not in excluded[draft.case_id]
    }


class _QueueOrder:
    """Increasing numbers for rows queued at the same clock time: the wall clock in nanoseconds, made
    strictly increasing within the process (rows of one change are queued by one process)."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        self._last = max(self._last + 1, time.time_ns())
        return self._last


_queue_order = _QueueOrder()


def random_ids(count: int) -> list[uuid.UUID]:
    """``count`` random (version 4) UUIDs, as :func:`uuid.uuid4` makes them but from one read of the
    system's random source: sweeps that write thousands of rows would otherwise make a call each."""
    raw = os.urandom(16 * count)
    return [uuid.UUID(bytes=raw[start : start + 16], version=4) for start in range(0, 16 * count, 16)]


def _row(draft: Draft, row_id: uuid.UUID, now: datetime, domain: str) -> dict[str, Any]:
    due = draft.due_at or now
    return {
        "id": row_id,
        "idempotency_key": draft.key,
        "kind": draft.kind,
        "area_id": draft.area_id,
        "recipient_user_id": draft.recipient_user_id,
        "recipient_address": draft.to,
        "reply_to": draft.reply_to,
        "subject": marked_subject(draft.subject, draft.marking)[:300],
        "marking": draft.marking,
        "text_body": draft.text,
        "html_body": draft.html,
        "calendar": draft.calendar,
        "calendar_method": draft.calendar_method,
        "message_id": make_message_id(draft.key, domain),
        "conference_id": draft.conference_id,
        "case_id": draft.case_id,
        "action_id": draft.action_id,
        "status": DeliveryStatus.PENDING,
        "created_at": now,
        "due_at": due,
        "queued_order": _queue_order.next(),
        "next_attempt_at": due,
        "attempts": 0,
    }


def _outbox_table() -> Table:
    table = Notification.__table__
    assert isinstance(table, Table)
    return table


_UNTYPED_OUTBOX = untyped_table(_outbox_table())


@lru_cache(maxsize=4)
def _insert_statement(dialect: Dialect, columns: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """``INSERT … ON CONFLICT (idempotency_key) DO NOTHING`` of rows setting ``columns`` (those of
    :func:`_row`) for this database, as SQL with positional parameters and the columns they take, in order."""
    statement = insert_ignoring_conflicts(dialect, _UNTYPED_OUTBOX, ["idempotency_key"])
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    assert compiled.positiontup is not None, "both databases' drivers take positional parameters"
    return compiled.string, tuple(compiled.positiontup)


__all__ = [
    "Draft",
    "enqueue",
    "enqueue_count",
    "enqueue_many",
    "excluded_user_ids",
    "message_domain",
    "random_ids",
]
