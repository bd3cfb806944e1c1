"""Background checkpoints: what was committed reaches the SQLite database file itself, not only its log."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import make_url

from marac.checkpoints import BackgroundCheckpoints


def rows_in_file_alone(path: Path, tmp_path: Path) -> int:
    """Rows of ``t`` in the database file without its write-ahead log: those a checkpoint copied."""
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(path, copy)  # the -wal file stays behind
    with sqlite3.connect(copy) as connection:
        return int(connection.execute("SELECT count(*) FROM t").fetchone()[0])


async def test_a_requested_checkpoint_copies_the_log_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "marac.sqlite"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (n INTEGER)")
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # commits leave their pages in the log
    writer.execute("BEGIN")
    writer.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(5000)])
    writer.execute("COMMIT")
    assert rows_in_file_alone(path, tmp_path) == 0

    checkpoints = BackgroundCheckpoints.start(make_url(f"sqlite+aiosqlite:///{path}"))
    assert checkpoints is not None
    checkpoints.request()
    await checkpoints.close()

    assert checkpoints.done == 1
    assert rows_in_file_alone(path, tmp_path) == 5000
    writer.close()


async def test_closing_without_a_request_runs_no_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "marac.sqlite"
    sqlite3.connect(path).close()
    checkpoints = BackgroundCheckpoints.start(make_url(f"sqlite+aiosqlite:///{path}"))
    assert checkpoints is not None
    await checkpoints.close()
    assert checkpoints.done == 0


def test_only_sqlite_files_are_checkpointed() -> None:
    for url in (
        "postgresql+asyncpg://postgres@127.0.0.1/test",
        "sqlite+aiosqlite:///:memory:",
        "sqlite+aiosqlite:///file:shared?mode=memory&uri=true",
    ):
        assert BackgroundCheckpoints.start(make_url(url)) is None, url
