"""Areas, agencies and users: every change checked against the actor, audited, and version-guarded."""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access import schemas
from marac.access.area_settings import dump_area_settings, load_area_settings
from marac.access.auth import hash_password
from marac.access.guards import MANAGERS, OVERSEERS, Actor, require_area, require_role, require_system_admin
from marac.access.models import Agency, Area, Membership, Role, User
from marac.clock import Clock
from marac.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied, StaleVersion


def _check_timezone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput.for_field(
            "timezone", f"'{name}' is not an IANA timezone such as Europe/London"
        ) from exc


def _check_settings(raw: dict[str, Any]) -> dict[str, Any]:
    try:
        return dump_area_settings(load_area_settings(raw))
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"settings: {exc}", errors=[FieldProblem("settings", str(exc))]) from exc


def _check_version(obj: Area | Agency | User, expected: int, object_type: str) -> None:
    if obj.version != expected:
        raise StaleVersion(object_type, obj.id, expected, obj.version)


async def _flush_unique(session: AsyncSession, field: str, message: str) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(message, errors=[FieldProblem(field, message)]) from exc


# Areas ---------------------------------------------------------------------------------------------------


async def create_area(session: AsyncSession, clock: Clock, actor: Actor, data: schemas.AreaCreate) -> Area:
    require_system_admin(actor, "create an area")
    _check_timezone(data.timezone)
    area = Area(
        name=data.name,
        slug=data.slug,
        timezone=data.timezone,
        jurisdiction=data.jurisdiction,
        settings=_check_settings(data.settings),
        created_at=clock.now(),
    )
    session.add(area)
    await _flush_unique(session, "slug", f"An area with slug '{data.slug}' already exists")
    await audit.record(session, actor, clock, "area.create", "area", area.id, area_id=area.id)
    return area


async def list_areas(session: AsyncSession, actor: Actor) -> list[Area]:
    query = select(Area).order_by(Area.name)
    if not actor.is_privileged:
        query = query.where(Area.id.in_(actor.area_ids))
    return list(await session.scalars(query))


async def get_area(session: AsyncSession, actor: Actor, area_id: uuid.UUID) -> Area:
    require_area(actor, area_id, "area", area_id)
    area = await session.get(Area, area_id)
    if area is None:
        raise NotFound("area", area_id)
    return area


async def update_area(
    session: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID, data: schemas.AreaUpdate
) -> Area:
    area = await get_area(session, actor, area_id)
    require_role(actor, area_id, Role.ADMIN, doing="change the area's settings")
    _check_version(area, data.version, "area")
    changed: list[str] = []
    if data.timezone is not msgspec.UNSET:
        _check_timezone(data.timezone)
    if data.settings is not msgspec.UNSET:
        area.settings = _check_settings({**(area.settings or {}), **data.settings})
        changed.append("settings")
    for name in ("name", "timezone", "jurisdiction"):
        value = getattr(data, name)
        if value is not msgspec.UNSET and value != getattr(area, name):
            setattr(area, name, value)
            changed.append(name)
    area.version += 1
    await audit.record(
        session, actor, clock, "area.update", "area", area.id, area_id=area.id, detail={"fields": changed}
    )
    return area


async def delete_area(session: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID) -> None:
    require_system_admin(actor, "delete an area")
    area = await session.get(Area, area_id)
    if area is None:
        raise NotFound("area", area_id)
    agencies = await session.scalar(select(func.count()).select_from(Agency).where(Agency.area_id == area_id))
    if agencies:
        raise Conflict("The area still has agencies; remove them first (case records are never deleted here)")
    await session.delete(area)
    await audit.record(session, actor, clock, "area.delete", "area", area_id, area_id=area_id)


# Agencies ------------------------------------------------------------------------------------------------


async def create_agency(
    session: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID, data: schemas.AgencyCreate
) -> Agency:
    require_role(actor, area_id, *MANAGERS, doing="add an agency")
    if await session.get(Area, area_id) is None:
        raise NotFound("area", area_id)
    agency = Agency(
        area_id=area_id,
        name=data.name,
        kind=data.kind,
        contact_email=data.contact_email,
        contact_user_id=data.contact_user_id,
        created_at=clock.now(),
    )
    session.add(agency)
    await _flush_unique(session, "name", f"This area already has an agency called '{data.name}'")
    await audit.record(session, actor, clock, "agency.create", "agency", agency.id, area_id=area_id)
    return agency


async def list_agencies(session: AsyncSession, actor: Actor, area_id: uuid.UUID) -> list[Agency]:
    require_area(actor, area_id, "area", area_id)
    return list(await session.scalars(select(Agency).where(Agency.area_id == area_id).order_by(Agency.name)))


async def get_agency(session: AsyncSession, actor: Actor, agency_id: uuid.UUID) -> Agency:
    agency = await session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("agency", agency_id)
    require_area(actor, agency.area_id, "agency", agency_id)
    return agency


async def update_agency(
    session: AsyncSession, clock: Clock, actor: Actor, agency_id: uuid.UUID, data: schemas.AgencyUpdate
) -> Agency:
    agency = await get_agency(session, actor, agency_id)
    require_role(actor, agency.area_id, *MANAGERS, doing="change an agency")
    _check_version(agency, data.version, "agency")
    changed = []
    for name in ("name", "kind", "contact_email", "contact_user_id", "active"):
        value = getattr(data, name)
        if value is not msgspec.UNSET and value != getattr(agency, name):
            setattr(agency, name, value)
            changed.append(name)
    agency.version += 1
    await _flush_unique(session, "name", "This area already has an agency with that name")
    await audit.record(
        session,
        actor,
        clock,
        "agency.update",
        "agency",
        agency.id,
        area_id=agency.area_id,
        detail={"fields": changed},
    )
    return agency


# Users ---------------------------------------------------------------------------------------------------


async def _check_roles_grantable(actor: Actor, area_id: uuid.UUID, roles: list[Role]) -> None:
    require_role(actor, area_id, *MANAGERS, object_type="area", object_id=area_id, doing="manage users")
    if Role.ADMIN in roles and not actor.has_role(area_id, Role.ADMIN):
        raise PermissionDenied("Only an administrator of the area may grant the admin role")


async def _check_agency_in_area(
    session: AsyncSession, agency_id: uuid.UUID | None, area_id: uuid.UUID
) -> None:
    if agency_id is None:
        return
    agency = await session.get(Agency, agency_id)
    if agency is None or agency.area_id != area_id:
        raise InvalidInput.for_field("agency_id", "no such agency in this area")


async def create_user(
    session: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID, data: schemas.UserCreate
) -> User:
    await _check_roles_grantable(actor, area_id, data.roles)
    await _check_agency_in_area(session, data.agency_id, area_id)
    user = User(
        email=data.email.strip().lower(),
        name=data.name,
        agency_id=data.agency_id,
        password_hash=hash_password(data.password) if data.password else None,
        created_at=clock.now(),
    )
    user.memberships = [Membership(area_id=area_id, role=role) for role in sorted(set(data.roles))]
    session.add(user)
    await _flush_unique(session, "email", "A user with this email already exists")
    await audit.record(
        session,
        actor,
        clock,
        "user.create",
        "user",
        user.id,
        area_id=area_id,
        detail={"roles": sorted(r.value for r in set(data.roles))},
    )
    return user


async def list_users(session: AsyncSession, actor: Actor, area_id: uuid.UUID) -> list[User]:
    require_role(actor, area_id, *OVERSEERS, doing="list users")
    query = (
        select(User)
        .where(User.id.in_(select(Membership.user_id).where(Membership.area_id == area_id)))
        .order_by(User.name)
    )
    return list(await session.scalars(query))


async def get_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    """Yourself, or anyone in an area where you are a coordinator, chair or admin."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    if actor.user_id == user.id or actor.is_privileged:
        return user
    if any(actor.has_role(m.area_id, *OVERSEERS) for m in user.memberships):
        return user
    raise NotFound("user", user_id)


def _managed_area(actor: Actor, user: User) -> uuid.UUID | None:
    for membership in user.memberships:
        if actor.has_role(membership.area_id, *MANAGERS):
            return membership.area_id
    return None


async def update_user(
    session: AsyncSession, clock: Clock, actor: Actor, user_id: uuid.UUID, data: schemas.UserUpdate
) -> User:
    user = await get_user(session, actor, user_id)
    area_id = _managed_area(actor, user)
    is_self = actor.user_id == user.id
    if area_id is None and not is_self and not actor.is_privileged:
        raise PermissionDenied("Only a coordinator of the user's area may change this user")
    if (
        is_self
        and area_id is None
        and (data.agency_id is not msgspec.UNSET or data.active is not msgspec.UNSET)
    ):
        raise PermissionDenied("You cannot change your own agency or active state")
    _check_version(user, data.version, "user")
    if data.agency_id is not msgspec.UNSET and area_id is not None:
        await _check_agency_in_area(session, data.agency_id, area_id)
    changed = []
    for name in ("name", "email", "agency_id", "active"):
        value = getattr(data, name)
        if value is not msgspec.UNSET:
            value = value.strip().lower() if name == "email" else value
            if value != getattr(user, name):
                setattr(user, name, value)
                changed.append(name)
    if data.password is not msgspec.UNSET:
        user.password_hash = hash_password(data.password)
        changed.append("password")
    user.version += 1
    await _flush_unique(session, "email", "A user with this email already exists")
    await audit.record(
        session, actor, clock, "user.update", "user", user.id, area_id=area_id, detail={"fields": changed}
    )
    return user


async def set_roles(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    user_id: uuid.UUID,
    area_id: uuid.UUID,
    roles: list[Role],
) -> User:
    """Replace the user's roles in one area (an empty list removes them from it)."""
    await _check_roles_grantable(actor, area_id, roles)
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    current = {m.role for m in user.memberships if m.area_id == area_id}
    if Role.ADMIN in current and Role.ADMIN not in roles and not actor.has_role(area_id, Role.ADMIN):
        raise PermissionDenied("Only an administrator of the area may remove the admin role")
    user.memberships = [m for m in user.memberships if m.area_id != area_id] + [
        Membership(user_id=user.id, area_id=area_id, role=role) for role in sorted(set(roles))
    ]
    user.version += 1
    await session.flush()
    await audit.record(
        session,
        actor,
        clock,
        "user.roles",
        "user",
        user.id,
        area_id=area_id,
        detail={"roles": sorted(r.value for r in set(roles))},
    )
    return user
