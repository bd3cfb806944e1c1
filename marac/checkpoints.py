"""SQLite's write-ahead log copied into the database from a thread of its own, while work goes on.

In WAL mode each commit appends pages to the log, and a checkpoint copies them into the database file.
By default the commit that takes the log past 1,000 pages does the copy itself, and waits for it.  Work
that commits many transactions in a row, such as a reminder sweep, can instead ask for checkpoints
here: they run on a connection of their own in another thread, and SQLite's library holds no Python
lock while it copies, so the copy proceeds on another processor while the next transaction is
prepared.  A checkpoint that cannot run now (another is under way) is simply left to the next one.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading

from sqlalchemy import URL

log = logging.getLogger(__name__)


class BackgroundCheckpoints:
    """Checkpoints of one SQLite file, each run as soon as it is asked for; see the module docstring."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.done = 0  # checkpoints run
        self._wake = threading.Event()
        self._requested = False
        self._closing = False
        self._thread: asyncio.Task[None] | None = None

    @classmethod
    def start(cls, url: URL) -> BackgroundCheckpoints | None:
        """Start checkpointing the database at ``url``; None unless it is an SQLite file."""
        database = url.database or ""
        # In-memory databases have no log; "file:" URIs are left alone rather than opened as plain paths.
        if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
            return None
        checkpoints = cls(database)
        checkpoints._thread = asyncio.create_task(asyncio.to_thread(checkpoints._run))
        return checkpoints

    def request(self) -> None:
        """Copy what has been committed so far; returns at once."""
        self._requested = True
        self._wake.set()

    async def close(self) -> None:
        """Stop, once the checkpoints asked for have run."""
        self._closing = True
        self._wake.set()
        if self._thread is not None:
            await self._thread

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._requested:
                    self._requested = False
                    self._checkpoint(connection)
                if self._closing:
                    return
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            # PASSIVE: copies what it can without waiting for readers or writers.
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.done += 1
        except sqlite3.Error as error:
            # The next checkpoint copies what this one would have: nothing is lost by skipping one.
            log.warning("background checkpoint skipped: %s", error)
