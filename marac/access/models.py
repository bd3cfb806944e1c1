"""Areas, agencies, users, role memberships, API tokens and login sessions."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac.db import Base, UUIDPrimaryKey


class AgencyKind(enum.StrEnum):
    POLICE = "police"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care"
    ADULT_SOCIAL_CARE = "adult_social_care"
    HEALTH_ACUTE = "health_acute"
    HEALTH_PRIMARY = "health_primary"
    MENTAL_HEALTH = "mental_health"
    HOUSING = "housing"
    PROBATION = "probation"
    IDVA = "idva"
    EDUCATION = "education"
    SUBSTANCE_MISUSE = "substance_misuse"
    SPECIALIST = "specialist"
    OTHER = "other"


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    CHAIR = "chair"
    REPRESENTATIVE = "representative"
    REFERRER = "referrer"


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: portable and readable in a database shell.
    return Enum(kind, name=name, native_enum=False, length=40, values_callable=lambda e: [m.value for m in e])


class Area(UUIDPrimaryKey, Base):
    __tablename__ = "area"

    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(16))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)


class Agency(UUIDPrimaryKey, Base):
    __tablename__ = "agency"
    __table_args__ = (UniqueConstraint("area_id", "name"),)

    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[AgencyKind] = mapped_column(_enum(AgencyKind, "agency_kind"))
    # No foreign key: users also reference agencies, and a cycle would complicate every migration.
    contact_user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    contact_email: Mapped[str | None] = mapped_column(String(254), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    area: Mapped[Area] = relationship(lazy="raise")


class User(UUIDPrimaryKey, Base):
    __tablename__ = "app_user"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agency.id", ondelete="SET NULL"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    is_system_admin: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    digest_mode: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan"
    )


class Membership(Base):
    """A role held by a user in one area."""

    __tablename__ = "membership"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise")


class ApiToken(UUIDPrimaryKey, Base):
    """A personal token for API clients; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class LoginSession(Base):
    """A server-side session behind the browser cookie; the cookie holds a token whose hash is the key."""

    __tablename__ = "login_session"
    __table_args__ = (Index("ix_login_session_expires_at", "expires_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    current_area_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    client_address: Mapped[str | None] = mapped_column(String(64), default=None)
