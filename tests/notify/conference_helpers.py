"""Conference series and conferences as the agenda stores them, built directly for notification tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from marac.access.models import Area, User
from marac.agenda.models import Conference, ConferenceSeries, ConferenceStatus, SeriesRepresentative
from marac.notify.ical import conference_uid
from marac.notify.invitations import conference_changed
from marac.notify.models import Invitation
from marac.runtime import Runtime

LONDON = ZoneInfo("Europe/London")
MAILBOX = "marac.coordinator@north.example"


async def set_mailbox(runtime: Runtime, area: Area, mailbox: str | None = MAILBOX) -> None:
    async with runtime.transaction() as session:
        stored = await session.get(Area, area.id)
        assert stored is not None
        stored.settings = {**stored.settings, "coordinator_mailbox": mailbox}


async def make_series(
    runtime: Runtime, area: Area, representatives: Sequence[User], chair: User | None = None
) -> ConferenceSeries:
    """A monthly North Shire MARAC with these standing representatives."""
    async with runtime.transaction() as session:
        series = ConferenceSeries(
            area_id=area.id,
            name="North Shire MARAC",
            kind="monthly_nth_weekday",
            weekday=1,
            nth=2,
            start_date=runtime.clock.now().date(),
            start_time=time(10, 0),
            duration_minutes=180,
            location="Committee Room 2, Civic Centre, Northtown",
            online_link="https://meet.example/j/4815162342",
            chair_user_id=chair.id if chair else None,
            minutes_per_case=12,
            cutoff_working_days=8,
            publication_working_days=8,
            pack_working_days=2,
            created_at=runtime.clock.now(),
        )
        session.add(series)
        await session.flush()
        for user in representatives:
            session.add(SeriesRepresentative(series_id=series.id, user_id=user.id))
    return series


async def make_conference(runtime: Runtime, series: ConferenceSeries, local_start: datetime) -> Conference:
    """One meeting of ``series`` starting at the local (Europe/London) time given, three hours long."""
    starts_at = local_start.replace(tzinfo=LONDON)
    conference_id = uuid.uuid4()
    async with runtime.transaction() as session:
        conference = Conference(
            id=conference_id,
            area_id=series.area_id,
            series_id=series.id,
            occurrence_date=starts_at.date(),
            local_date=starts_at.date(),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=3),
            cut_off=starts_at - timedelta(days=10),
            publish_at=starts_at - timedelta(days=10),
            packs_at=starts_at - timedelta(days=2),
            capacity=15,
            minutes_per_case=12,
            location=series.location,
            online_link=series.online_link,
            chair_user_id=series.chair_user_id,
            ical_uid=conference_uid(conference_id, "marac.example"),
            created_at=runtime.clock.now(),
        )
        session.add(conference)
    return conference


async def move(
    runtime: Runtime,
    conference: Conference,
    local_start: datetime,
    *,
    location: str | None = None,
    bump: bool = True,
) -> None:
    """What the agenda's move does (time, place, SEQUENCE), then the hook, in one transaction."""
    starts_at = local_start.replace(tzinfo=LONDON)
    async with runtime.transaction() as session:
        stored = await session.get(Conference, conference.id)
        assert stored is not None
        stored.starts_at, stored.ends_at = starts_at, starts_at + timedelta(hours=3)
        stored.local_date = starts_at.date()
        if location is not None:
            stored.location = location
        if bump:
            stored.sequence += 1
        await conference_changed(session, runtime.clock, conference.id, settings=runtime.settings)


async def cancel(runtime: Runtime, conference: Conference) -> None:
    async with runtime.transaction() as session:
        stored = await session.get(Conference, conference.id)
        assert stored is not None
        stored.status = ConferenceStatus.CANCELLED
        stored.sequence += 1
        await conference_changed(session, runtime.clock, conference.id, settings=runtime.settings)


async def set_representatives(runtime: Runtime, series: ConferenceSeries, users: Sequence[User]) -> None:
    async with runtime.transaction() as session:
        await session.execute(delete(SeriesRepresentative).where(SeriesRepresentative.series_id == series.id))
        for user in users:
            session.add(SeriesRepresentative(series_id=series.id, user_id=user.id))


async def invitations(runtime: Runtime, conference: Conference) -> dict[uuid.UUID, Invitation]:
    async with runtime.sessions() as session:
        rows = await session.scalars(select(Invitation).where(Invitation.conference_id == conference.id))
        return {row.user_id: row for row in rows}
