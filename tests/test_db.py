"""How the embedded SQLite database is opened."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from marac.db import create_engine


async def test_sqlite_connections_read_through_a_memory_map(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'marac.db'}")
    try:
        async with engine.connect() as connection:
            mapped = (await connection.execute(text("PRAGMA mmap_size"))).scalar_one()
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
    finally:
        await engine.dispose()
    assert mapped >= 256 * 1024**2  # SQLite's default is 0: no map; builds cap it, at 2 GB on Linux
    assert journal == "wal"
