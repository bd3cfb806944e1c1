"""References people can quote: ``R-2026-0001`` for referrals, ``MC-0001`` for cases, per area.

They carry no identity, so they are safe in emails and calendar entries.  Numbers come from a counter row
per area and series, incremented with ``UPDATE ... RETURNING``: on PostgreSQL the row lock makes a
concurrent submission wait for the number instead of taking the same one.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from marac.cases.models import ReferenceCounter

CASE_SERIES = "MC"


async def next_number(session: AsyncSession, area_id: uuid.UUID, series: str) -> int:
    """The next number in ``series`` for the area, starting at 1."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(ReferenceCounter).values(area_id=area_id, series=series, last=0).on_conflict_do_nothing()
    )
    number = await session.scalar(
        update(ReferenceCounter)
        .where(ReferenceCounter.area_id == area_id, ReferenceCounter.series == series)
        .values(last=ReferenceCounter.last + 1)
        .returning(ReferenceCounter.last)
    )
    assert number is not None  # the row exists: inserted above or earlier
    return int(number)


async def next_case_reference(session: AsyncSession, area_id: uuid.UUID) -> str:
    return f"{CASE_SERIES}-{await next_number(session, area_id, CASE_SERIES):04d}"


async def next_referral_reference(session: AsyncSession, area_id: uuid.UUID, today: date) -> str:
    series = f"R-{today.year}"
    return f"{series}-{await next_number(session, area_id, series):04d}"
