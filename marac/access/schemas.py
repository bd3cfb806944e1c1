"""Request and response shapes of the access API (msgspec: strict, unknown fields refused)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec

from marac.access.models import AgencyKind, Role

Email = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=254,
        pattern=r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$",
        description="An email address",
    ),
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=160)]
Slug = Annotated[str, msgspec.Meta(min_length=2, max_length=60, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Password = Annotated[str, msgspec.Meta(min_length=12, max_length=200)]
Jurisdiction = Annotated[
    str, msgspec.Meta(min_length=2, max_length=16, pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
]
Timezone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class LoginRequest(Strict):
    email: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class MembershipOut(msgspec.Struct):
    area_id: uuid.UUID
    role: Role


class UserOut(msgspec.Struct):
    id: uuid.UUID
    email: str
    name: str
    agency_id: uuid.UUID | None
    active: bool
    is_system_admin: bool
    roles: list[MembershipOut]
    version: int


class Me(msgspec.Struct):
    user: UserOut
    csrf_token: str | None = None


class AreaCreate(Strict):
    name: Name
    slug: Slug
    timezone: Timezone
    jurisdiction: Jurisdiction
    settings: dict[str, Any] = msgspec.field(default_factory=dict)


class AreaUpdate(Strict):
    version: int
    name: Name | msgspec.UnsetType = msgspec.UNSET
    timezone: Timezone | msgspec.UnsetType = msgspec.UNSET
    jurisdiction: Jurisdiction | msgspec.UnsetType = msgspec.UNSET
    settings: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET


class AreaOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    slug: str
    timezone: str
    jurisdiction: str
    settings: dict[str, Any]
    version: int


class AgencyCreate(Strict):
    name: Name
    kind: AgencyKind
    contact_email: Email | None = None
    contact_user_id: uuid.UUID | None = None


class AgencyUpdate(Strict):
    version: int
    name: Name | msgspec.UnsetType = msgspec.UNSET
    kind: AgencyKind | msgspec.UnsetType = msgspec.UNSET
    contact_email: Email | msgspec.UnsetType | None = msgspec.UNSET
    contact_user_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class AgencyOut(msgspec.Struct):
    id: uuid.UUID
    area_id: uuid.UUID
    name: str
    kind: AgencyKind
    contact_email: str | None
    contact_user_id: uuid.UUID | None
    active: bool
    version: int


class UserCreate(Strict):
    email: Email
    name: Name
    agency_id: uuid.UUID | None = None
    roles: list[Role] = msgspec.field(default_factory=list)
    password: Password | None = None


class UserUpdate(Strict):
    version: int
    name: Name | msgspec.UnsetType = msgspec.UNSET
    email: Email | msgspec.UnsetType = msgspec.UNSET
    agency_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET
    password: Password | msgspec.UnsetType = msgspec.UNSET


class RolesUpdate(Strict):
    roles: list[Role]


class TokenCreate(Strict):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    expires_at: datetime | None = None


class TokenOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(msgspec.Struct):
    token: TokenOut
    secret: str
