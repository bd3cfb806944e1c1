"""A published conference with cases, research, actions and exclusions, for briefing-pack tests.

Series, queueing, publication, research and actions go through the real services; accepted referrals
are written straight to the tables (as the agenda tests do), since packs only read what intake stores.
The same builder makes the benchmark's conferences (``bench/bench_packs.py``).
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from marac.access.guards import Actor
from marac.access.models import Agency, AgencyKind, Area, Role, User
from marac.actions import schemas as action_schemas
from marac.actions.services import create_action
from marac.agenda import schemas
from marac.agenda.jobs import JOBS as AGENDA_JOBS
from marac.agenda.models import AgendaItem, Conference, ResearchState
from marac.agenda.publication import publish_now
from marac.agenda.research import record_research
from marac.agenda.series import create_series
from marac.cases.instruments import get_instrument
from marac.cases.models import Case, ExcludedRecipient, Person, Referral, ReferralStatus
from marac.cases.people import Protector
from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.factories import make_agency, make_area, make_user

SYSTEM = Actor.system("test")
_numbers = itertools.count(1)


def protector(runtime: Runtime) -> Protector:
    return Protector.from_settings(runtime.settings.security)


def actor_for(user: User, area: Area, *roles: Role) -> Actor:
    """The actor a service sees for ``user`` holding ``roles`` in ``area``."""
    return Actor(
        user_id=user.id, label=user.email, agency_id=user.agency_id, roles={area.id: frozenset(roles)}
    )


async def accepted_referral(
    runtime: Runtime,
    area: Area,
    agency: Agency,
    *,
    children: int = 0,
    repeat: bool = False,
    yes: int = 16,
) -> Referral:
    """An accepted DASH referral of a new case, submitted a day before now."""
    number = next(_numbers)
    now = runtime.clock.now()
    result = get_instrument("dash", "1").score({f"q{n}": "yes" if n <= yes else "no" for n in range(1, 25)})
    async with runtime.transaction() as session:
        person = Person(area_id=area.id, forename_enc="-", surname_enc="-", created_at=now)
        session.add(person)
        await session.flush()
        case = Case(
            area_id=area.id,
            reference=f"MC-{number:05d}",
            victim_id=person.id,
            children_in_household=children,
            created_at=now,
        )
        session.add(case)
        await session.flush()
        referral = Referral(
            area_id=area.id,
            case_id=case.id,
            reference=f"R-{number:05d}",
            referring_agency_id=agency.id,
            referred_on=(now - timedelta(days=1)).date(),
            submitted_at=now - timedelta(days=1),
            status=ReferralStatus.ACCEPTED,
            decided_at=now,
            instrument_id="dash",
            instrument_version="1",
            result=result.as_dict(),
            criteria=["visible_high_risk", "repeat"] if repeat else ["visible_high_risk"],
            eligible=True,
            is_repeat=repeat,
            has_children=children > 0,
            risk_rank=20 + yes,
        )
        session.add(referral)
    return referral


@dataclass
class PackWorld:
    """An area with three attending agencies, their representatives, and one published conference."""

    area: Area
    agencies: dict[str, Agency]  # by short name: police, care, housing, …
    users: dict[str, User]  # coordinator, chair, police.rep, police.rep2, care.rep, housing.rep, …
    tokens: dict[str, str]
    series_id: uuid.UUID
    conference: Conference
    cases: dict[str, Case] = field(default_factory=dict)  # by letter: A, B, C, D

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[key]}"}

    def actor(self, key: str, *roles: Role) -> Actor:
        return actor_for(self.users[key], self.area, *roles)

    @property
    def references(self) -> dict[str, str]:
        return {letter: case.reference for letter, case in self.cases.items()}


async def run_agenda_sweeps(runtime: Runtime) -> None:
    for job in AGENDA_JOBS:
        await job.function(runtime)


async def series_and_conference(
    runtime: Runtime, area: Area, agencies: list[Agency], reps: list[User], chair: User, **rules: Any
) -> tuple[uuid.UUID, Conference]:
    data = schemas.ConferenceSeriesCreate(
        name="North Shire MARAC",
        kind="monthly_nth_weekday",
        nth=2,
        weekday=1,
        start_date=date(2026, 10, 1),
        start_time="10:00",
        duration_minutes=rules.pop("duration_minutes", 240),
        location="Civic Centre, Room 4",
        minutes_per_case=rules.pop("minutes_per_case", 10),
        agency_ids=[a.id for a in agencies],
        representative_ids=[u.id for u in reps],
        chair_user_id=chair.id,
        **rules,
    )
    # Made a month and a half ago, so that the series' November meeting exists and has met.
    clock = runtime.clock
    assert isinstance(clock, FixedClock)
    today = clock.now()
    clock.set(today - timedelta(days=45))
    async with runtime.transaction() as session:
        series = await create_series(session, clock, SYSTEM, area.id, data)
    clock.set(today)
    async with runtime.transaction() as session:
        conference = await session.scalar(
            select(Conference)
            .where(Conference.series_id == series.series.id, Conference.cut_off > runtime.clock.now())
            .order_by(Conference.starts_at)
            .limit(1)
        )
    assert conference is not None
    return series.series.id, conference


async def publish(runtime: Runtime, conference: Conference) -> Conference:
    """Queue waiting referrals and publish the conference's agenda (as the coordinator may early)."""
    await run_agenda_sweeps(runtime)
    async with runtime.transaction() as session:
        await publish_now(session, runtime.clock, SYSTEM, conference.id)
        fresh = await session.get(Conference, conference.id)
        assert fresh is not None
        return fresh


async def item_of(runtime: Runtime, conference: Conference, case: Case) -> AgendaItem:
    async with runtime.transaction() as session:
        item = await session.scalar(
            select(AgendaItem).where(AgendaItem.conference_id == conference.id, AgendaItem.case_id == case.id)
        )
    assert item is not None
    return item


async def note_research(
    runtime: Runtime, world: PackWorld, letter: str, agency: str, status: ResearchState, note: str | None
) -> None:
    item = await item_of(runtime, world.conference, world.cases[letter])
    async with runtime.transaction() as session:
        await record_research(
            session,
            runtime.clock,
            SYSTEM,
            item.id,
            world.agencies[agency].id,
            schemas.ResearchUpdate(status=status, note=note, version=0),
            protector(runtime).cipher,
        )


async def exclude(runtime: Runtime, case: Case, user: User) -> None:
    async with runtime.transaction() as session:
        session.add(
            ExcludedRecipient(
                case_id=case.id, user_id=user.id, reason="related", added_at=runtime.clock.now()
            )
        )


async def agree_action(
    runtime: Runtime, conference_id: uuid.UUID, case: Case, owner: Agency, description: str, deadline: date
) -> None:
    async with runtime.transaction() as session:
        await create_action(
            session,
            runtime.clock,
            SYSTEM,
            protector(runtime),
            conference_id,
            action_schemas.ActionCreate(
                case_id=case.id, description=description, owner_agency_id=owner.id, deadline=deadline
            ),
        )


async def previous_conference(runtime: Runtime, series_id: uuid.UUID) -> Conference:
    """The series' conference that already met (10 November 2026), where earlier actions were agreed."""
    async with runtime.transaction() as session:
        found = await session.scalar(
            select(Conference)
            .where(Conference.series_id == series_id, Conference.starts_at < runtime.clock.now())
            .order_by(Conference.starts_at.desc())
            .limit(1)
        )
    assert found is not None
    return found


async def build_pack_world(runtime: Runtime) -> PackWorld:
    """Police, children's services and housing attend; four cases are listed:

    * A — referred by police; ``police.rep2`` is on its must-not-receive list; an open action owned by
      children's services, agreed at the previous meeting;
    * B — referred by children's services, two children in the household, a repeat;
    * C — referred by police, marked relevant to housing by the coordinator (in tests that need it);
    * D — referred by housing.
    """
    area_name = f"north-{next(_numbers)}"
    area = await make_area(runtime, area_name)
    agencies = {
        "police": await make_agency(runtime, area, "North Police", AgencyKind.POLICE),
        "care": await make_agency(
            runtime, area, "North Children's Services", AgencyKind.CHILDRENS_SOCIAL_CARE
        ),
        "housing": await make_agency(runtime, area, "North Housing", AgencyKind.HOUSING),
    }
    people = {
        "coordinator": ([Role.COORDINATOR], "police"),
        "chair": ([Role.CHAIR, Role.REPRESENTATIVE], "care"),
        "police.rep": ([Role.REPRESENTATIVE], "police"),
        "police.rep2": ([Role.REPRESENTATIVE], "police"),
        "care.rep": ([Role.REPRESENTATIVE], "care"),
        "housing.rep": ([Role.REPRESENTATIVE], "housing"),
    }
    users: dict[str, User] = {}
    tokens: dict[str, str] = {}
    for key, (roles, agency) in people.items():
        users[key], tokens[key] = await make_user(
            runtime, area, f"{key}@{area_name}.example", roles, agencies[agency]
        )
    reps = [users[k] for k in ("police.rep", "police.rep2", "care.rep", "housing.rep")]
    series_id, conference = await series_and_conference(
        runtime, area, list(agencies.values()), reps, users["chair"]
    )
    world = PackWorld(area, agencies, users, tokens, series_id, conference)
    for letter, agency, children, repeat in (
        ("A", "police", 0, False),
        ("B", "care", 2, True),
        ("C", "police", 0, False),
        ("D", "housing", 0, False),
    ):
        referral = await accepted_referral(runtime, area, agencies[agency], children=children, repeat=repeat)
        async with runtime.transaction() as session:
            case = await session.get(Case, referral.case_id)
        assert case is not None
        world.cases[letter] = case
    await exclude(runtime, world.cases["A"], users["police.rep2"])
    earlier = await previous_conference(runtime, series_id)
    await agree_action(
        runtime,
        earlier.id,
        world.cases["A"],
        agencies["care"],
        "Visit the school about safe collection",
        date(2026, 12, 20),
    )
    world.conference = await publish(runtime, conference)
    return world


async def set_pack_scope(runtime: Runtime, area: Area, scope: str) -> None:
    async with runtime.transaction() as session:
        row = await session.get(Area, area.id)
        assert row is not None
        row.settings = {**row.settings, "pack_scope": scope}


def when(world: PackWorld) -> dict[str, datetime]:
    """The conference's moments: publication, packs and the meeting."""
    c = world.conference
    return {"publish": c.publish_at, "packs": c.packs_at, "starts": c.starts_at}
