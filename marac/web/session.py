"""Logging in and out, and choosing the area to work in.

The login form has its own CSRF token (a cookie matched by a hidden field), since there is no session
yet to hold one; every form after login posts the session's token.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access import auth
from marac.access.guards import Actor
from marac.access.middleware import SESSION_COOKIE, client_address, forget_credentials
from marac.clock import Clock
from marac.errors import InvalidInput, NotFound
from marac.runtime import Runtime
from marac.web.forms import FormInput, FormState
from marac.web.shell import PageContext, areas_for, redirect, render, safe_next

LOGIN_CSRF_COOKIE = "marac_login"


def _login_cookie(runtime: Runtime, value: str, max_age: int) -> Cookie:
    return Cookie(
        key=LOGIN_CSRF_COOKIE,
        value=value,
        httponly=True,
        samesite="strict",
        secure=runtime.settings.secure_cookies,
        path="/login",
        max_age=max_age,
    )


def _login_form(
    runtime: Runtime, page: PageContext, next_path: str, form: FormState, status_code: int = 200
) -> Template:
    token = secrets.token_urlsafe(24)
    response = render(
        page,
        "login.html",
        status_code=status_code,
        form=form,
        next_path=next_path,
        login_csrf=token,
        idle_minutes=runtime.settings.security.session_idle_minutes,
    )
    response.set_cookie(_login_cookie(runtime, token, 3600))
    return response


class SessionPages(Controller):
    """``/login``, ``/logout`` and ``/areas/switch``."""

    @get("/login", opt={"public": True}, name="login")
    async def login_page(
        self,
        runtime: Runtime,
        page: PageContext,
        next_path: Annotated[str, QueryParameter(name="next", max_length=500)] = "",
    ) -> Response[Any]:
        if page.signed_in:
            return Redirect(safe_next(next_path), status_code=303)
        return _login_form(runtime, page, safe_next(next_path), FormState())

    @post("/login", opt={"public": True})
    async def login(
        self, request: Request[Any, Any, Any], db: AsyncSession, runtime: Runtime, page: PageContext
    ) -> Response[Any]:
        form = await FormInput.read(request)
        raw = await request.form()
        next_path = safe_next(form.get("next"))
        supplied = str(raw.get("_csrf", ""))
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not supplied or not expected or not hmac.compare_digest(supplied, expected):
            state = FormState(form.values, summary="The login form had expired. Please try again.")
            return _login_form(runtime, page, next_path, state, 400)
        # The request's own transaction: a refusal is answered with a page, not raised, so the failure
        # count and audit entry are committed with it.
        outcome = await auth.login(
            db,
            runtime.clock,
            runtime.settings.security,
            form.get("email"),
            form.get("password"),
            client_address(request),
        )
        if outcome.login_session is not None and outcome.user is not None:
            # Start in the first area by name; the switcher changes it.
            first = next(iter(await areas_for(db, auth.actor_for(outcome.user))), None)
            outcome.login_session.current_area_id = first.id if first else None
        if outcome.error is not None or outcome.session_token is None:
            message = outcome.error.detail if outcome.error else "Email or password is incorrect"
            state = FormState({"email": form.get("email")}, summary=message)
            status = outcome.error.status if outcome.error else 401
            return _login_form(runtime, page, next_path, state, status)
        response = Redirect(next_path, status_code=303)
        response.set_cookie(
            key=SESSION_COOKIE,
            value=outcome.session_token,
            httponly=True,
            samesite="lax",
            secure=runtime.settings.secure_cookies,
            path="/",
            max_age=runtime.settings.security.session_max_hours * 3600,
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @post("/logout")
    async def logout(
        self, request: Request[Any, Any, Any], db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime
    ) -> Redirect:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await auth.logout(db, clock, actor, token)
        forget_credentials(request)
        response = redirect(runtime, "/login", flash="You have logged out.")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @post("/areas/switch")
    async def switch_area(
        self, request: Request[Any, Any, Any], db: AsyncSession, actor: Actor, runtime: Runtime
    ) -> Redirect:
        form = await FormInput.read(request)
        try:
            area_id = uuid.UUID(form.get("area_id"))
        except ValueError as exc:
            raise InvalidInput.for_field("area_id", "Choose one of your areas") from exc
        chosen = next((area for area in await areas_for(db, actor) if area.id == area_id), None)
        if chosen is None:
            raise NotFound("area", area_id)
        login_session = getattr(request.scope.get("auth"), "login_session", None)
        if login_session is not None:
            await auth.set_current_area(db, login_session.id, area_id)
            forget_credentials(request)  # the cached session still names the previous area
        return redirect(runtime, safe_next(form.get("next")), flash=f"You are now working in {chosen.name}.")


ROUTE_HANDLERS = [SessionPages]
