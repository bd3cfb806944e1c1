"""Passwords, login sessions, API tokens and turning a credential into an :class:`Actor`."""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import Actor
from marac.access.models import ApiToken, LoginSession, Role, User
from marac.clock import Clock
from marac.errors import MaracError, NotAuthenticated, NotFound, TooManyAttempts
from marac.settings import SecuritySettings, get_settings


def _make_hasher() -> PasswordHasher:
    # Tests ask for the cheapest parameters; everything else gets argon2-cffi's RFC 9106 defaults.
    if os.environ.get("MARAC_PASSWORD_HASHING") == "fast-insecure-for-tests":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


_hasher = _make_hasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so that timing does not reveal which accounts exist."""
    return _hasher.hash("not-a-real-password-but-a-timing-decoy")


TOKEN_PREFIX = "marac_"  # noqa: S105 - a public prefix that makes leaked tokens recognisable
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _sha256(value: str) -> str:
    """The stored form of a session or API token: an HMAC keyed with MARAC_SECRET_KEY.

    Keyed, so that a copy of the database alone does not even let anyone test guessed tokens.
    """
    key = get_settings().security.secret_key.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def actor_for(user: User, *, client_address: str | None = None) -> Actor:
    roles: dict[uuid.UUID, set[Role]] = {}
    for membership in user.memberships:
        roles.setdefault(membership.area_id, set()).add(membership.role)
    return Actor(
        user_id=user.id,
        label=user.email,
        agency_id=user.agency_id,
        roles={area: frozenset(held) for area, held in roles.items()},
        is_system_admin=user.is_system_admin,
        client_address=client_address,
    )


@dataclass(frozen=True)
class LoginOutcome:
    """Failures are returned, not raised, so that the failure count is committed with the refusal."""

    user: User | None
    session_token: str | None = None
    login_session: LoginSession | None = None
    error: MaracError | None = None


async def login(
    session: AsyncSession,
    clock: Clock,
    security: SecuritySettings,
    email: str,
    password: str,
    client_address: str | None = None,
) -> LoginOutcome:
    """Check the password, apply throttling and lockout, and open a server-side session."""
    now = clock.now()
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        check_password(None, password)
        return LoginOutcome(None, error=NotAuthenticated("Email or password is incorrect"))
    actor = actor_for(user, client_address=client_address)
    if user.locked_until is not None and user.locked_until > now:
        await audit.record(session, actor, clock, "login.locked", "user", user.id)
        return LoginOutcome(
            user,
            error=TooManyAttempts(
                "Too many failed attempts: this account is locked for a few minutes",
                retry_after=int((user.locked_until - now).total_seconds()) + 1,
            ),
        )
    if not check_password(user.password_hash, password):
        user.failed_logins += 1
        detail: dict[str, object] = {"failures": user.failed_logins}
        if user.failed_logins >= security.login_max_failures:
            user.locked_until = now + timedelta(minutes=security.login_lockout_minutes)
            user.failed_logins = 0
            detail["locked_until"] = user.locked_until.isoformat()
        await audit.record(session, actor, clock, "login.failed", "user", user.id, detail=detail)
        return LoginOutcome(user, error=NotAuthenticated("Email or password is incorrect"))
    user.failed_logins = 0
    user.locked_until = None
    token = secrets.token_urlsafe(32)
    login_session = LoginSession(
        id=_sha256(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=security.session_max_hours),
        client_address=client_address,
    )
    session.add(login_session)
    await audit.record(session, actor, clock, "login", "user", user.id)
    return LoginOutcome(user, token, login_session)


async def logout(session: AsyncSession, clock: Clock, actor: Actor, session_token: str) -> None:
    await session.execute(delete(LoginSession).where(LoginSession.id == _sha256(session_token)))
    await audit.record(session, actor, clock, "logout", "user", actor.user_id)


@dataclass(frozen=True)
class Credential:
    actor: Actor
    via: str  # "session" or "token"
    user: User
    login_session: LoginSession | None = None
    valid_until: datetime | None = None  # the moment this credential stops being valid, if known


async def resolve_session(
    session: AsyncSession, clock: Clock, security: SecuritySettings, token: str, client_address: str | None
) -> Credential | None:
    """The actor behind a session cookie, if the session is neither idle-expired nor past its lifetime."""
    now = clock.now()
    row = (
        await session.execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.id == _sha256(token))
        )
    ).first()
    if row is None:
        return None
    found, user = row
    idle_limit = found.last_seen_at + timedelta(minutes=security.session_idle_minutes)
    if found.expires_at <= now or idle_limit <= now:
        await session.delete(found)
        return None
    if not user.active:
        return None
    # Writing on every request would serialise reads; a minute's resolution is enough for idle timeout.
    if now - found.last_seen_at >= LAST_SEEN_RESOLUTION:
        found.last_seen_at = now
    valid_until = min(found.expires_at, found.last_seen_at + timedelta(minutes=security.session_idle_minutes))
    return Credential(actor_for(user, client_address=client_address), "session", user, found, valid_until)


async def resolve_token(
    session: AsyncSession, clock: Clock, token: str, client_address: str | None
) -> Credential | None:
    now = clock.now()
    row = (
        await session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _sha256(token))
        )
    ).first()
    if row is None:
        return None
    found, user = row
    if found.revoked_at is not None or not user.active:
        return None
    if found.expires_at is not None and found.expires_at <= now:
        return None
    if found.last_used_at is None or now - found.last_used_at >= LAST_SEEN_RESOLUTION:
        found.last_used_at = now
    return Credential(actor_for(user, client_address=client_address), "token", user, None, found.expires_at)


async def create_token(
    session: AsyncSession, clock: Clock, actor: Actor, name: str, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    """A new personal API token; the secret is returned once and only its hash is kept."""
    if actor.user_id is None:
        raise NotAuthenticated("Only a person can hold an API token")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=actor.user_id,
        name=name,
        token_hash=_sha256(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
        created_at=clock.now(),
        expires_at=expires_at,
    )
    session.add(token)
    await session.flush()
    await audit.record(session, actor, clock, "token.create", "api_token", token.id)
    return token, secret


async def list_tokens(session: AsyncSession, actor: Actor) -> list[ApiToken]:
    rows = await session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.created_at)
    )
    return list(rows)


async def revoke_token(session: AsyncSession, clock: Clock, actor: Actor, token_id: uuid.UUID) -> ApiToken:
    token = await session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.user_id:
        raise NotFound("api token", token_id)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        await audit.record(session, actor, clock, "token.revoke", "api_token", token.id)
    return token


async def purge_expired_sessions(session: AsyncSession, now: datetime, idle_minutes: int) -> int:
    """Delete sessions past their lifetime or idle limit; idempotent, run by the scheduler."""
    idle_cutoff = now - timedelta(minutes=idle_minutes)
    result = await session.execute(
        delete(LoginSession).where(
            (LoginSession.expires_at <= now) | (LoginSession.last_seen_at <= idle_cutoff)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def set_current_area(session: AsyncSession, login_session_id: str, area_id: uuid.UUID) -> None:
    await session.execute(
        update(LoginSession).where(LoginSession.id == login_session_id).values(current_area_id=area_id)
    )
