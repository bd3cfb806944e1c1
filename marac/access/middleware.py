"""HTTP side of access control: credentials → Actor, deny-by-default guard, CSRF check."""

from __future__ import annotations

import hmac
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from marac.access.auth import Credential, resolve_session, resolve_token
from marac.access.guards import Actor
from marac.errors import NotAuthenticated, PermissionDenied
from marac.runtime import Runtime

SESSION_COOKIE = "marac_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "_csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    return connection.client.host if connection.client else None


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
        credential: Credential | None = None
        authorization = connection.headers.get("authorization", "")
        cookie = connection.cookies.get(SESSION_COOKIE)
        if authorization or cookie:
            async with runtime.transaction() as session:
                if authorization.lower().startswith("bearer "):
                    credential = await resolve_token(
                        session, runtime.clock, authorization[7:].strip(), address
                    )
                elif cookie:
                    credential = await resolve_session(
                        session, runtime.clock, runtime.settings.security, cookie, address
                    )
        return AuthenticationResult(user=credential.actor if credential else None, auth=credential)


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
