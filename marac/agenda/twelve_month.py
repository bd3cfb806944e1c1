"""The agenda section "twelve months since the last MARAC" (notification only).

A case heard at a MARAC is listed again, for notification only, at the meeting around the first
anniversary of that hearing: after twelve months a further incident is a new referral rather than a
repeat, and agencies are told so.  A case qualifies for a series' next meeting when the anniversary
of its last hearing falls after the series' previous meeting and on or before this one, and it is on
no open agenda.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from marac.agenda.layout import OPEN_STATUSES, Rearrangement, relayout
from marac.agenda.models import AgendaItem, Conference, ConferenceStatus
from marac.cases.models import Case, Referral

# Position of a row written before its agenda is laid out (the layout gives it its real place).
UNPLACED = 10_000


def _year_before(day: date) -> date:
    if (day.month, day.day) == (2, 29):
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


async def _next_per_series(
    session: AsyncSession, now: datetime, area_ids: Collection[uuid.UUID] | None
) -> dict[uuid.UUID, Conference]:
    """Each series' next regular conference whose list is still open."""
    upcoming = (
        Conference.status == ConferenceStatus.SCHEDULED,
        Conference.extraordinary.is_(False),
        Conference.starts_at > now,
    )
    first = select(Conference.series_id, func.min(Conference.starts_at).label("starts_at")).where(*upcoming)
    if area_ids is not None:
        first = first.where(Conference.area_id.in_(list(area_ids)))
    soonest = first.group_by(Conference.series_id).subquery()
    found = await session.scalars(
        select(Conference)
        .join(
            soonest,
            and_(Conference.series_id == soonest.c.series_id, Conference.starts_at == soonest.c.starts_at),
        )
        .where(*upcoming)
    )
    return {conference.series_id: conference for conference in found}


async def list_twelve_month_notifications(
    session: AsyncSession, work: Rearrangement, *, area_ids: Collection[uuid.UUID] | None = None
) -> int:
    """List, at each series' next conference, cases last heard about twelve months before it.

    A case qualifies when the anniversary of its last hearing falls after the series' previous
    meeting and on or before this one, and it is on no open agenda.  Idempotent: once listed, the
    case is on an open agenda.
    """
    targets = await _next_per_series(session, work.now, area_ids)
    if not targets:
        return 0
    last_held = await session.execute(
        select(Conference.series_id, func.max(Conference.local_date))
        .where(
            Conference.series_id.in_(list(targets)),
            Conference.status != ConferenceStatus.CANCELLED,
            Conference.starts_at <= work.now,
        )
        .group_by(Conference.series_id)
    )
    previous: dict[uuid.UUID, date] = {row[0]: row[1] for row in last_held}
    windows: dict[uuid.UUID, tuple[date, date]] = {}
    for series_id, conference in targets.items():
        before = previous.get(series_id) or date.fromordinal(conference.local_date.toordinal() - 31)
        windows[conference.id] = (_year_before(before), _year_before(conference.local_date))
    open_item = aliased(AgendaItem)
    open_conference = aliased(Conference)
    on_open_agenda = (
        select(open_item.id)
        .join(open_conference, open_conference.id == open_item.conference_id)
        .where(open_item.case_id == Case.id, open_conference.status.in_(OPEN_STATUSES))
        .exists()
    )
    # The case's last hearing, whether at a meeting recorded here or entered from an earlier system;
    # the referral heard that day stands for the case on the agenda.
    rows = await session.execute(
        select(Referral.id, Referral.case_id, Case.area_id, Case.last_heard_on)
        .join(Case, Case.id == Referral.case_id)
        .where(
            Case.area_id.in_({c.area_id for c in targets.values()}),
            Case.last_heard_on > min(start for start, _ in windows.values()),
            Case.last_heard_on <= max(end for _, end in windows.values()),
            Referral.heard_on == Case.last_heard_on,
            Referral.linked_to_id.is_(None),
            ~on_open_agenda,
        )
        .order_by(Referral.case_id, Referral.submitted_at.desc())
    )
    seen: set[uuid.UUID] = set()
    heard: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, date]] = []
    for referral_id, case_id, area_id, heard_on in rows:
        if heard_on is not None and case_id not in seen:
            seen.add(case_id)
            heard.append((referral_id, case_id, area_id, heard_on))
    by_area: dict[uuid.UUID, list[Conference]] = defaultdict(list)
    for conference in targets.values():
        by_area[conference.area_id].append(conference)
    added: dict[uuid.UUID, Conference] = {}
    inserts: list[dict[str, object]] = []
    for referral_id, case_id, area_id, heard_on in heard:
        for conference in by_area[area_id]:
            start, end = windows[conference.id]
            if start < heard_on <= end:
                inserts.append(
                    {
                        "id": uuid.uuid4(),
                        "conference_id": conference.id,
                        "referral_id": referral_id,
                        "case_id": case_id,
                        "notification_only": True,
                        "section": "twelve_month",
                        "position": UNPLACED,
                        "starts_at": conference.ends_at,
                        "ends_at": conference.ends_at,
                        "created_at": work.now,
                    }
                )
                added[conference.id] = conference
                break
    if inserts:
        await session.execute(insert(AgendaItem), inserts)
        await session.flush()
        for conference in added.values():
            await relayout(session, work, conference)
    return len(inserts)
