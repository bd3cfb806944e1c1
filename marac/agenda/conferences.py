"""Single conferences: list and read them, move or cancel one meeting, call an extraordinary one.

Every change of time or place, and a cancellation, bumps the conference's calendar ``sequence`` so
that updated invitations supersede earlier ones; the ``ical_uid`` never changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import MANAGERS, Actor, require_area, require_role
from marac.access.models import Area
from marac.agenda import schemas
from marac.agenda.layout import OPEN_STATUSES, Rearrangement, case_slots, relayout
from marac.agenda.models import AgendaItem, Conference, ConferenceSeries, ConferenceStatus
from marac.agenda.publication import settle
from marac.agenda.recurrence import Occurrence, local_to_utc
from marac.agenda.schedule import (
    cancel_conference_now,
    deadlines,
    new_conference,
    parse_local_time,
    set_deadlines,
)
from marac.agenda.visibility import get_conference, get_series, require_manager
from marac.agenda.workdays import calendar_for
from marac.cases.access import ensure_not_excluded
from marac.cases.models import Referral, ReferralStatus
from marac.clock import Clock
from marac.errors import Conflict, InvalidInput, NotFound, StaleVersion

# Packs for an extraordinary conference go out this long before it (or at once, if it is sooner).
EXTRAORDINARY_PACK_NOTICE = timedelta(hours=24)


@dataclass(frozen=True)
class ConferenceSummary:
    conference: Conference
    timezone: str
    cases_listed: int


async def _counts(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    counts: dict[uuid.UUID, int] = {}
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(AgendaItem.conference_id, func.count())
            .where(
                AgendaItem.conference_id.in_(ids[start : start + 500]),
                AgendaItem.notification_only.is_(False),
            )
            .group_by(AgendaItem.conference_id)
        )
        counts.update({cid: int(n) for cid, n in rows})
    return counts


async def list_conferences(
    session: AsyncSession,
    actor: Actor,
    area_id: uuid.UUID,
    *,
    from_date: date | None = None,
    until_date: date | None = None,
    status: ConferenceStatus | None = None,
) -> list[ConferenceSummary]:
    """The area's conferences in date order (time and place only; the agenda is separate)."""
    require_area(actor, area_id)
    area = await session.get(Area, area_id)
    if area is None:
        raise NotFound("area", area_id)
    query = select(Conference).where(Conference.area_id == area_id)
    if from_date is not None:
        query = query.where(Conference.local_date >= from_date)
    if until_date is not None:
        query = query.where(Conference.local_date <= until_date)
    if status is not None:
        query = query.where(Conference.status == status)
    conferences = list(await session.scalars(query.order_by(Conference.starts_at, Conference.id).limit(500)))
    counts = await _counts(session, [c.id for c in conferences])
    return [ConferenceSummary(c, area.timezone, counts.get(c.id, 0)) for c in conferences]


async def conference_summary(session: AsyncSession, conference: Conference) -> ConferenceSummary:
    area = await session.get(Area, conference.area_id)
    assert area is not None
    counts = await _counts(session, [conference.id])
    return ConferenceSummary(conference, area.timezone, counts.get(conference.id, 0))


async def get_conference_summary(
    session: AsyncSession, actor: Actor, conference_id: uuid.UUID
) -> ConferenceSummary:
    return await conference_summary(session, await get_conference(session, actor, conference_id))


def _check_version(conference: Conference, expected: int) -> None:
    if conference.version != expected:
        raise StaleVersion("conference", conference.id, expected, conference.version)


def _require_open(conference: Conference, doing: str) -> None:
    if conference.status not in OPEN_STATUSES:
        raise Conflict(f"The conference is {conference.status.value}: it is too late to {doing}")


def _holiday_flag(area: Area, day: date) -> str | None:
    calendar = calendar_for(area.jurisdiction)
    if calendar.is_working_day(day):
        return None
    return calendar.holiday_name(day) or "a weekend"


async def move_conference(
    session: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID, data: schemas.ConferenceMove
) -> ConferenceSummary:
    """Move one meeting to another day (and time, length or place); the series leaves it be after."""
    work = Rearrangement(clock.now())
    conference = await get_conference(session, actor, conference_id)
    require_manager(actor, conference, "move a conference")
    _check_version(conference, data.version)
    _require_open(conference, "move it")
    area = await session.get(Area, conference.area_id)
    series = await session.get(ConferenceSeries, conference.series_id)
    assert area is not None
    assert series is not None
    zone = ZoneInfo(area.timezone)
    start_time = (
        parse_local_time(data.start_time)
        if data.start_time is not msgspec.UNSET
        else conference.starts_at.astimezone(zone).time().replace(tzinfo=None)
    )
    duration = (
        data.duration_minutes
        if data.duration_minutes is not msgspec.UNSET
        else int((conference.ends_at - conference.starts_at).total_seconds() // 60)
    )
    starts_at = local_to_utc(data.local_date, start_time, zone)
    if starts_at <= work.now:
        raise InvalidInput.for_field("local_date", "a conference can only be moved to a time in the future")
    ends_at = starts_at + timedelta(minutes=duration)
    changed = []
    if (starts_at, ends_at) != (conference.starts_at, conference.ends_at):
        changed.append("time")
    location = data.location if data.location is not msgspec.UNSET else conference.location
    online_link = data.online_link if data.online_link is not msgspec.UNSET else conference.online_link
    if (location, online_link) != (conference.location, conference.online_link):
        changed.append("place")
    if not changed:
        return await conference_summary(session, conference)
    conference.local_date, conference.starts_at, conference.ends_at = data.local_date, starts_at, ends_at
    conference.location, conference.online_link = location, online_link
    conference.moved_for_holiday = None
    conference.flagged_holiday = _holiday_flag(area, data.local_date)
    conference.capacity = case_slots(duration, conference.minutes_per_case, conference.max_cases)
    if not conference.extraordinary:
        set_deadlines(conference, deadlines(series, area, data.local_date))
    conference.rescheduled = True
    conference.sequence += 1
    conference.version += 1
    await relayout(session, work, conference)
    await audit.record(
        session,
        actor,
        clock,
        "conference.move",
        "conference",
        conference.id,
        area_id=conference.area_id,
        detail={"changed": changed, "sequence": conference.sequence},
    )
    await settle(session, clock, actor, work)
    return await conference_summary(session, conference)


async def cancel_conference(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    conference_id: uuid.UUID,
    data: schemas.ConferenceCancel,
) -> ConferenceSummary:
    """Cancel one meeting; its cases move on to the next meeting of the area."""
    work = Rearrangement(clock.now())
    conference = await get_conference(session, actor, conference_id)
    require_manager(actor, conference, "cancel a conference")
    _check_version(conference, data.version)
    _require_open(conference, "cancel it")
    await cancel_conference_now(session, work, conference, data.reason)
    await audit.record(
        session,
        actor,
        clock,
        "conference.cancel",
        "conference",
        conference.id,
        area_id=conference.area_id,
        detail={"sequence": conference.sequence},
    )
    await settle(session, clock, actor, work)
    return await conference_summary(session, conference)


async def call_extraordinary(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    series_id: uuid.UUID,
    data: schemas.ExtraordinaryConferenceCreate,
) -> ConferenceSummary:
    """An extra meeting of a series at short notice, listing the urgent referrals given.

    Its list closes and is published at the next scheduler sweep; a referral already on another
    open agenda is moved from there.  Queueing never places referrals here by itself.
    """
    work = Rearrangement(clock.now())
    series = await get_series(session, actor, series_id)
    require_role(actor, series.area_id, *MANAGERS, object_type="conference series", doing="call a conference")
    area = await session.get(Area, series.area_id)
    assert area is not None
    now = work.now
    starts_at = local_to_utc(data.local_date, parse_local_time(data.start_time), area.timezone)
    if starts_at <= now:
        raise InvalidInput.for_field("local_date", "an extraordinary conference must be in the future")
    duration = data.duration_minutes or series.duration_minutes
    occurrence = Occurrence(
        local_date=data.local_date,
        original_date=data.local_date,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=duration),
        flagged_holiday=_holiday_flag(area, data.local_date),
    )
    conference = new_conference(series, area, occurrence, now, extraordinary=True)
    conference.capacity = case_slots(duration, series.minutes_per_case, series.max_cases)
    conference.location = data.location or series.location
    conference.online_link = data.online_link or series.online_link
    conference.cut_off = conference.publish_at = now
    conference.packs_at = max(now, starts_at - EXTRAORDINARY_PACK_NOTICE)
    session.add(conference)
    await session.flush()
    for referral_id in dict.fromkeys(data.referral_ids):
        await _list_urgent(session, actor, work, conference, referral_id)
    await relayout(session, work, conference)
    await audit.record(
        session,
        actor,
        clock,
        "conference.extraordinary",
        "conference",
        conference.id,
        area_id=area.id,
        detail={"referral_ids": [str(r) for r in data.referral_ids]},
    )
    await settle(session, clock, actor, work)
    return await conference_summary(session, conference)


async def _list_urgent(
    session: AsyncSession, actor: Actor, work: Rearrangement, conference: Conference, referral_id: uuid.UUID
) -> None:
    referral = await session.get(Referral, referral_id)
    if (
        referral is None
        or referral.area_id != conference.area_id
        or referral.status != ReferralStatus.ACCEPTED
    ):
        raise InvalidInput.for_field(
            "referral_ids", f"{referral_id} is not an accepted referral of this area"
        )
    await ensure_not_excluded(session, actor, referral.case_id, "referral", referral_id)
    rows = await session.execute(
        select(AgendaItem, Conference)
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .where(
            AgendaItem.referral_id == referral_id,
            AgendaItem.notification_only.is_(False),
            Conference.status.in_(OPEN_STATUSES),
        )
    )
    found = rows.first()
    if found is not None:
        item, source = found
        item.conference_id = conference.id
        item.pinned = False
        await session.flush()
        await relayout(session, work, source)
        return
    session.add(
        AgendaItem(
            conference_id=conference.id,
            referral_id=referral_id,
            case_id=referral.case_id,
            section="adults",
            position=1,
            starts_at=conference.starts_at,
            ends_at=conference.starts_at,
            created_at=work.now,
        )
    )
    await session.flush()
