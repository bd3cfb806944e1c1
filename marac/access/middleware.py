"""HTTP side of access control: credentials → Actor, deny-by-default guard, CSRF check."""

from __future__ import annotations

import hmac
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from marac.access.auth import LAST_SEEN_RESOLUTION, Credential, resolve_session, resolve_token
from marac.access.guards import Actor
from marac.errors import NotAuthenticated, PermissionDenied
from marac.runtime import Runtime

SESSION_COOKIE = "marac_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "_csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    return connection.client.host if connection.client else None


class CredentialCache:
    """Recently resolved credentials, so that a busy client does not cost three queries per request.

    An entry lives a few seconds at most and never past the credential's own expiry or the point where a
    session's last-seen time needs refreshing.  Logout, token revocation and any change to a user clear
    the cache of this process; other worker processes follow within ``ttl_seconds``.
    """

    def __init__(self, ttl_seconds: float = 5.0, max_entries: int = 10_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Credential]] = {}

    def get(self, key: str, now: datetime) -> Credential | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        cached_at, credential = entry
        stale = time.monotonic() - cached_at > self.ttl_seconds
        expired = credential.valid_until is not None and credential.valid_until <= now
        session = credential.login_session
        needs_touch = session is not None and now - session.last_seen_at >= LAST_SEEN_RESOLUTION
        if stale or expired or needs_touch:
            self._entries.pop(key, None)
            return None
        return credential

    def put(self, key: str, credential: Credential) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic(), credential)

    def clear(self) -> None:
        self._entries.clear()


def forget_credentials(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Call after logout, token revocation or any change to a user or their roles."""
    cache: CredentialCache | None = getattr(connection.app.state, "credentials", None)
    if cache is not None:
        cache.clear()


class CredentialMiddleware(AbstractAuthenticationMiddleware):
    """Resolves a bearer token or session cookie; anonymous requests pass with ``user=None``.

    Refusing anonymous requests is the guards' job, so that public routes (health, login) need no
    special path lists here.
    """

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        runtime: Runtime = connection.app.state.runtime
        address = client_address(connection)
        authorization = connection.headers.get("authorization", "")
        bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        secret = bearer or connection.cookies.get(SESSION_COOKIE) or ""
        if not secret:
            return AuthenticationResult(user=None, auth=None)
        cache: CredentialCache = connection.app.state.credentials
        key = ("t:" if bearer else "s:") + secret
        credential = cache.get(key, runtime.clock.now())
        if credential is None:
            async with runtime.transaction() as session:
                if bearer:
                    credential = await resolve_token(session, runtime.clock, bearer, address)
                else:
                    credential = await resolve_session(
                        session, runtime.clock, runtime.settings.security, secret, address
                    )
            if credential is None:
                return AuthenticationResult(user=None, auth=None)
            cache.put(key, credential)
        if credential.actor.client_address != address:
            credential = replace(credential, actor=replace(credential.actor, client_address=address))
        return AuthenticationResult(user=credential.actor, auth=credential)


def current_actor(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    actor = connection.scope.get("user")
    if not isinstance(actor, Actor):
        raise NotAuthenticated("Log in or send a bearer token")
    return actor


async def require_login(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Deny by default: every handler needs an actor unless it is marked ``opt={"public": True}``."""
    if handler.opt.get("public"):
        return
    current_actor(connection)
    credential = connection.scope.get("auth")
    if (
        isinstance(credential, Credential)
        and credential.via == "session"
        and connection.scope.get("method") in UNSAFE_METHODS
    ):
        await _check_csrf(connection, credential)


async def _check_csrf(connection: ASGIConnection[Any, Any, Any, Any], credential: Credential) -> None:
    expected = credential.login_session.csrf_token if credential.login_session else ""
    supplied = connection.headers.get(CSRF_HEADER, "")
    if not supplied:
        content_type = connection.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await connection.form()  # type: ignore[attr-defined]
            supplied = str(form.get(CSRF_FIELD, ""))
    if not supplied or not hmac.compare_digest(supplied, expected):
        raise PermissionDenied("Missing or wrong CSRF token: reload the page and try again")
