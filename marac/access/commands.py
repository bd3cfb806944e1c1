"""Operator commands behind ``marac user add``: they act as the system, and are audited as such."""

from __future__ import annotations

import msgspec
from sqlalchemy import select

from marac import audit
from marac.access import schemas, services
from marac.access.auth import hash_password
from marac.access.guards import Actor
from marac.access.models import Agency, Area
from marac.db import upgrade_async
from marac.errors import InvalidInput
from marac.runtime import Runtime


async def add_user(
    email: str,
    name: str,
    password: str,
    area_slug: str | None,
    roles: list[str],
    agency_name: str | None,
    system_admin: bool,
) -> str:
    runtime = Runtime.build()
    if runtime.settings.database.is_sqlite:
        await upgrade_async(runtime.settings.database.url)
    actor = Actor.system("cli")
    try:
        async with runtime.transaction() as session:
            area = None
            if area_slug:
                area = await session.scalar(select(Area).where(Area.slug == area_slug))
                if area is None:
                    raise InvalidInput.for_field("area", f"no area with slug '{area_slug}'")
            elif roles:
                raise InvalidInput.for_field("area", "roles need --area")
            agency_id = None
            if agency_name and area is not None:
                agency = await session.scalar(
                    select(Agency).where(Agency.area_id == area.id, Agency.name == agency_name)
                )
                if agency is None:
                    raise InvalidInput.for_field("agency", f"no agency '{agency_name}' in {area_slug}")
                agency_id = agency.id
            try:
                data = msgspec.convert(
                    {
                        "email": email,
                        "name": name,
                        "agency_id": agency_id,
                        "roles": roles,
                        "password": password,
                    },
                    schemas.UserCreate,
                )
            except msgspec.ValidationError as exc:
                raise InvalidInput(str(exc)) from exc
            if area is not None:
                user = await services.create_user(session, runtime.clock, actor, area.id, data)
            else:
                from marac.access.models import User

                user = User(
                    email=email.strip().lower(),
                    name=name,
                    password_hash=hash_password(password),
                    created_at=runtime.clock.now(),
                )
                session.add(user)
                await session.flush()
                await audit.record(session, actor, runtime.clock, "user.create", "user", user.id)
            user.is_system_admin = system_admin
            return f"{user.email} ({user.id})"
    finally:
        await runtime.engine.dispose()
