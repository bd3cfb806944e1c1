"""The schedule of a series: its meetings twelve months ahead, kept in step with the series.

Meetings are materialised as :class:`Conference` rows keyed by the date the rule names.  Materialising
again creates only what is missing, so a meeting moved or cancelled on its own is never created a
second time.  When a series changes, its future meetings that were not moved on their own follow:
each change of time or place bumps the meeting's calendar sequence, a meeting the new rule no longer
names is cancelled and its cases move on to the next meeting, and new meetings are materialised.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.models import Area
from marac.agenda.layout import OPEN_STATUSES, Rearrangement, case_slots, move_to_next, relayout
from marac.agenda.models import AgendaItem, Conference, ConferenceSeries, ConferenceStatus, NoticeKind
from marac.agenda.recurrence import LeadTimes, Occurrence, SeriesRule, lead_times, occurrences
from marac.agenda.workdays import calendar_for
from marac.clock import Clock
from marac.notify.ical import conference_uid

MATERIALISE_MONTHS = 12
UID_DOMAIN = "marac"


def parse_local_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def rule_of(series: ConferenceSeries, timezone: str) -> SeriesRule:
    """The recurrence rule of a series (raises :class:`InvalidInput` naming a wrong field)."""
    return SeriesRule(
        kind=series.kind,  # type: ignore[arg-type]  # checked by SeriesRule itself
        start_date=series.start_date,
        start_time=series.start_time,
        duration_minutes=series.duration_minutes,
        timezone=timezone,
        weekday=series.weekday,
        nth=series.nth,
        interval_weeks=series.interval_weeks,
        holiday_policy=series.holiday_policy,  # type: ignore[arg-type]
        end_date=series.end_date,
    )


def deadlines(series: ConferenceSeries, area: Area, local_date: date) -> LeadTimes:
    return lead_times(
        local_date,
        calendar_for(area.jurisdiction),
        tz=area.timezone,
        referral_cutoff_days=series.cutoff_working_days,
        publication_days=series.publication_working_days,
        pack_days=series.pack_working_days,
    )


def set_deadlines(conference: Conference, lead: LeadTimes) -> None:
    conference.cut_off, conference.publish_at, conference.packs_at = (
        lead.cut_off,
        lead.publish_at,
        lead.packs_at,
    )


def new_conference(
    series: ConferenceSeries,
    area: Area,
    occurrence: Occurrence,
    now: datetime,
    *,
    extraordinary: bool = False,
) -> Conference:
    conference_id = uuid.uuid4()
    conference = Conference(
        id=conference_id,
        area_id=area.id,
        series_id=series.id,
        occurrence_date=None if extraordinary else occurrence.original_date,
        local_date=occurrence.local_date,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        status=ConferenceStatus.SCHEDULED,
        extraordinary=extraordinary,
        moved_for_holiday=occurrence.moved_for_holiday,
        flagged_holiday=occurrence.flagged_holiday,
        capacity=case_slots(series.duration_minutes, series.minutes_per_case, series.max_cases),
        max_cases=series.max_cases,
        minutes_per_case=series.minutes_per_case,
        location=series.location,
        online_link=series.online_link,
        chair_user_id=series.chair_user_id,
        ical_uid=conference_uid(conference_id, UID_DOMAIN),
        sequence=0,
        agenda_version=0,
        created_at=now,
    )
    set_deadlines(conference, deadlines(series, area, occurrence.local_date))
    return conference


def _window(area: Area, now: datetime) -> tuple[date, date]:
    today = now.astimezone(ZoneInfo(area.timezone)).date()
    try:
        until = today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        until = date(today.year + 1, 2, 28)
    return today, until


async def materialise_series(
    session: AsyncSession, now: datetime, series: ConferenceSeries, area: Area
) -> list[Conference]:
    """Create the series' missing meetings from today to twelve months ahead; returns the new ones."""
    if not series.active:
        return []
    today, until = _window(area, now)
    existing = set(
        await session.scalars(select(Conference.occurrence_date).where(Conference.series_id == series.id))
    )
    created = []
    for occurrence in occurrences(
        rule_of(series, area.timezone), calendar_for(area.jurisdiction), today, until
    ):
        if occurrence.original_date in existing or occurrence.starts_at <= now:
            continue
        conference = new_conference(series, area, occurrence, now)
        session.add(conference)
        created.append(conference)
    series.materialised_until = until
    await session.flush()
    return created


async def materialise(
    session: AsyncSession, clock: Clock, *, area_ids: Collection[uuid.UUID] | None = None
) -> int:
    """Scheduler sweep: materialise every active series twelve months ahead.  Idempotent."""
    now = clock.now()
    query = (
        select(ConferenceSeries, Area)
        .join(Area, Area.id == ConferenceSeries.area_id)
        .where(ConferenceSeries.active.is_(True))
    )
    if area_ids is not None:
        query = query.where(ConferenceSeries.area_id.in_(list(area_ids)))
    count = 0
    for series, area in await session.execute(query):
        if series.materialised_until is not None and series.materialised_until >= _window(area, now)[1]:
            continue  # already done today
        count += len(await materialise_series(session, now, series, area))
    return count


TIMING = (
    "kind",
    "weekday",
    "nth",
    "interval_weeks",
    "start_date",
    "end_date",
    "start_time",
    "duration_minutes",
    "holiday_policy",
    "cutoff_working_days",
    "publication_working_days",
    "pack_working_days",
)
PLACE = ("location", "online_link", "chair_user_id")
CAPACITY = ("max_cases", "minutes_per_case", "duration_minutes")


async def _future(session: AsyncSession, series: ConferenceSeries, now: datetime) -> list[Conference]:
    """Future meetings of the series that follow it: open, regular, not moved on their own."""
    return list(
        await session.scalars(
            select(Conference)
            .where(
                Conference.series_id == series.id,
                Conference.status.in_(OPEN_STATUSES),
                Conference.extraordinary.is_(False),
                Conference.rescheduled.is_(False),
                Conference.starts_at > now,
            )
            .order_by(Conference.starts_at)
        )
    )


async def replan(
    session: AsyncSession, work: Rearrangement, series: ConferenceSeries, area: Area, changed: set[str]
) -> None:
    now = work.now
    future = await _future(session, series, now)
    dropped: list[Conference] = []
    if changed & set(TIMING):
        today, until = _window(area, now)
        planned = {
            o.original_date: o
            for o in occurrences(
                rule_of(series, area.timezone), calendar_for(area.jurisdiction), today, until
            )
        }
        for conference in future:
            occurrence = planned.get(conference.occurrence_date) if conference.occurrence_date else None
            if occurrence is None or occurrence.starts_at <= now:
                dropped.append(conference)
                continue
            if (conference.starts_at, conference.ends_at) != (occurrence.starts_at, occurrence.ends_at):
                conference.sequence += 1
            conference.local_date = occurrence.local_date
            conference.starts_at, conference.ends_at = occurrence.starts_at, occurrence.ends_at
            conference.moved_for_holiday = occurrence.moved_for_holiday
            conference.flagged_holiday = occurrence.flagged_holiday
            set_deadlines(conference, deadlines(series, area, occurrence.local_date))
    for conference in future:
        if conference in dropped:
            continue
        if changed & set(PLACE):
            if (conference.location, conference.online_link) != (series.location, series.online_link):
                conference.sequence += 1
            conference.location, conference.online_link = series.location, series.online_link
            conference.chair_user_id = series.chair_user_id
        if changed & set(CAPACITY):
            conference.max_cases, conference.minutes_per_case = series.max_cases, series.minutes_per_case
            conference.capacity = case_slots(
                int((conference.ends_at - conference.starts_at).total_seconds() // 60),
                series.minutes_per_case,
                series.max_cases,
            )
        if changed & set(TIMING + CAPACITY):
            await relayout(session, work, conference)
    await materialise_series(session, now, series, area)
    for conference in dropped:
        await cancel_conference_now(session, work, conference, "The series no longer meets on this date")


async def cancel_conference_now(
    session: AsyncSession, work: Rearrangement, conference: Conference, reason: str
) -> None:
    """Cancel one meeting and move its cases on to the next meeting of the area."""
    conference.status = ConferenceStatus.CANCELLED
    conference.cancelled_at = work.now
    conference.cancel_reason = reason
    conference.sequence += 1
    conference.version += 1
    items = list(await session.scalars(select(AgendaItem).where(AgendaItem.conference_id == conference.id)))
    discussed = [item for item in items if not item.notification_only]
    # Notification-only lines are recomputed for the next meeting; they do not travel.
    for item in items:
        if item.notification_only:
            await session.delete(item)
    await move_to_next(session, work, conference, discussed, kind=NoticeKind.MOVED)
