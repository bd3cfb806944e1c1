"""Private calendar feeds: each user's conferences and their agency's action deadlines.

A feed URL holds a secret token; only its keyed digest is stored.  The user can create, rotate (the
old URL dies at once) and revoke it.  Every fetch is audited.  The feed carries conference time and
place, case references and portal links — never names or anything else identifying.

``ETag`` is a hash of what the feed shows (not of its bytes), so an unchanged feed answers ``304`` before
anything is serialised; ``Last-Modified`` and every DTSTAMP are the moment that content last changed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.auth import actor_for
from marac.access.guards import OVERSEERS, Actor
from marac.access.models import Area, User
from marac.agenda.models import Conference, ConferenceSeries, SeriesRepresentative
from marac.cases.models import ExcludedRecipient
from marac.clock import Clock
from marac.errors import NotAuthenticated, NotFound
from marac.notify.ical import DeadlineEvent, feed
from marac.notify.invitations import facts
from marac.notify.messages import AreaMail, ConferenceFacts, conference_event
from marac.notify.models import FeedToken, Invitation, InvitationMethod
from marac.notify.outbox import message_domain
from marac.settings import Settings

TOKEN_PREFIX = "mf_"  # noqa: S105 - a label that makes leaked feed URLs easy to spot, not a secret
# How far back a feed reaches; the future is whatever the agenda has materialised.
HISTORY = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class FeedDeadline:
    """An action deadline as a feed shows it: references only.

    ``marac.actions.feeds.feed_deadlines(session, agency_id, since)`` returns these for the actions an
    agency owns (see :func:`agency_deadlines`).
    """

    action_id: uuid.UUID
    reference: str
    case_id: uuid.UUID
    case_reference: str
    due_on: date


DeadlineSource = Callable[[AsyncSession, uuid.UUID, date], Awaitable[Sequence[FeedDeadline]]]


async def agency_deadlines(
    session: AsyncSession, agency_id: uuid.UUID, since: date
) -> Sequence[FeedDeadline]:
    """The open action deadlines an agency owns, from ``since`` on (``marac.actions.feeds``)."""
    from marac.actions.feeds import feed_deadlines  # here, not above: that module imports this one

    return await feed_deadlines(session, agency_id, since)


@dataclass(frozen=True, slots=True)
class FeedLink:
    """Shown once, when the token is made: afterwards only its prefix is known."""

    url: str
    webcal_url: str
    prefix: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FeedFetch:
    """The answer to one fetch: ``body`` is None when the client's copy is current (304)."""

    body: bytes | None
    etag: str
    last_modified: datetime
    conferences: int
    deadlines: int
    # A revoked URL or an inactive person: answer 404, but only after the audit entry is committed.
    refused: bool = False


def token_digest(token: str, settings: Settings) -> str:
    """The stored form of a feed token: keyed, so a copy of the database cannot test guesses."""
    key = settings.security.secret_key.encode()
    return hmac.new(key, b"feed:" + token.encode(), hashlib.sha256).hexdigest()


def _person(actor: Actor) -> uuid.UUID:
    if actor.user_id is None:
        raise NotAuthenticated("Calendar feeds belong to a person")
    return actor.user_id


async def feed_status(session: AsyncSession, actor: Actor) -> FeedToken | None:
    """The actor's feed token (never its secret), or None if they never made one."""
    return await session.scalar(select(FeedToken).where(FeedToken.user_id == _person(actor)))


async def issue_feed_token(session: AsyncSession, clock: Clock, actor: Actor, settings: Settings) -> FeedLink:
    """Make the actor's feed URL, or rotate it: any earlier URL stops working at once."""
    user_id = _person(actor)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = await feed_status(session, actor)
    rotated = token is not None
    if token is None:
        token = FeedToken(user_id=user_id)
        session.add(token)
    token.token_hash = token_digest(secret, settings)
    token.prefix = secret[:10]
    token.created_at = clock.now()
    token.revoked_at = None
    token.content_hash = None
    token.content_changed_at = None
    await session.flush()
    action = "feed_token.rotate" if rotated else "feed_token.create"
    await audit.record(session, actor, clock, action, "feed_token", token.id)
    url = f"{settings.base_url}/feeds/{secret}.ics"
    return FeedLink(url, "webcal://" + url.split("://", 1)[1], token.prefix, token.created_at)


async def revoke_feed_token(session: AsyncSession, clock: Clock, actor: Actor) -> None:
    """Stop the actor's feed URL; fetches of it are still recognised and audited."""
    token = await feed_status(session, actor)
    if token is None or token.revoked_at is not None:
        raise NotFound("calendar feed")
    token.revoked_at = clock.now()
    await audit.record(session, actor, clock, "feed_token.revoke", "feed_token", token.id)


async def fetch_feed(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    secret: str,
    *,
    if_none_match: str | None = None,
    if_modified_since: datetime | None = None,
    client_address: str | None = None,
    deadlines: DeadlineSource | None = None,
) -> FeedFetch:
    """The feed behind a secret URL; :class:`NotFound` for an unknown one.

    A revoked URL (or one of a person no longer active) is audited and comes back ``refused``: the
    caller answers 404 without raising, so that the audit entry is kept.
    """
    token = await session.scalar(
        select(FeedToken).where(FeedToken.token_hash == token_digest(secret, settings))
    )
    user = await session.get(User, token.user_id) if token is not None else None
    if token is None or user is None:
        raise NotFound("calendar feed")
    actor = actor_for(user, client_address=client_address)
    if token.revoked_at is not None or not user.active:
        await audit.record(session, actor, clock, "feed.fetch_refused", "feed_token", token.id)
        return FeedFetch(None, "", clock.now(), 0, 0, refused=True)
    now = clock.now()
    events, due = await _content(session, settings, user, actor, now, deadlines or agency_deadlines)
    content_hash = _content_hash(events, due)
    if token.content_hash != content_hash or token.content_changed_at is None:
        token.content_hash, token.content_changed_at = content_hash, now
    changed_at = token.content_changed_at
    token.last_fetched_at = now
    etag = f'"{content_hash[:32]}"'
    fresh = (if_none_match is not None and etag in _etags(if_none_match)) or (
        if_none_match is None
        and if_modified_since is not None
        and changed_at.replace(microsecond=0) <= if_modified_since
    )
    detail = {"status": 304 if fresh else 200, "conferences": len(events), "deadlines": len(due)}
    await audit.record(session, actor, clock, "feed.fetch", "feed_token", token.id, detail=detail)
    if fresh:
        return FeedFetch(None, etag, changed_at, len(events), len(due))
    body = _serialise(settings, events, due, changed_at)
    return FeedFetch(body, etag, changed_at, len(events), len(due))


def _content_hash(events: Sequence[tuple[AreaMail, ConferenceFacts]], due: Sequence[FeedDeadline]) -> str:
    """A digest of everything the feed shows (areas by their settings, conferences, deadlines)."""
    digest = hashlib.sha256(repr(sorted({id(mail): mail for mail, _ in events}.values(), key=str)).encode())
    digest.update(repr([conference for _, conference in events]).encode())
    digest.update(
        repr([(d.action_id.int, d.reference, d.case_reference, d.due_on.toordinal()) for d in due]).encode()
    )
    return digest.hexdigest()


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",")} | (
        {"*"} if "*" in header else set()
    )


async def _content(
    session: AsyncSession,
    settings: Settings,
    user: User,
    actor: Actor,
    now: datetime,
    deadlines: DeadlineSource,
) -> tuple[list[tuple[AreaMail, ConferenceFacts]], list[FeedDeadline]]:
    """What the feed shows, as plain values (hashable into the ETag before any serialising)."""
    since = now - HISTORY
    overseen = [area_id for area_id, roles in actor.roles.items() if roles & OVERSEERS]
    represented = select(SeriesRepresentative.series_id).where(SeriesRepresentative.user_id == user.id)
    invited = select(Invitation.conference_id).where(
        Invitation.user_id == user.id, Invitation.last_method == InvitationMethod.REQUEST
    )
    rows = await session.execute(
        select(Conference, ConferenceSeries.name, Area)
        .join(ConferenceSeries, ConferenceSeries.id == Conference.series_id)
        .join(Area, Area.id == Conference.area_id)
        .where(
            Conference.ends_at >= since,
            or_(
                Conference.series_id.in_(represented),
                Conference.id.in_(invited),
                Conference.chair_user_id == user.id,
                Conference.area_id.in_(overseen),
            ),
        )
        .order_by(Conference.starts_at)
    )
    areas: dict[uuid.UUID, AreaMail] = {}
    events: list[tuple[AreaMail, ConferenceFacts]] = []
    for conference, series_name, area in rows:
        mail = areas.get(area.id) or areas.setdefault(area.id, AreaMail.of(area, settings))
        events.append((mail, facts(conference, series_name)))
    due: list[FeedDeadline] = []
    if user.agency_id is not None:
        excluded = set(
            (
                await session.scalars(
                    select(ExcludedRecipient.case_id).where(ExcludedRecipient.user_id == user.id)
                )
            ).all()
        )
        found = await deadlines(session, user.agency_id, since.date())
        due = sorted((d for d in found if d.case_id not in excluded), key=lambda d: (d.due_on, d.reference))
    return events, due


def _serialise(
    settings: Settings,
    events: Sequence[tuple[AreaMail, ConferenceFacts]],
    due: Sequence[FeedDeadline],
    changed_at: datetime,
) -> bytes:
    domain = message_domain(settings)
    conferences = []
    for mail, conference in events:
        conferences.append(
            conference_event(mail, conference, sequence=conference.sequence, dtstamp=changed_at, attendees=())
        )
    base = settings.base_url
    deadline_events = [
        DeadlineEvent(
            uid=f"action-{d.action_id}@{domain}",
            date=d.due_on,
            summary=f"Action {d.reference} due (case {d.case_reference})",
            url=f"{base}/actions/{d.action_id}",
            dtstamp=changed_at,
        )
        for d in due
    ]
    names = sorted({mail.area_name for mail, _ in events})
    name = f"MARAC — {names[0]}" if len(names) == 1 else "MARAC"
    return feed(name, conferences, deadline_events)
