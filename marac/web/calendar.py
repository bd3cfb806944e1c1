"""My calendar feed: a private link that calendar programs subscribe to (my conferences and my
agency's action deadlines).  The link is shown once, when it is made; making a new one stops the old."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from litestar import Controller, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.clock import Clock
from marac.notify import feeds
from marac.notify.models import FeedToken
from marac.runtime import Runtime
from marac.web.shell import PageContext, redirect, render


@dataclass(frozen=True)
class FeedState:
    """What is known of the feed once made: never the link itself, only how it starts."""

    active: bool
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_fetched_at: datetime | None

    @classmethod
    def of(cls, token: FeedToken | None) -> FeedState | None:
        if token is None:
            return None
        return cls(
            token.revoked_at is None, token.prefix, token.created_at, token.revoked_at, token.last_fetched_at
        )


class CalendarPages(Controller):
    """Open to everyone signed in: the feed holds the person's own invitations and deadlines."""

    path = "/account/calendar"

    @get("/", name="calendar_feed")
    async def show(self, page: PageContext, db: AsyncSession, actor: Actor) -> Template:
        feed = FeedState.of(await feeds.feed_status(db, actor))
        return render(page, "calendar/feed.html", feed=feed, link=None)

    @post("/")
    async def issue(
        self, page: PageContext, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime
    ) -> Template:
        link = await feeds.issue_feed_token(db, clock, actor, runtime.settings)
        feed = FeedState.of(await feeds.feed_status(db, actor))
        # Shown in this response only (pages are never cached); never put in a redirect or cookie.
        return render(page, "calendar/feed.html", status_code=201, feed=feed, link=link)

    @post("/revoke")
    async def revoke(self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime) -> Redirect:
        await feeds.revoke_feed_token(db, clock, actor)
        return redirect(
            runtime, "/account/calendar", flash="Calendar link stopped. Calendars using it get nothing more."
        )


ROUTE_HANDLERS = [CalendarPages]
