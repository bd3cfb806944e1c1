"""Small builders of test data, going through the real services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from marac.access import schemas, services
from marac.access.auth import create_token
from marac.access.guards import Actor
from marac.access.models import Agency, AgencyKind, Area, Role, User
from marac.runtime import Runtime

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    """Two areas, each with agencies and one user per role; ``tokens`` maps a user key to a bearer token."""

    area: Area
    other_area: Area
    police: Agency
    social_care: Agency
    other_police: Agency
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[key]}"}


async def make_area(runtime: Runtime, slug: str, *, timezone: str = "Europe/London") -> Area:
    async with runtime.transaction() as session:
        return await services.create_area(
            session,
            runtime.clock,
            Actor.system("test"),
            schemas.AreaCreate(
                name=slug.replace("-", " ").title(), slug=slug, timezone=timezone, jurisdiction="GB-ENG"
            ),
        )


async def make_agency(runtime: Runtime, area: Area, name: str, kind: AgencyKind) -> Agency:
    async with runtime.transaction() as session:
        return await services.create_agency(
            session, runtime.clock, Actor.system("test"), area.id, schemas.AgencyCreate(name=name, kind=kind)
        )


async def make_user(
    runtime: Runtime,
    area: Area,
    email: str,
    roles: list[Role],
    agency: Agency | None = None,
    *,
    system_admin: bool = False,
) -> tuple[User, str]:
    """A user with a password and an API token (returned)."""
    async with runtime.transaction() as session:
        user = await services.create_user(
            session,
            runtime.clock,
            Actor.system("test"),
            area.id,
            schemas.UserCreate(
                email=email,
                name=email.split("@")[0].title(),
                roles=roles,
                agency_id=agency.id if agency else None,
                password=PASSWORD,
            ),
        )
        user.is_system_admin = system_admin
        actor = Actor(user_id=user.id, label=user.email)
        _, secret = await create_token(session, runtime.clock, actor, "tests", None)
    return user, secret


ROLE_USERS: dict[str, tuple[list[Role], str | None]] = {
    "admin": ([Role.ADMIN], None),
    "coordinator": ([Role.COORDINATOR], "police"),
    "chair": ([Role.CHAIR], "social_care"),
    "representative": ([Role.REPRESENTATIVE], "social_care"),
    "referrer": ([Role.REFERRER], "police"),
}


async def build_world(runtime: Runtime) -> World:
    area = await make_area(runtime, "north-shire")
    other = await make_area(runtime, "south-vale")
    world = World(
        area=area,
        other_area=other,
        police=await make_agency(runtime, area, "North Police", AgencyKind.POLICE),
        social_care=await make_agency(
            runtime, area, "North Children's Services", AgencyKind.CHILDRENS_SOCIAL_CARE
        ),
        other_police=await make_agency(runtime, other, "South Police", AgencyKind.POLICE),
    )
    for key, (roles, agency_attr) in ROLE_USERS.items():
        agency = getattr(world, agency_attr) if agency_attr else None
        world.users[key], world.tokens[key] = await make_user(
            runtime, area, f"{key}@north.example", roles, agency
        )
    world.users["other_coordinator"], world.tokens["other_coordinator"] = await make_user(
        runtime, other, "coordinator@south.example", [Role.COORDINATOR], world.other_police
    )
    world.users["sysadmin"], world.tokens["sysadmin"] = await make_user(
        runtime, area, "sysadmin@marac.example", [], system_admin=True
    )
    return world


def uid() -> uuid.UUID:
    return uuid.uuid4()
