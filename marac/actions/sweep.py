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
not split between batches.  What becomes of each claimed row is decided in :mod:`marac.actions.decisions`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import Actor
from marac.access.models import Area
from marac.actions.decisions import (
    DUE_COLUMNS,
    Batch,
    Due,
    SweepReport,
    area_context,
    decide,
    digest_drafts,
    due_rows,
)
from marac.actions.models import ActionReminder
from marac.actions.recipients import load_directory
from marac.actions.reminders import ESCALATION, insert_ignoring_duplicates, planned_rows
from marac.cases.access import exclusions_for_cases
from marac.checkpoints import BackgroundCheckpoints
from marac.clock import FixedClock
from marac.collector import collection_held
from marac.notify.bulk import converted_rows
from marac.notify.outbox import enqueue_count
from marac.settings import Settings

BATCH = 1000
SWEEPER = Actor.system("reminder sweep")


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
) -> list[Due]:
    # Plain tuples: attribute access on them is cheap, and a batch reads each row many times.  Read
    # through the connection: plain columns need none of the ORM's result handling; and each distinct
    # value (an area, an agency, a send time…) converted once, not once per row (see notify.bulk).
    connection = await session.connection()
    raw = await connection.execute(due_rows(now, limit, after, only))
    return [Due._make(row) for row in converted_rows(DUE_COLUMNS, raw.all(), connection.dialect)]


async def _handle(
    session: AsyncSession, rows: list[Due], now: datetime, settings: Settings, digests: bool
) -> SweepReport:
    batch = Batch(now, digests=digests)
    if not rows:
        return batch.report
    batch.report.claimed = len(rows)
    batch.report.last = (rows[-1].scheduled_at, rows[-1].id)
    area_rows = await session.scalars(select(Area).where(Area.id.in_({row.area_id for row in rows})))
    areas = {area.id: area_context(area, settings, now) for area in area_rows}
    escalating = {row.area_id for row in rows if row.kind == ESCALATION and row.chair_user_id is None}
    directory = await load_directory(
        session,
        user_ids=[row.owner_user_id for row in rows] + [row.chair_user_id for row in rows],
        agency_ids=[row.owner_agency_id for row in rows],
        chair_areas=escalating,
    )
    exclusions = await exclusions_for_cases(session, [row.case_id for row in rows])
    for row in rows:
        decide(batch, row, areas[row.area_id], directory, exclusions.get(row.case_id, set()))
    digest_drafts(batch, areas)
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


async def _write(session: AsyncSession, batch: Batch) -> None:
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
    batches = _Batches(sessions, now, settings, limit, total)
    try:
        if parallel:
            await batches.in_parallel(_PARALLEL)
        else:
            await batches.work()
        waiting = total.digest_rows
        total.claimed -= len(waiting)  # counted again when the digest pass claims them
        for start in range(0, len(waiting), _DIGEST_PASS):
            with collection_held():
                async with sessions() as session:
                    chunk = waiting[start : start + _DIGEST_PASS]
                    report = await send_due_reminders(session, now, settings, limit=len(chunk), only=chunk)
                    await _checkpoint_later(session, start + _DIGEST_PASS < len(waiting))
            total.add(report)
    except BaseException:
        async with sessions() as session:
            await _checkpoint_later(session, False)
        raise
    finally:
        if batches.checkpoints is not None:
            await batches.checkpoints.close()
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
        self.checkpoints: BackgroundCheckpoints | None = None
        self._started = False

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
            with collection_held():  # a batch's objects go with it: see marac.collector
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
                    if not self._started:
                        self._started = True
                        self.checkpoints = BackgroundCheckpoints.start(session.get_bind().engine.url)
            self.total.add(report)
            if self.checkpoints is not None and not self.finished:
                self.checkpoints.request()  # this batch's pages, copied while the next one is worked out


# SQLite copies its write-ahead log into the database (a checkpoint: page writes and two fsyncs)
# once the log passes 1,000 pages, which a batch of emails always does, and the commit that passes it
# waits for the copy.  While more batches follow, the sweep lets the log grow instead and has each
# batch's pages copied by a thread of its own (marac.checkpoints) while it works out the next batch;
# the last commit copies what is left.  The setting belongs to the connection, so it is put back.
_CHECKPOINT_PAGES = 1000  # SQLite's default
_DEFERRED_CHECKPOINT_PAGES = 250_000  # about 1 GB: a bound, should a sweep be far larger than usual


async def _checkpoint_later(session: AsyncSession, later: bool) -> None:
    if session.get_bind().dialect.name == "sqlite":
        pages = _DEFERRED_CHECKPOINT_PAGES if later else _CHECKPOINT_PAGES
        await session.execute(text(f"PRAGMA wal_autocheckpoint={pages}"))
