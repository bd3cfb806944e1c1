"""Data for the conference, calendar and outbox page tests, made through the real services."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from sqlalchemy import select

from marac.access.auth import actor_for
from marac.access.models import User
from marac.agenda.models import Conference
from marac.agenda.series import SeriesDetail
from marac.notify.delivery import DeliveryPolicy, DeliveryReport, deliver_due
from marac.notify.invitations import reconcile_invitations
from marac.notify.models import Notification
from marac.notify.transports import SmtpTransport
from marac.runtime import Runtime
from marac.web.dashboard import PanelContent, PanelRequest, PanelSource
from tests.agenda.factories import monthly_series
from tests.factories import World
from tests.notify.conftest import CollectingHandler, free_port, start_server


@dataclass
class Meetings:
    """The world's monthly series (second Tuesday, 10:00) and its first two meetings to come."""

    series: SeriesDetail
    first: Conference  # Tuesday 8 December 2026
    second: Conference  # Tuesday 12 January 2027


async def monthly_meetings(runtime: Runtime, world: World, *, invite: bool = True) -> Meetings:
    """A series with the representative and chair invited (the invitation sweep has run)."""
    detail = await monthly_series(
        runtime,
        world.area,
        [world.police, world.social_care],
        representative_ids=[world.users["representative"].id],
        chair_id=world.users["chair"].id,
    )
    async with runtime.transaction() as session:
        if invite:
            await reconcile_invitations(session, runtime.clock, settings=runtime.settings)
        found = list(
            await session.scalars(
                select(Conference)
                .where(Conference.series_id == detail.series.id, Conference.starts_at > runtime.clock.now())
                .order_by(Conference.starts_at)
            )
        )
    return Meetings(detail, found[0], found[1])


async def deliver_refused(runtime: Runtime) -> DeliveryReport:
    """Run the real delivery sweep against an SMTP server that refuses every recipient for good:
    each due email is parked at once, as one to a mistyped address would be."""
    async with runtime.sessions() as session:
        addresses = set(await session.scalars(select(Notification.recipient_address)))
    handler = CollectingHandler(refuse=dict.fromkeys(addresses, "550 5.1.1 No such mailbox"))
    port = free_port()
    controller = start_server(handler, port)
    try:
        # A generous timeout: on a busy machine a slow answer would count as an outage, not a refusal.
        transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{port}?timeout=30")
        try:
            return await deliver_due(
                runtime.sessions, runtime.clock, runtime.settings, transport, policy=DeliveryPolicy()
            )
        finally:
            await transport.aclose()
    finally:
        controller.stop()


def field_error(html: str, name: str) -> str:
    """The message shown next to a field (``id="f-<name>-error"``), as text."""
    found = re.search(rf'id="f-{re.escape(name)}-error">(.*?)</p>', html, re.S)
    assert found is not None, f"no error shown next to {name}"
    return unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def text_of(html: str) -> str:
    """The page as a person reads it: tags dropped, whitespace collapsed, the en dash of a time range
    ("10:00\u201313:00") written as a hyphen so that tests can spell it."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u2013", "-").split())


async def panel(runtime: Runtime, world: World, source: PanelSource, key: str) -> PanelContent:
    """A dashboard panel as ``key`` (a World user) sees it in the world's area."""
    async with runtime.transaction() as session:
        user = await session.get(User, world.users[key].id)
        assert user is not None
        actor = actor_for(user)
        return await source(PanelRequest(session, runtime.clock, actor, world.area.id, runtime))
