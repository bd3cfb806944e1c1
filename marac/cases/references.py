"""References people can quote: ``R-2026-0001`` for referrals, ``MC-0001`` for cases, per area.

They carry no identity, so they are safe in emails and calendar entries.  Numbers come from a counter row
per area and series, incremented with ``UPDATE ... RETURNING``: on PostgreSQL the row lock makes a
concurrent submission wait for the number instead of taking the same one.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from marac.cases.models import ReferenceCounter
from marac.db import insert_ignoring_conflicts

CASE_SERIES = "MC"


async def next_number(session: AsyncSession, area_id: uuid.UUID, series: str) -> int:
    """The next number in ``series`` for the area, starting at 1."""
    await session.execute(
        insert_ignoring_conflicts(session.get_bind().dialect, ReferenceCounter).values(
            area_id=area_id, series=series, last=0
        )
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
