"""The database's share of a reminder sweep: the same rows written by SQL alone, no Python per row.

For :mod:`bench_reminders`, as a baseline measured in the same run.  Batch by batch, as the sweep works
(and two batches at once on PostgreSQL, as the sweep does there), it claims due reminder rows with
``FOR UPDATE SKIP LOCKED``, queues an outbox row for each with one ``INSERT … SELECT`` (to the owner,
or else the owner agency's contact, with bodies as long as the sweep's own) and marks the rows sent
with one ``UPDATE``; on SQLite the write-ahead log is copied into the database as the sweep has it
copied, in the background after each batch and once more at the end.  It leaves out digests,
must-not-receive lists, chained overdue reminders and the audit entry, so no design that writes an
outbox row and updates a reminder row per email can beat it on the same machine: what the sweep takes
beyond it is the application's own work.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, cast, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from marac.access.models import Agency, User
from marac.actions.decisions import DUE_ORDER, due
from marac.actions.models import Action, ActionReminder
from marac.actions.sweep import parallel_batches
from marac.agenda.models import Conference
from marac.cases.models import Case
from marac.checkpoints import BackgroundCheckpoints
from marac.notify.models import DeliveryStatus, Notification


def _typed(name: str, value: Any) -> Any:
    """``value`` as a parameter of the outbox column ``name``, converted as that column converts it."""
    table = Notification.__table__
    assert isinstance(table, Table)
    return literal(value, type_=table.c[name].type)


async def _batch(connection: AsyncConnection, now: datetime, limit: int, lengths: tuple[int, int]) -> int:
    claim = select(ActionReminder.id).where(*due(now)).order_by(*DUE_ORDER).limit(limit)
    ids: list[uuid.UUID] = list((await connection.execute(claim.with_for_update(skip_locked=True))).scalars())
    if not ids:
        return 0
    contact = select(Agency.contact_user_id).where(Agency.id == Action.owner_agency_id).scalar_subquery()
    reminder = cast(ActionReminder.id, String)
    rows = (
        select(
            ActionReminder.id,
            literal("reminder:") + reminder,
            _typed("kind", "action_reminder"),
            Action.area_id,
            User.id,
            User.email,
            _typed("subject", "Action is due"),
            _typed("marking", "OFFICIAL-SENSITIVE"),
            _typed("text_body", "x" * lengths[0]),
            _typed("html_body", "x" * lengths[1]),
            literal("<") + reminder + literal("@bench.example>"),
            Action.case_id,
            Action.id,
            _typed("status", DeliveryStatus.PENDING),
            _typed("created_at", now),
            _typed("due_at", now),
            _typed("queued_order", 0),
            _typed("next_attempt_at", now),
            _typed("attempts", 0),
        )
        .join(Action, Action.id == ActionReminder.action_id)
        .join(Case, Case.id == Action.case_id)
        .join(Conference, Conference.id == Action.conference_id)
        .join(User, User.id == func.coalesce(Action.owner_user_id, contact))
        .where(ActionReminder.id.in_(ids))
    )
    columns = [
        "id", "idempotency_key", "kind", "area_id", "recipient_user_id", "recipient_address", "subject",
        "marking", "text_body", "html_body", "message_id", "case_id", "action_id", "status", "created_at",
        "due_at", "queued_order", "next_attempt_at", "attempts",
    ]  # fmt: skip
    await connection.execute(insert(Notification).from_select(columns, rows))
    await connection.execute(
        update(ActionReminder).where(ActionReminder.id.in_(ids)).values(sent_at=now, outcome="sent")
    )
    return len(ids)


async def sql_floor(engine: AsyncEngine, now: datetime, limit: int, lengths: tuple[int, int]) -> float:
    """Seconds to write the outbox rows and mark the due reminders sent by SQL alone (see the module
    docstring); ``lengths`` are the text and HTML bodies' lengths."""

    sqlite = engine.dialect.name == "sqlite"
    began = time.perf_counter()
    # As the sweep does on SQLite: each batch's pages copied into the database in the background while
    # the next batch is written, and what is left copied after the last one.
    checkpoints = BackgroundCheckpoints.start(engine.url)

    async def work() -> None:
        while True:
            async with engine.begin() as connection:
                claimed = await _batch(connection, now, limit, lengths)
            if claimed < limit:
                return
            if checkpoints is not None:
                checkpoints.request()

    if sqlite:
        await _outside_transactions(engine, "PRAGMA wal_autocheckpoint=0")
    workers = 2 if parallel_batches(engine.dialect.name) else 1  # as many as the sweep's batches at once
    await asyncio.gather(*(work() for _ in range(workers)))
    if checkpoints is not None:
        await checkpoints.close()
    if sqlite:
        await _outside_transactions(engine, "PRAGMA wal_checkpoint(PASSIVE)")
        seconds = time.perf_counter() - began
        await _outside_transactions(engine, "PRAGMA wal_autocheckpoint=1000")
        return seconds
    return time.perf_counter() - began


async def _outside_transactions(engine: AsyncEngine, pragma: str) -> None:
    # Straight to the driver: SQLAlchemy would open a transaction, and SQLite checkpoints outside one.
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        cursor = await driver.execute(pragma)
        await cursor.close()
