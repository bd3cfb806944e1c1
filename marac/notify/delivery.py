"""The delivery sweep: claim due outbox rows, send them, record what happened.

Several workers may sweep at once.  A claim marks rows ``sending`` with a random claim token in a short
transaction of its own (``FOR UPDATE SKIP LOCKED`` on PostgreSQL so that workers take disjoint rows
without waiting; on SQLite every write transaction is ``BEGIN IMMEDIATE`` and the conditional update
re-checks the status, so two claimers never share a row).  Sending happens outside any transaction,
and the result is recorded in a third one — only for rows still carrying our token.

Each message is recorded as sent, in a transaction of its own, as soon as the server has accepted it and
before the next one goes, so a worker killed mid-batch leaves only unsent rows ``sending``; once the
lease runs out another sweep claims and sends them.  Only a worker killed in the milliseconds between
the server's acceptance and that commit leaves one message to go again, with the same Message-ID,
which mail clients recognise: delivery is never lost, and repeated at most for that one message.

Failures: a refused or broken message is retried with exponential backoff (bounded jitter) and
parked after ``max_attempts``; a permanent refusal parks it at once.  An unreachable server is an
outage, not the message's fault: the whole due queue is held back together, which keeps messages in
order of due time once the server returns, and nothing is parked for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from marac.access.models import User
from marac.clock import Clock
from marac.db import transaction
from marac.notify.mime import RawMail, build_raw
from marac.notify.models import DeliveryStatus, Notification
from marac.notify.outbox import excluded_user_ids
from marac.notify.transports import ServerUnavailable, Transport, TransportError
from marac.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the sweep claims, retries and gives up.  Read from ``MARAC_MAIL_*`` variables."""

    batch_size: int = 100
    lease_seconds: int = 300
    max_attempts: int = 8
    retry_base_seconds: float = 60.0
    retry_max_seconds: float = 6 * 3600.0
    jitter: float = 0.25  # a retry waits up to this fraction longer, so workers do not retry in step
    max_batches: int = 50  # per sweep run, so that one run cannot hog the scheduler

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.lease_seconds < 1 or self.max_attempts < 1 or self.max_batches < 1:
            raise ValueError("delivery batch size, lease, attempts and batches must be positive")
        if not 0 <= self.jitter <= 1 or self.retry_base_seconds <= 0:
            raise ValueError("retry jitter must be within 0..1 and the base delay positive")

    @classmethod
    def from_env(cls) -> DeliveryPolicy:
        """``MARAC_MAIL_BATCH_SIZE``, ``…_LEASE_SECONDS``, ``…_MAX_ATTEMPTS``, ``…_RETRY_BASE_SECONDS``,
        ``…_RETRY_MAX_SECONDS``; anything unset keeps its default."""

        def number(name: str, default: float) -> float:
            raw = os.environ.get(f"MARAC_MAIL_{name}")
            return float(raw) if raw else default

        default = cls()
        return cls(
            batch_size=int(number("BATCH_SIZE", default.batch_size)),
            lease_seconds=int(number("LEASE_SECONDS", default.lease_seconds)),
            max_attempts=int(number("MAX_ATTEMPTS", default.max_attempts)),
            retry_base_seconds=number("RETRY_BASE_SECONDS", default.retry_base_seconds),
            retry_max_seconds=number("RETRY_MAX_SECONDS", default.retry_max_seconds),
        )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    def retry_delay(self, attempts: int, rng: random.Random) -> timedelta:
        """Wait before the next attempt: base * 2**(attempts - 1), capped, plus up to ``jitter`` more."""
        exponent = min(max(attempts - 1, 0), 30)
        delay = min(self.retry_base_seconds * 2**exponent, self.retry_max_seconds)
        return timedelta(seconds=delay * (1 + self.jitter * rng.random()))


@dataclass
class DeliveryReport:
    """What one sweep did; ids are outbox row ids."""

    sent: list[uuid.UUID] = field(default_factory=list)
    retrying: list[uuid.UUID] = field(default_factory=list)
    parked: list[uuid.UUID] = field(default_factory=list)
    withdrawn: list[uuid.UUID] = field(default_factory=list)
    outage: str | None = None

    @property
    def attempted(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.parked)


def default_worker() -> str:
    """A label naming this process in ``claimed_by``."""
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def _claimable(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    return or_(
        and_(Notification.status == DeliveryStatus.PENDING, Notification.next_attempt_at <= now),
        # A claim older than the lease belongs to a worker that died or hung: take it over.
        and_(Notification.status == DeliveryStatus.SENDING, Notification.claimed_at <= now - lease),
    )


async def claim_due(
    session: AsyncSession, now: datetime, *, worker: str, limit: int, lease: timedelta
) -> list[Notification]:
    """Mark up to ``limit`` due rows as ours, earliest due first; commit the session to keep the claim."""
    claimable = _claimable(now, lease)
    candidates = (
        select(Notification.id)
        .where(claimable)
        .order_by(Notification.due_at, Notification.queued_order)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Locked first, in a statement of its own: inside an UPDATE's IN (…) the planner may run a
        # LIMIT subquery more than once, and SKIP LOCKED would then let it pick further rows.
        ids = list(await session.scalars(candidates.with_for_update(skip_locked=True)))
        if not ids:
            return []
        chosen = Notification.id.in_(ids)
    else:
        chosen = Notification.id.in_(candidates.scalar_subquery())
    token = secrets.token_hex(16)
    await session.execute(
        update(Notification)
        # Re-checked in the UPDATE itself: a row another claimer took in the meantime is left alone.
        .where(chosen, claimable)
        .values(status=DeliveryStatus.SENDING, claimed_at=now, claimed_by=worker, claim_token=token)
        .execution_options(synchronize_session=False)
    )
    rows = await session.scalars(
        select(Notification)
        .where(Notification.claim_token == token)
        .order_by(Notification.due_at, Notification.queued_order)
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


def to_mail(row: Notification, sender: str) -> RawMail:
    """The email for an outbox row; the same row always gives the same bytes (same Message-ID too)."""
    return build_raw(
        subject=row.subject,
        sender=sender,
        to=[row.recipient_address],
        reply_to=row.reply_to,
        text=row.text_body,
        html=row.html_body,
        message_id=row.message_id,
        date=row.created_at,
        calendar=row.calendar,
        method=row.calendar_method,
        marking=row.marking,
    )


async def deliver_due(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    settings: Settings,
    transport: Transport,
    *,
    policy: DeliveryPolicy | None = None,
    worker: str | None = None,
    rng: random.Random | None = None,
) -> DeliveryReport:
    """Send everything due now, batch by batch, until nothing is due, the server is down or the
    batch limit is reached.  Each claim, and each batch's results, is its own transaction."""
    policy = policy or DeliveryPolicy()
    worker = worker or default_worker()
    rng = rng or random.Random()  # jitter only; nothing secret
    report = DeliveryReport()
    for _ in range(policy.max_batches):
        async with transaction(sessions) as session:
            rows = await claim_due(
                session, clock.now(), worker=worker, limit=policy.batch_size, lease=policy.lease
            )
            stopped = await _withdraw_stopped(session, rows, clock.now())
        if not rows:
            break
        report.withdrawn += [row.id for row in stopped]
        outcomes = await _send(
            transport,
            [row for row in rows if row not in stopped],
            settings.mail.sender,
            _recorder(sessions, clock, asyncio.get_running_loop()),
        )
        async with transaction(sessions) as session:
            await _record(session, clock.now(), outcomes, policy, rng, report)
        if report.outage is not None or len(rows) < policy.batch_size:
            break
    return report


async def _withdraw_stopped(
    session: AsyncSession, rows: Sequence[Notification], now: datetime
) -> list[Notification]:
    """Rows whose recipient may no longer receive them: on the case's must-not-receive list since the
    message was queued, or no longer an active user.  Checked again here because lists change."""
    user_ids = {row.recipient_user_id for row in rows if row.recipient_user_id is not None}
    if not user_ids:
        return []
    active = set((await session.scalars(select(User.id).where(User.id.in_(user_ids), User.active))).all())
    excluded: dict[uuid.UUID, frozenset[uuid.UUID]] = {}
    stopped: list[Notification] = []
    for row in rows:
        if row.recipient_user_id is None:
            continue
        if row.case_id is not None and row.case_id not in excluded:
            excluded[row.case_id] = await excluded_user_ids(session, row.case_id)
        barred = row.case_id is not None and row.recipient_user_id in excluded[row.case_id]
        if barred or row.recipient_user_id not in active:
            row.status = DeliveryStatus.WITHDRAWN
            row.claim_token = None
            row.last_error = "recipient may no longer receive this message"
            stopped.append(row)
            log.info("withdrew notification %s before sending", row.id)
    return stopped


def _recorder(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, loop: asyncio.AbstractEventLoop
) -> Callable[[Notification], None]:
    """Marks one accepted message sent; called from the sending thread, which waits for the commit."""

    def record(row: Notification) -> None:
        asyncio.run_coroutine_threadsafe(_mark_sent(sessions, clock, row), loop).result()

    return record


async def _mark_sent(sessions: async_sessionmaker[AsyncSession], clock: Clock, row: Notification) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            update(Notification)
            .where(Notification.id == row.id, Notification.claim_token == row.claim_token)
            .values(
                status=DeliveryStatus.SENT,
                sent_at=clock.now(),
                attempts=Notification.attempts + 1,
                claim_token=None,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )


async def _send(
    transport: Transport,
    rows: Sequence[Notification],
    sender: str,
    record_sent: Callable[[Notification], None],
) -> list[tuple[Notification, TransportError | None]]:
    results: list[tuple[Notification, TransportError | None]] = []
    ready: list[tuple[Notification, RawMail]] = []
    for row in rows:
        try:
            ready.append((row, to_mail(row, sender)))
        except ValueError as exc:  # a stored row that cannot make a valid message: no retry will help
            results.append((row, TransportError(f"cannot build the message: {exc}", temporary=False)))
    if ready:
        outcomes = await transport.send_many(
            [message for _, message in ready], lambda index: record_sent(ready[index][0])
        )
        results += [(row, outcome) for (row, _), outcome in zip(ready, outcomes, strict=True)]
    return results


async def _record(
    session: AsyncSession,
    now: datetime,
    outcomes: Sequence[tuple[Notification, TransportError | None]],
    policy: DeliveryPolicy,
    rng: random.Random,
    report: DeliveryReport,
) -> None:
    sent = [row for row, error in outcomes if error is None]
    if sent:
        # Already recorded one by one as the server accepted them; this catches a transport that
        # reported a message sent without calling back (the claim token makes it a no-op otherwise).
        await session.execute(
            update(Notification)
            .where(Notification.id.in_([row.id for row in sent]), _still_ours(sent))
            .values(
                status=DeliveryStatus.SENT,
                sent_at=now,
                attempts=Notification.attempts + 1,
                claim_token=None,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )
        report.sent += [row.id for row in sent]
    outage = [(row, error) for row, error in outcomes if isinstance(error, ServerUnavailable)]
    hold_until: datetime | None = None
    if outage:
        report.outage = outage[0][1].detail
        hold_until = now + policy.retry_delay(max(row.attempts for row, _ in outage) + 1, rng)
        log.warning("mail server unavailable, holding the queue until %s: %s", hold_until, report.outage)
    for row, error in outcomes:
        if error is None:
            continue
        attempts = row.attempts + 1
        values: dict[str, object] = {
            "attempts": attempts,
            "claim_token": None,
            "last_error": error.detail[:500],
        }
        if hold_until is not None and isinstance(error, ServerUnavailable):
            values.update(status=DeliveryStatus.PENDING, next_attempt_at=hold_until)
            report.retrying.append(row.id)
        elif error.temporary and attempts < policy.max_attempts:
            values.update(
                status=DeliveryStatus.PENDING, next_attempt_at=now + policy.retry_delay(attempts, rng)
            )
            report.retrying.append(row.id)
        else:
            values.update(status=DeliveryStatus.PARKED, parked_at=now)
            report.parked.append(row.id)
            log.warning("parked notification %s after %d attempt(s): %s", row.id, attempts, error.detail)
        await session.execute(
            update(Notification)
            .where(Notification.id == row.id, Notification.claim_token == row.claim_token)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    if hold_until is not None:
        # Everything else due before the server is expected back waits with it, in the same order.
        await session.execute(
            update(Notification)
            .where(Notification.status == DeliveryStatus.PENDING, Notification.next_attempt_at < hold_until)
            .values(next_attempt_at=hold_until)
            .execution_options(synchronize_session=False)
        )


def _still_ours(rows: Sequence[Notification]) -> ColumnElement[bool]:
    tokens = {row.claim_token for row in rows}
    return Notification.claim_token.in_(tokens)
