"""Accepted referrals and conference series for agenda tests, written straight to the tables.

Queueing only reads what the cases domain stores, so these builders do not go through the referral
services: an accepted referral is a person, a case and a referral row.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from marac.access.guards import Actor
from marac.access.models import Agency, Area
from marac.agenda import schemas
from marac.agenda.jobs import JOBS
from marac.agenda.models import AgendaItem, Conference
from marac.agenda.series import SeriesDetail, create_series
from marac.cases.models import Case, ExcludedRecipient, Person, Referral, ReferralStatus
from marac.runtime import Runtime

_numbers = itertools.count(1)


async def accepted_referral(
    runtime: Runtime,
    area: Area,
    agency: Agency,
    decided_at: datetime,
    *,
    has_children: bool = False,
    is_repeat: bool = False,
    risk_rank: int = 10,
    urgent: bool = False,
    submitted_at: datetime | None = None,
    case: Case | None = None,
    linked_to: Referral | None = None,
) -> Referral:
    """An accepted referral (and its case, unless given) accepted at ``decided_at``."""
    number = next(_numbers)
    submitted = submitted_at or decided_at - timedelta(days=1)
    async with runtime.transaction() as session:
        if case is None:
            person = Person(area_id=area.id, forename_enc="-", surname_enc="-", created_at=submitted)
            session.add(person)
            await session.flush()
            case = Case(
                area_id=area.id,
                reference=f"MC-{number:05d}",
                victim_id=person.id,
                children_in_household=0,
                created_at=submitted,
            )
            session.add(case)
            await session.flush()
        referral = Referral(
            area_id=area.id,
            case_id=case.id,
            reference=f"R-{number:05d}",
            referring_agency_id=agency.id,
            referred_on=submitted.date(),
            submitted_at=submitted,
            status=ReferralStatus.ACCEPTED,
            decided_at=decided_at,
            has_children=has_children,
            is_repeat=is_repeat,
            risk_rank=risk_rank,
            urgent=urgent,
            linked_to_id=linked_to.id if linked_to else None,
        )
        session.add(referral)
    return referral


async def case_of(runtime: Runtime, referral: Referral) -> Case:
    async with runtime.transaction() as session:
        case = await session.get(Case, referral.case_id)
        assert case is not None
        return case


async def exclude(runtime: Runtime, case_id: uuid.UUID, user_id: uuid.UUID, when: datetime) -> None:
    """Put a user on a case's must-not-receive list."""
    async with runtime.transaction() as session:
        session.add(ExcludedRecipient(case_id=case_id, user_id=user_id, reason="related", added_at=when))


def series_body(**overrides: Any) -> dict[str, Any]:
    """A monthly series: second Tuesday, 10:00 for three hours."""
    body: dict[str, Any] = {
        "name": "North Shire MARAC",
        "kind": "monthly_nth_weekday",
        "nth": 2,
        "weekday": 1,
        "start_date": "2026-11-01",
        "start_time": "10:00",
        "duration_minutes": 180,
        "location": "Civic Centre, Room 4",
        "minutes_per_case": 10,
    }
    body.update(overrides)
    return body


async def monthly_series(
    runtime: Runtime,
    area: Area,
    agencies: list[Agency],
    *,
    representative_ids: list[uuid.UUID] | None = None,
    chair_id: uuid.UUID | None = None,
    **overrides: Any,
) -> SeriesDetail:
    data = schemas.ConferenceSeriesCreate(
        **{
            **series_body(**overrides),
            "start_date": date.fromisoformat(series_body(**overrides)["start_date"]),
            "agency_ids": [a.id for a in agencies],
            "representative_ids": representative_ids or [],
            "chair_user_id": chair_id,
        }
    )
    async with runtime.transaction() as session:
        return await create_series(session, runtime.clock, Actor.system("test"), area.id, data)


async def conferences_of(runtime: Runtime, series_id: uuid.UUID) -> list[Conference]:
    async with runtime.transaction() as session:
        return list(
            await session.scalars(
                select(Conference).where(Conference.series_id == series_id).order_by(Conference.starts_at)
            )
        )


async def items_of(runtime: Runtime, conference_id: uuid.UUID) -> list[AgendaItem]:
    """Discussion items in running order."""
    async with runtime.transaction() as session:
        return list(
            await session.scalars(
                select(AgendaItem)
                .where(AgendaItem.conference_id == conference_id)
                .order_by(AgendaItem.starts_at, AgendaItem.position)
            )
        )


async def sweep(runtime: Runtime) -> None:
    """The agenda's scheduler sweeps, once each, in the order ``run_all_once`` runs them."""
    for job in JOBS:
        await job.function(runtime)
