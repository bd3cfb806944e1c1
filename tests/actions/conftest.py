"""A held conference with cases, a coming one, and helpers to agree actions and read the outbox.

Cases and conferences are written directly as rows (fictional, encrypted placeholders): these tests are
about actions, not about referral intake or conference planning.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from marac.access.guards import Actor
from marac.access.models import Agency, Role, User
from marac.actions import schemas, services
from marac.actions.jobs import send_action_reminders
from marac.actions.models import Action
from marac.agenda.models import Conference, ConferenceSeries, ConferenceStatus
from marac.agenda.recurrence import local_to_utc
from marac.cases.models import Case, ExcludedRecipient, Person
from marac.cases.people import Protector
from marac.clock import FixedClock
from marac.notify.models import Notification
from marac.runtime import Runtime
from tests.factories import World, make_user

HELD_ON = date(2026, 11, 17)  # a Tuesday; the clock starts on Monday 23 November 2026, 09:00Z
NEXT_ON = date(2026, 12, 15)
LONDON = "Europe/London"


def local(day: date, hour: int = 8, minute: int = 0) -> datetime:
    """A wall-clock time in London as UTC (reminders go at 08:00 local by default)."""
    return local_to_utc(day, time(hour, minute), LONDON)


@dataclass
class Meeting:
    world: World
    runtime: Runtime
    clock: FixedClock
    series_id: uuid.UUID
    held: Conference
    coming: Conference
    cases: list[Case]
    police_rep: User
    police_rep_token: str
    protector: Protector
    actors: dict[str, Actor] = field(default_factory=dict)

    def actor(self, key: str) -> Actor:
        """An Actor for a world user key (roles in the world's area, as the API would build it)."""
        user = self.police_rep if key == "police_rep" else self.world.users[key]
        roles = {
            "coordinator": {Role.COORDINATOR},
            "chair": {Role.CHAIR},
            "representative": {Role.REPRESENTATIVE},
            "referrer": {Role.REFERRER},
            "police_rep": {Role.REPRESENTATIVE},
        }[key]
        return Actor(
            user_id=user.id,
            label=user.email,
            agency_id=user.agency_id,
            roles={self.world.area.id: frozenset(roles)},
        )

    async def agree(
        self,
        *,
        case: int = 0,
        agency: Agency | None = None,
        deadline: date = date(2026, 12, 10),
        owner_user_id: uuid.UUID | None = None,
        description: str = "Arrange a joint visit with the named worker",
        conference: Conference | None = None,
    ) -> Action:
        async with self.runtime.transaction() as session:
            return await services.create_action(
                session,
                self.clock,
                self.actor("coordinator"),
                self.protector,
                (conference or self.held).id,
                schemas.ActionCreate(
                    case_id=self.cases[case].id,
                    description=description,
                    owner_agency_id=(agency or self.world.police).id,
                    owner_user_id=owner_user_id,
                    deadline=deadline,
                ),
            )

    async def sweep_at(self, when: datetime) -> dict[str, int]:
        self.clock.set(when)
        return await send_action_reminders(self.runtime)

    async def outbox(self, key_prefix: str = "reminder:") -> list[Notification]:
        """Queued emails whose idempotency key starts with ``key_prefix``, oldest first."""
        async with self.runtime.sessions() as session:
            rows = await session.scalars(
                select(Notification)
                .where(Notification.idempotency_key.startswith(key_prefix))
                .order_by(Notification.created_at, Notification.idempotency_key)
            )
            return list(rows)

    async def exclude(self, case: Case, user_id: uuid.UUID) -> None:
        async with self.runtime.transaction() as session:
            session.add(ExcludedRecipient(case_id=case.id, user_id=user_id, added_at=self.clock.now()))

    async def set_user(self, user_id: uuid.UUID, **values: Any) -> None:
        async with self.runtime.transaction() as session:
            user = await session.get(User, user_id)
            assert user is not None
            for name, value in values.items():
                setattr(user, name, value)


def conference_row(
    area_id: uuid.UUID, series_id: uuid.UUID, day: date, status: ConferenceStatus, **extra: Any
) -> Conference:
    starts = local(day, 10)
    return Conference(
        area_id=area_id,
        series_id=series_id,
        occurrence_date=day,
        local_date=day,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        status=status,
        cut_off=starts - timedelta(days=10),
        publish_at=starts - timedelta(days=10),
        packs_at=starts - timedelta(days=2),
        capacity=15,
        minutes_per_case=12,
        location="Room 1",
        ical_uid=f"conference-{uuid.uuid4()}@marac.test",
        created_at=datetime(2026, 10, 1, tzinfo=UTC),
        **extra,
    )


async def build_meeting(runtime: Runtime, world: World, clock: FixedClock) -> Meeting:
    police_rep, token = await make_user(
        runtime, world.area, "police.rep@north.example", [Role.REPRESENTATIVE], world.police
    )
    async with runtime.transaction() as session:
        for agency, contact in (
            (world.police, police_rep),
            (world.social_care, world.users["representative"]),
        ):
            row = await session.get(Agency, agency.id)
            assert row is not None
            row.contact_user_id = contact.id
            agency.contact_user_id = contact.id
        series = ConferenceSeries(
            area_id=world.area.id,
            name="North Shire MARAC",
            kind="monthly",
            weekday=1,
            nth=3,
            start_date=date(2026, 1, 1),
            start_time=time(10, 0),
            duration_minutes=180,
            location="Room 1",
            minutes_per_case=12,
            cutoff_working_days=8,
            publication_working_days=8,
            pack_working_days=2,
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        session.add(series)
        await session.flush()
        held = conference_row(
            world.area.id, series.id, HELD_ON, ConferenceStatus.HELD, chair_user_id=world.users["chair"].id
        )
        coming = conference_row(world.area.id, series.id, NEXT_ON, ConferenceStatus.PUBLISHED)
        session.add_all([held, coming])
        cases = []
        for number in range(1, 4):
            victim = Person(area_id=world.area.id, forename_enc="x", surname_enc="y", created_at=clock.now())
            session.add(victim)
            await session.flush()
            case = Case(
                area_id=world.area.id,
                reference=f"MC-{number:04d}",
                victim_id=victim.id,
                created_at=clock.now(),
            )
            session.add(case)
            cases.append(case)
    protector = Protector.from_settings(runtime.settings.security)
    return Meeting(world, runtime, clock, series.id, held, coming, cases, police_rep, token, protector)


@pytest.fixture
async def meeting(runtime: Runtime, world: World, clock: FixedClock) -> Meeting:
    return await build_meeting(runtime, world, clock)
