"""SQLite: a sweep of several batches has its write-ahead log copied into the database as it goes, and
leaves its connection checkpointing (and Python's cycle collector running) as usual, also after a failure."""

from __future__ import annotations

import gc
import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from marac.actions.sweep import sweep_all
from tests.actions.conftest import Meeting, local

DEADLINE = date(2026, 12, 10)


async def _checkpoint_pages(meeting: Meeting) -> int:
    async with meeting.runtime.sessions() as session:
        return int((await session.execute(text("PRAGMA wal_autocheckpoint"))).scalar_one())


def emails_in_file_alone(meeting: Meeting, tmp_path: Path) -> int:
    """Outbox rows in the database file without its write-ahead log: those a checkpoint copied there."""
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(str(meeting.runtime.engine.url.database), copy)
    with sqlite3.connect(copy) as connection:
        return int(connection.execute("SELECT count(*) FROM notification").fetchone()[0])


@pytest.fixture
def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the write-ahead log's checkpoints are SQLite's")


@pytest.mark.usefixtures("sqlite_only")
async def test_a_sweep_of_several_batches_sends_each_once_and_restores_checkpoints(
    meeting: Meeting, tmp_path: Path
) -> None:
    actions = [await meeting.agree(case=0, deadline=DEADLINE) for _ in range(3)]
    now = local(date(2026, 12, 3))
    meeting.clock.set(now)
    before = emails_in_file_alone(meeting, tmp_path)
    report = await sweep_all(meeting.runtime.transaction, now, meeting.runtime.settings, limit=1)
    assert report.emails == 3
    assert sorted(row.idempotency_key for row in await meeting.outbox()) == sorted(
        f"reminder:{action.id}:before-7:1" for action in actions
    )
    # The batches before the last were copied into the database file in the background (the last
    # batch's pages stay in the log until it passes SQLite's usual 1,000 pages).
    assert emails_in_file_alone(meeting, tmp_path) - before >= 2
    assert await _checkpoint_pages(meeting) == 1000


@pytest.mark.usefixtures("sqlite_only")
async def test_a_sweep_that_fails_half_way_keeps_its_batches_and_restores_checkpoints(
    meeting: Meeting,
) -> None:
    for _ in range(3):
        await meeting.agree(case=0, deadline=DEADLINE)
    now = local(date(2026, 12, 3))
    meeting.clock.set(now)
    opened = 0

    @asynccontextmanager
    async def failing_second_batch() -> AsyncIterator[AsyncSession]:
        nonlocal opened
        opened += 1
        async with meeting.runtime.transaction() as session:
            yield session
            if opened == 2:
                raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        await sweep_all(failing_second_batch, now, meeting.runtime.settings, limit=1)
    assert len(await meeting.outbox()) == 1  # the first batch was committed, the second rolled back
    assert await _checkpoint_pages(meeting) == 1000
    assert gc.isenabled()  # held off for each batch only (marac.collector)
    # The next sweep sends the rest, and nothing twice.
    await sweep_all(meeting.runtime.transaction, now, meeting.runtime.settings, limit=1)
    assert len(await meeting.outbox()) == 3
