"""The reminder sweep: send the action reminders that are due, exactly once.

One call handles one batch in the caller's transaction: it claims due rows (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so concurrent sweeps take different rows; SQLite's write lock queues them),
queues their emails in the outbox and marks them sent — all or nothing.  A process killed half-way
leaves nothing claimed, and a second sweep finds the rows still due.  Each email's outbox key is
``reminder:{action}:{kind}:{deadline version}``, so even a row sent twice would queue one email.

People who chose the daily digest get one email listing their reminders.  Their reminders go out at
the area's reminder hour; one that falls due later in the day (planned late, or deferred) waits for
the next day's digest.  :func:`sweep_all` first sends the single emails batch by batch, passing over
digest rows, then takes every digest row in one last transaction, so that a person's reminders are
not split between batches.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import Actor
from marac.access.models import Area
from marac.actions.messages import ActionFacts, Composer, Recipient
from marac.actions.models import Action, ActionReminder, ActionStatus
from marac.actions.recipients import Directory, load_directory
from marac.actions.reminders import (
    ESCALATION,
    PlannedReminder,
    ReminderPolicy,
    first_overdue,
    insert_ignoring_duplicates,
    next_overdue,
    overdue_days,
    planned_rows,
)
from marac.agenda.models import Conference
from marac.cases.access import exclusions_for_cases
from marac.cases.models import Case
from marac.clock import FixedClock
from marac.notify.bulk import converted_rows, untyped
from marac.notify.messages import AreaMail
from marac.notify.outbox import Draft, enqueue_count
from marac.settings import Settings

BATCH = 1000
SWEEPER = Actor.system("reminder sweep")


@dataclass
class SweepReport:
    """What one batch did (counts of reminder rows, and of emails queued)."""

    claimed: int = 0
    sent: int = 0
    in_digest: int = 0
    deferred: int = 0
    cancelled: int = 0
    no_recipient: int = 0
    emails: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    # Rows left for the digest pass, and where the batch ended (to continue after it).
    digest_rows: list[uuid.UUID] = field(default_factory=list)
    last: tuple[datetime, uuid.UUID] | None = None

    def add(self, other: SweepReport) -> None:
        for name in ("claimed", "sent", "in_digest", "deferred", "cancelled", "no_recipient", "emails"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.kinds.update(other.kinds)
        self.digest_rows.extend(other.digest_rows)


@dataclass(frozen=True, slots=True)
class _AreaContext:
    policy: ReminderPolicy
    composer: Composer
    digest_cutoff: datetime  # the last digest moment at or before now
    next_digest: datetime


def _area_context(area: Area, settings: Settings, now: datetime) -> _AreaContext:
    policy = ReminderPolicy.of(area)
    local_today = now.astimezone(ZoneInfo(area.timezone)).date()
    today_at = policy.at(local_today)
    cutoff = today_at if today_at <= now else policy.at(local_today - timedelta(days=1))
    following = policy.at(cutoff.astimezone(ZoneInfo(area.timezone)).date() + timedelta(days=1))
    return _AreaContext(policy, Composer(AreaMail.of(area, settings)), cutoff, following)


class _Due(NamedTuple):
    """One claimed reminder with what deciding about it needs (columns of :func:`_due_rows`, in order)."""

    id: uuid.UUID
    kind: str
    deadline_version: int
    scheduled_at: datetime
    action_id: uuid.UUID
    area_id: uuid.UUID
    case_id: uuid.UUID
    reference: str
    status: ActionStatus
    current_version: int
    deadline: date
    owner_agency_id: uuid.UUID
    owner_user_id: uuid.UUID | None
    case_reference: str
    chair_user_id: uuid.UUID | None
    agreed_on: date


# The columns of :class:`_Due`, in order.
_DUE_COLUMNS = tuple(
    attribute.expression
    for attribute in (
        ActionReminder.id,
        ActionReminder.kind,
        ActionReminder.deadline_version,
        ActionReminder.scheduled_at,
        Action.id,
        Action.area_id,
        Action.case_id,
        Action.reference,
        Action.status,
        Action.deadline_version,
        Action.deadline,
        Action.owner_agency_id,
        Action.owner_user_id,
        Case.reference,
        Conference.chair_user_id,
        Conference.local_date,
    )
)


def _due_rows(
    now: datetime, limit: int, after: tuple[datetime, uuid.UUID] | None, only: Sequence[uuid.UUID] | None
) -> Any:
    query = (
        select(*untyped(_DUE_COLUMNS))
        .join(Action, Action.id == ActionReminder.action_id)
        .join(Case, Case.id == Action.case_id)
        .join(Conference, Conference.id == Action.conference_id)
        .where(
            ActionReminder.sent_at.is_(None),
            ActionReminder.cancelled_at.is_(None),
            ActionReminder.scheduled_at <= now,
        )
        .order_by(ActionReminder.scheduled_at, ActionReminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=ActionReminder)
    )
    if after is not None:
        query = query.where(tuple_(ActionReminder.scheduled_at, ActionReminder.id) > tuple_(*after))
    if only is not None:
        query = query.where(ActionReminder.id.in_(only))
    return query


def _key(row: _Due, recipient: Recipient, many: bool) -> str:
    base = f"reminder:{row.action_id}:{row.kind}:{row.deadline_version}"
    # Several chairs share one escalation: each gets their own key.
    return f"{base}:{recipient.user_id or recipient.email}" if many else base


def _next_in_chain(row: _Due, policy: ReminderPolicy, now: datetime) -> PlannedReminder | None:
    following = next_overdue(row.kind, row.deadline, policy)
    if following is None or following.scheduled_at >= now:
        return following
    # The sweep ran late (a stopped scheduler): resume at the step covering today, not every missed week.
    caught_up = first_overdue(row.deadline, policy, now)
    current = overdue_days(row.kind) or 0
    return caught_up if (overdue_days(caught_up.kind) or 0) > current else following


class _Batch:
    """The decisions about one batch of claimed rows, written out together at the end."""

    def __init__(self, now: datetime, *, digests: bool) -> None:
        self.now = now
        self.make_digests = digests
        self.report = SweepReport()
        self.drafts: list[Draft] = []
        # Row ids by (outcome, notification key) and deferred row ids by their new time: a few
        # set-based UPDATEs instead of one per row.
        self.finished: dict[tuple[str, str | None], list[uuid.UUID]] = defaultdict(list)
        self.deferred: dict[datetime, list[uuid.UUID]] = defaultdict(list)
        self.chained: list[tuple[uuid.UUID, int, PlannedReminder]] = []
        self.digests: dict[tuple[uuid.UUID, uuid.UUID], list[tuple[_Due, ActionFacts]]] = {}
        self.digest_to: dict[tuple[uuid.UUID, uuid.UUID], Recipient] = {}

    def finish(self, row_id: uuid.UUID, outcome: str, key: str | None = None) -> None:
        self.finished[(outcome, key)].append(row_id)


def _facts(row: _Due, directory: Directory) -> ActionFacts:
    agency = directory.agencies.get(row.owner_agency_id)
    return ActionFacts(
        action_id=row.action_id,
        area_id=row.area_id,
        case_id=row.case_id,
        reference=row.reference,
        case_reference=row.case_reference,
        agency_name=agency.name if agency else "the owner agency",
        deadline=row.deadline,
        agreed_on=row.agreed_on,
    )


def _decide(
    batch: _Batch, row: _Due, area: _AreaContext, directory: Directory, excluded: set[uuid.UUID]
) -> None:
    if row.status != ActionStatus.OPEN or row.deadline_version != row.current_version:
        batch.finish(row.id, "cancelled")
        batch.report.cancelled += 1
        return
    if row.kind == ESCALATION:
        recipients = directory.escalation(row.area_id, row.chair_user_id, excluded)
    else:
        owner = directory.owner(row.owner_agency_id, row.owner_user_id, excluded)
        recipients = [owner] if owner is not None else []
    if not recipients:
        batch.finish(row.id, "no_recipient")
        batch.report.no_recipient += 1
        return
    facts = _facts(row, directory)
    immediate = [r for r in recipients if not r.digest]
    waiting = [r for r in recipients if r.digest]
    many = len(recipients) > 1
    for recipient in immediate:
        batch.drafts.append(area.composer.reminder(row.kind, facts, recipient, _key(row, recipient, many)))
    if waiting and row.scheduled_at > area.digest_cutoff:
        # Came due after today's digest: tomorrow's digest takes it (immediate copies are keyed, so
        # handling the row again tomorrow does not send them twice).
        batch.deferred[area.next_digest].append(row.id)
        batch.report.deferred += 1
        return
    if waiting and not batch.make_digests:
        batch.report.digest_rows.append(row.id)  # the digest pass takes it, with the person's others
        return
    for recipient in waiting:
        assert recipient.user_id is not None  # only users choose digests
        slot = (recipient.user_id, row.area_id)
        batch.digests.setdefault(slot, []).append((row, facts))
        batch.digest_to[slot] = recipient
    following = _next_in_chain(row, area.policy, batch.now)
    if following is not None:
        batch.chained.append((row.action_id, row.deadline_version, following))
    if immediate:
        # The key of a single email follows from the row (reminder:{action}:{kind}:{version}).
        batch.finish(row.id, "sent")
        batch.report.sent += 1
    else:
        batch.report.in_digest += 1  # finished with its digest's key once the digests are made
    batch.report.kinds[row.kind.split("-")[0]] += 1


def _digest_drafts(batch: _Batch, areas: dict[uuid.UUID, _AreaContext]) -> None:
    finished: set[uuid.UUID] = set()  # a row for several chairs is in each of their digests
    for (user_id, area_id), items in batch.digests.items():
        area = areas[area_id]
        ids = sorted(str(row.id) for row, _ in items)
        # The day names the digest; the rows in it make the key unique, so two sweeps that split one
        # person's rows between them queue two digests rather than lose one.
        fingerprint = hashlib.sha256(",".join(ids).encode()).hexdigest()[:16]
        day: date = area.digest_cutoff.astimezone(ZoneInfo(area.policy.timezone)).date()
        key = f"digest:{user_id}:{day:%Y%m%d}:{fingerprint}"
        entries = [(row.kind, facts) for row, facts in sorted(items, key=lambda item: item[1].reference)]
        batch.drafts.append(area.composer.digest(entries, batch.digest_to[(user_id, area_id)], key, day))
        for row, _ in items:
            if row.id not in finished:
                finished.add(row.id)
                batch.finish(row.id, "digest", key)


async def send_due_reminders(
    session: AsyncSession,
    now: datetime,
    settings: Settings,
    *,
    limit: int = BATCH,
    after: tuple[datetime, uuid.UUID] | None = None,
    only: Sequence[uuid.UUID] | None = None,
    digests: bool = True,
) -> SweepReport:
    """Send up to ``limit`` due reminders in the caller's transaction; see the module docstring.

    ``after`` continues from where a batch ended; ``only`` restricts the batch to the given rows;
    with ``digests=False`` rows for digest readers are left alone and listed in ``digest_rows``.
    """
    return await _handle(session, await _claim(session, now, limit, after, only), now, settings, digests)


async def _claim(
    session: AsyncSession,
    now: datetime,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
    only: Sequence[uuid.UUID] | None,
) -> list[_Due]:
    # Plain tuples: attribute access on them is cheap, and a batch reads each row many times.  Read
    # through the connection: plain columns need none of the ORM's result handling; and each distinct
    # value (an area, an agency, a send time…) converted once, not once per row (see notify.bulk).
    connection = await session.connection()
    raw = await connection.execute(_due_rows(now, limit, after, only))
    return [_Due._make(row) for row in converted_rows(_DUE_COLUMNS, raw, connection.dialect)]


async def _handle(
    session: AsyncSession, rows: list[_Due], now: datetime, settings: Settings, digests: bool
) -> SweepReport:
    batch = _Batch(now, digests=digests)
    if not rows:
        return batch.report
    batch.report.claimed = len(rows)
    batch.report.last = (rows[-1].scheduled_at, rows[-1].id)
    area_rows = await session.scalars(select(Area).where(Area.id.in_({row.area_id for row in rows})))
    areas = {area.id: _area_context(area, settings, now) for area in area_rows}
    escalating = {row.area_id for row in rows if row.kind == ESCALATION and row.chair_user_id is None}
    directory = await load_directory(
        session,
        user_ids=[row.owner_user_id for row in rows] + [row.chair_user_id for row in rows],
        agency_ids=[row.owner_agency_id for row in rows],
        chair_areas=escalating,
    )
    exclusions = await exclusions_for_cases(session, [row.case_id for row in rows])
    for row in rows:
        _decide(batch, row, areas[row.area_id], directory, exclusions.get(row.case_id, set()))
    _digest_drafts(batch, areas)
    batch.report.emails = await enqueue_count(
        session, FixedClock(now), settings, batch.drafts, exclusions=exclusions
    )
    await _write(session, batch)
    await audit.record(
        session,
        SWEEPER,
        FixedClock(now),
        "action.reminders_sent",
        "action_reminder",
        detail={
            "claimed": batch.report.claimed,
            "emails": batch.report.emails,
            "deferred": batch.report.deferred,
            "cancelled": batch.report.cancelled,
            "no_recipient": batch.report.no_recipient,
            "kinds": dict(batch.report.kinds),
        },
    )
    return batch.report


_CHUNK = 1000
# Digest rows taken together in one transaction: a person's reminders are split only beyond this.
_DIGEST_PASS = 20 * BATCH


async def _write(session: AsyncSession, batch: _Batch) -> None:
    for (outcome, key), ids in batch.finished.items():
        moment = {"cancelled_at" if outcome == "cancelled" else "sent_at": batch.now}
        for start in range(0, len(ids), _CHUNK):
            await session.execute(
                update(ActionReminder)
                .where(ActionReminder.id.in_(ids[start : start + _CHUNK]))
                .values(outcome=outcome, notification_key=key, **moment)
                .execution_options(synchronize_session=False)
            )
    for scheduled_at, ids in batch.deferred.items():
        for start in range(0, len(ids), _CHUNK):
            await session.execute(
                update(ActionReminder)
                .where(ActionReminder.id.in_(ids[start : start + _CHUNK]))
                .values(scheduled_at=scheduled_at)
                .execution_options(synchronize_session=False)
            )
    await insert_ignoring_duplicates(session, planned_rows(batch.chained))


async def sweep_all(
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    now: datetime,
    settings: Settings,
    *,
    limit: int = BATCH,
    parallel: bool = False,
) -> SweepReport:
    """Run batches until no due reminder is left, one transaction each (progress survives a crash).

    ``sessions`` opens one transaction (``Runtime.transaction``).  With ``parallel`` (PostgreSQL: see
    :func:`parallel_batches`) two batches are under way at once, each in its own transaction.
    """
    total = SweepReport()
    try:
        batches = _Batches(sessions, now, settings, limit, total)
        if parallel:
            await batches.in_parallel(_PARALLEL)
        else:
            await batches.work()
        waiting = total.digest_rows
        total.claimed -= len(waiting)  # counted again when the digest pass claims them
        for start in range(0, len(waiting), _DIGEST_PASS):
            async with sessions() as session:
                chunk = waiting[start : start + _DIGEST_PASS]
                report = await send_due_reminders(session, now, settings, limit=len(chunk), only=chunk)
                await _checkpoint_later(session, start + _DIGEST_PASS < len(waiting))
            total.add(report)
    except BaseException:
        async with sessions() as session:
            await _checkpoint_later(session, False)
        raise
    total.digest_rows = []
    return total


# Batches under way at once on PostgreSQL: while the server writes one batch, this process works out
# the next one's emails, so the two halves of the work overlap instead of waiting for each other.
_PARALLEL = 2


def parallel_batches(dialect: str) -> bool:
    """Whether sweeps on this database run batches in parallel: on PostgreSQL, whose row locks let
    transactions write side by side; not on SQLite, whose single writer would make them queue."""
    return dialect == "postgresql"


class _Batches:
    """The first pass of :func:`sweep_all`: workers taking batches in turn, each in its own transaction.

    Claims are made one at a time and each starts after the last row claimed before it, so the rows a
    batch leaves due for the digest pass are never claimed again; ``FOR UPDATE SKIP LOCKED`` keeps a
    claim off rows another process holds.
    """

    def __init__(
        self,
        sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
        now: datetime,
        settings: Settings,
        limit: int,
        total: SweepReport,
    ) -> None:
        self.sessions, self.now, self.settings, self.limit, self.total = sessions, now, settings, limit, total
        self.after: tuple[datetime, uuid.UUID] | None = None
        self.finished = False
        self.claiming = asyncio.Lock()

    async def in_parallel(self, workers: int) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(workers):
                    group.create_task(self.work())
        except BaseExceptionGroup as failed:
            # The others were cancelled and their transactions rolled back: the first failure says why.
            raise failed.exceptions[0] from None

    async def work(self) -> None:
        while not self.finished:
            async with self.sessions() as session:
                async with self.claiming:
                    if self.finished:
                        return
                    rows = await _claim(session, self.now, self.limit, self.after, None)
                    if rows:
                        self.after = (rows[-1].scheduled_at, rows[-1].id)
                    self.finished = len(rows) < self.limit
                report = await _handle(session, rows, self.now, self.settings, digests=False)
                await _checkpoint_later(session, not self.finished)
            self.total.add(report)


# SQLite copies its write-ahead log into the database (a checkpoint: page writes and two fsyncs)
# once the log passes 1,000 pages, which a batch of emails always does.  While more batches follow,
# the sweep lets the log grow, and the last batch's commit copies it all at once: each page once,
# and two fsyncs instead of two per batch.  The setting belongs to the connection, so it is put back.
_CHECKPOINT_PAGES = 1000  # SQLite's default
_DEFERRED_CHECKPOINT_PAGES = 250_000  # about 1 GB: a bound, should a sweep be far larger than usual


async def _checkpoint_later(session: AsyncSession, later: bool) -> None:
    if session.get_bind().dialect.name == "sqlite":
        pages = _DEFERRED_CHECKPOINT_PAGES if later else _CHECKPOINT_PAGES
        await session.execute(text(f"PRAGMA wal_autocheckpoint={pages}"))
