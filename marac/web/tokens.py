"""Personal API tokens: create one (its secret is shown once), see when each was used, revoke."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access import auth, schemas
from marac.access.guards import Actor
from marac.access.middleware import forget_credentials
from marac.access.models import ApiToken
from marac.clock import Clock
from marac.errors import InvalidInput
from marac.runtime import Runtime
from marac.web.forms import FormInput, FormState, keep_form
from marac.web.shell import PageContext, redirect, render


@dataclass(frozen=True)
class TokenRow:
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    expired: bool

    @classmethod
    def of(cls, token: ApiToken, now: datetime) -> TokenRow:
        expired = token.expires_at is not None and token.expires_at <= now
        return cls(
            token.id,
            token.name,
            token.prefix,
            token.created_at,
            token.expires_at,
            token.last_used_at,
            token.revoked_at,
            expired,
        )

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and not self.expired


def expiry(value: str, timezone: str, now: datetime) -> datetime | None:
    """The end of the chosen day in the area's timezone; blank means the token does not expire."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput.for_field("expires_on", "Enter a date, like 2027-03-31") from exc
    ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    if ends <= now:
        raise InvalidInput.for_field("expires_on", "Choose a date in the future")
    return ends


async def _rows(db: AsyncSession, actor: Actor, clock: Clock) -> list[TokenRow]:
    now = clock.now()
    tokens = await auth.list_tokens(db, actor)
    return [TokenRow.of(token, now) for token in sorted(tokens, key=lambda t: t.created_at, reverse=True)]


class TokenPages(Controller):
    path = "/account/tokens"

    @get("/", name="tokens")
    async def list_tokens(self, page: PageContext, db: AsyncSession, actor: Actor, clock: Clock) -> Template:
        return render(page, "account/tokens.html", tokens=await _rows(db, actor, clock), form=FormState())

    @post("/")
    async def create_token(
        self, request: Request[Any, Any, Any], page: PageContext, db: AsyncSession, actor: Actor, clock: Clock
    ) -> Template:
        submitted = await FormInput.read(request)
        keep_form(request, page, "account/tokens.html", submitted, tokens=await _rows(db, actor, clock))
        data = submitted.parse(schemas.TokenCreate)
        expires_at = expiry(submitted.get("expires_on"), page.timezone, clock.now())
        token, secret = await auth.create_token(db, clock, actor, data.name, expires_at)
        # Shown in this response only (pages are never cached); never put in a redirect or cookie.
        return render(
            page,
            "account/tokens.html",
            status_code=201,
            tokens=await _rows(db, actor, clock),
            form=FormState(),
            created=TokenRow.of(token, clock.now()),
            secret=secret,
        )

    @post("/{token_id:uuid}/revoke")
    async def revoke_token(
        self,
        request: HTMXRequest,
        page: PageContext,
        db: AsyncSession,
        actor: Actor,
        clock: Clock,
        runtime: Runtime,
        token_id: uuid.UUID,
    ) -> Response[Any]:
        token = await auth.revoke_token(db, clock, actor, token_id)
        forget_credentials(request)
        if request.htmx:
            return render(page, "account/_token_row.html", token=TokenRow.of(token, clock.now()))
        return redirect(runtime, "/account/tokens", flash=f"Token “{token.name}” revoked.")


ROUTE_HANDLERS = [TokenPages]
