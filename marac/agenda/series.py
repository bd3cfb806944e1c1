"""Conference series: set up, change and end a regular MARAC.

A series holds the rule of the meetings in the area's local time, their length, place and capacity,
the standing attendee agencies and their representatives, and the lead times in working days.  Its
meetings are kept by :mod:`marac.agenda.schedule`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.area_settings import load_area_settings
from marac.access.guards import MANAGERS, Actor, require_area, require_role
from marac.access.models import Agency, Area, Membership, User
from marac.agenda import schemas
from marac.agenda.layout import Rearrangement, case_slots
from marac.agenda.models import (
    Conference,
    ConferenceSeries,
    ConferenceStatus,
    SeriesAgency,
    SeriesRepresentative,
)
from marac.agenda.publication import settle
from marac.agenda.schedule import (
    cancel_conference_now,
    materialise_series,
    parse_local_time,
    replan,
    rule_of,
)
from marac.agenda.visibility import get_series
from marac.clock import Clock
from marac.errors import InvalidInput, NotFound, StaleVersion


async def _check_people(
    session: AsyncSession,
    area_id: uuid.UUID,
    agency_ids: list[uuid.UUID],
    representative_ids: list[uuid.UUID],
    chair_user_id: uuid.UUID | None,
) -> None:
    agencies = set(
        await session.scalars(select(Agency.id).where(Agency.id.in_(agency_ids), Agency.area_id == area_id))
    )
    if missing := [str(a) for a in agency_ids if a not in agencies]:
        raise InvalidInput.for_field("agency_ids", f"not agencies of this area: {', '.join(missing)}")
    wanted = [*representative_ids, *([chair_user_id] if chair_user_id else [])]
    members = set(
        await session.scalars(
            select(Membership.user_id).where(Membership.user_id.in_(wanted), Membership.area_id == area_id)
        )
    )
    if chair_user_id is not None and chair_user_id not in members:
        raise InvalidInput.for_field("chair_user_id", "the chair must be a member of this area")
    rows = await session.execute(select(User.id, User.agency_id).where(User.id.in_(representative_ids)))
    rep_agencies = {row[0]: row[1] for row in rows}
    for user_id in representative_ids:
        if user_id not in members or rep_agencies.get(user_id) not in agencies:
            raise InvalidInput.for_field(
                "representative_ids",
                f"user {user_id} is not a member of this area working for one of the series' agencies",
            )


async def _set_people(
    session: AsyncSession,
    series: ConferenceSeries,
    agency_ids: list[uuid.UUID],
    representative_ids: list[uuid.UUID],
) -> None:
    await session.execute(delete(SeriesAgency).where(SeriesAgency.series_id == series.id))
    await session.execute(delete(SeriesRepresentative).where(SeriesRepresentative.series_id == series.id))
    session.add_all(SeriesAgency(series_id=series.id, agency_id=a) for a in dict.fromkeys(agency_ids))
    session.add_all(
        SeriesRepresentative(series_id=series.id, user_id=u) for u in dict.fromkeys(representative_ids)
    )
    await session.flush()


async def series_people(
    session: AsyncSession, series_id: uuid.UUID
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """(standing agency ids, representative user ids) of a series."""
    agencies = await session.scalars(
        select(SeriesAgency.agency_id).where(SeriesAgency.series_id == series_id)
    )
    reps = await session.scalars(
        select(SeriesRepresentative.user_id).where(SeriesRepresentative.series_id == series_id)
    )
    return sorted(agencies), sorted(reps)


async def create_series(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    area_id: uuid.UUID,
    data: schemas.ConferenceSeriesCreate,
) -> SeriesDetail:
    """Set up a series and materialise its meetings for the next twelve months."""
    require_role(actor, area_id, *MANAGERS, doing="set up a conference series")
    area = await session.get(Area, area_id)
    if area is None:
        raise NotFound("area", area_id)
    settings = load_area_settings(area.settings)
    series = ConferenceSeries(
        id=uuid.uuid4(),
        area_id=area_id,
        name=data.name,
        kind=data.kind,
        weekday=data.weekday,
        nth=data.nth,
        interval_weeks=data.interval_weeks,
        start_date=data.start_date,
        end_date=data.end_date,
        start_time=parse_local_time(data.start_time),
        duration_minutes=data.duration_minutes,
        holiday_policy=data.holiday_policy or settings.holiday_policy,
        location=data.location,
        online_link=data.online_link,
        chair_user_id=data.chair_user_id,
        max_cases=data.max_cases,
        minutes_per_case=data.minutes_per_case or settings.minutes_per_case,
        cutoff_working_days=_or(data.cutoff_working_days, settings.referral_cutoff_working_days),
        publication_working_days=_or(data.publication_working_days, settings.publication_working_days),
        pack_working_days=_or(data.pack_working_days, settings.pack_working_days),
        active=True,
        created_at=clock.now(),
    )
    rule_of(series, area.timezone)  # refuses a rule that cannot work, naming the field
    await _check_people(session, area_id, data.agency_ids, data.representative_ids, data.chair_user_id)
    session.add(series)
    await session.flush()
    await _set_people(session, series, data.agency_ids, data.representative_ids)
    created = await materialise_series(session, clock.now(), series, area)
    await audit.record(
        session,
        actor,
        clock,
        "series.create",
        "conference_series",
        series.id,
        area_id=area_id,
        detail={"conferences": len(created)},
    )
    return await series_detail(session, series)


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


async def update_series(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    series_id: uuid.UUID,
    data: schemas.ConferenceSeriesUpdate,
) -> SeriesDetail:
    """Change a series; its future meetings not moved on their own follow (see the module docstring)."""
    work = Rearrangement(clock.now())
    series = await get_series(session, actor, series_id)
    require_role(actor, series.area_id, *MANAGERS, object_type="conference series", doing="change a series")
    if series.version != data.version:
        raise StaleVersion("conference series", series.id, data.version, series.version)
    area = await session.get(Area, series.area_id)
    assert area is not None
    changed: list[str] = []
    values: dict[str, Any] = {
        name: getattr(data, name)
        for name in data.__struct_fields__
        if name not in ("version", "agency_ids", "representative_ids")
        and getattr(data, name) is not msgspec.UNSET
    }
    if "start_time" in values:
        values["start_time"] = parse_local_time(values["start_time"])
    for name, value in values.items():
        if getattr(series, name) != value:
            setattr(series, name, value)
            changed.append(name)
    rule_of(series, area.timezone)
    agency_ids, rep_ids = await series_people(session, series.id)
    if data.agency_ids is not msgspec.UNSET or data.representative_ids is not msgspec.UNSET:
        new_agencies = agency_ids if data.agency_ids is msgspec.UNSET else data.agency_ids
        new_reps = rep_ids if data.representative_ids is msgspec.UNSET else data.representative_ids
        await _check_people(session, series.area_id, new_agencies, new_reps, series.chair_user_id)
        await _set_people(session, series, new_agencies, new_reps)
        changed += ["agency_ids"] if set(new_agencies) != set(agency_ids) else []
        changed += ["representative_ids"] if set(new_reps) != set(rep_ids) else []
    elif "chair_user_id" in changed:
        await _check_people(session, series.area_id, agency_ids, rep_ids, series.chair_user_id)
    if changed:
        series.version += 1
        await replan(session, work, series, area, set(changed))
        await audit.record(
            session,
            actor,
            clock,
            "series.update",
            "conference_series",
            series.id,
            area_id=series.area_id,
            detail={"fields": changed},
        )
    await settle(session, clock, actor, work)
    return await series_detail(session, series)


async def end_series(session: AsyncSession, clock: Clock, actor: Actor, series_id: uuid.UUID) -> SeriesDetail:
    """Stop a series: no more meetings are materialised and its unpublished future meetings are
    cancelled (their cases move on); meetings already published stay."""
    work = Rearrangement(clock.now())
    series = await get_series(session, actor, series_id)
    require_role(actor, series.area_id, *MANAGERS, object_type="conference series", doing="end a series")
    series.active = False
    series.version += 1
    unpublished = await session.scalars(
        select(Conference)
        .where(
            Conference.series_id == series.id,
            Conference.status == ConferenceStatus.SCHEDULED,
            Conference.starts_at > work.now,
        )
        .order_by(Conference.starts_at.desc())
    )
    cancelled = 0
    for conference in list(unpublished):
        await cancel_conference_now(session, work, conference, "The conference series has ended")
        cancelled += 1
    await audit.record(
        session,
        actor,
        clock,
        "series.end",
        "conference_series",
        series.id,
        area_id=series.area_id,
        detail={"cancelled": cancelled},
    )
    await settle(session, clock, actor, work)
    return await series_detail(session, series)


async def list_series(session: AsyncSession, actor: Actor, area_id: uuid.UUID) -> list[SeriesDetail]:
    """The area's series, by name."""
    require_area(actor, area_id)
    found = await session.scalars(
        select(ConferenceSeries).where(ConferenceSeries.area_id == area_id).order_by(ConferenceSeries.name)
    )
    return [await series_detail(session, series) for series in list(found)]


async def get_series_detail(session: AsyncSession, actor: Actor, series_id: uuid.UUID) -> SeriesDetail:
    return await series_detail(session, await get_series(session, actor, series_id))


@dataclass(frozen=True)
class SeriesDetail:
    series: ConferenceSeries
    timezone: str
    agency_ids: list[uuid.UUID]
    representative_ids: list[uuid.UUID]

    @property
    def capacity(self) -> int:
        s = self.series
        return case_slots(s.duration_minutes, s.minutes_per_case, s.max_cases)


async def series_detail(session: AsyncSession, series: ConferenceSeries) -> SeriesDetail:
    area = await session.get(Area, series.area_id)
    assert area is not None
    agencies, reps = await series_people(session, series.id)
    return SeriesDetail(series, area.timezone, agencies, reps)
