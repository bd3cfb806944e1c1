"""HTTP interface of notifications: invitation answers, the outbox, calendar feeds.

``ROUTE_HANDLERS`` go under ``/api/v1`` behind the login guard; ``PUBLIC_ROUTE_HANDLERS`` (the feed
itself, ``GET /feeds/{token}.ics``) are mounted at the root: calendar clients cannot log in, so the
secret in the URL is the credential.
"""

from __future__ import annotations

import uuid
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT, HTTP_304_NOT_MODIFIED
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.access.middleware import client_address
from marac.clock import Clock
from marac.errors import NotFound
from marac.notify import feeds, schemas, services
from marac.notify.models import FeedToken, Invitation, Notification
from marac.notify.models import Response as Answer
from marac.problems import handle_domain
from marac.runtime import Runtime


def response_out(answer: services.InviteeAnswer) -> schemas.ConferenceResponse:
    invitation = answer.invitation
    return schemas.ConferenceResponse(
        conference_id=invitation.conference_id,
        user_id=invitation.user_id,
        name=answer.name,
        email=invitation.address,
        agency_id=invitation.agency_id,
        agency_name=answer.agency_name,
        invited_as=invitation.invited_as,
        invited=invitation.last_method == "REQUEST",
        sequence=invitation.last_sequence,
        last_sent_at=invitation.last_sent_at,
        response=invitation.response,
        deputy_user_id=invitation.deputy_user_id,
        deputy_name=answer.deputy_name,
        note=invitation.response_note,
        responded_at=invitation.responded_at,
        current=answer.current,
    )


def own_out(invitation: Invitation, actor: Actor) -> schemas.ConferenceResponse:
    return response_out(services.InviteeAnswer(invitation, actor.label, None, None))


def notification_out(row: Notification) -> schemas.Notification:
    return schemas.Notification(
        id=row.id,
        kind=row.kind,
        status=row.status,
        recipient_address=row.recipient_address,
        subject=row.subject,
        conference_id=row.conference_id,
        case_id=row.case_id,
        action_id=row.action_id,
        created_at=row.created_at,
        due_at=row.due_at,
        next_attempt_at=row.next_attempt_at,
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.sent_at,
        parked_at=row.parked_at,
    )


def feed_out(token: FeedToken | None) -> schemas.CalendarFeed:
    if token is None:
        return schemas.CalendarFeed(
            active=False, prefix=None, created_at=None, revoked_at=None, last_fetched_at=None
        )
    return schemas.CalendarFeed(
        active=token.revoked_at is None,
        prefix=token.prefix,
        created_at=token.created_at,
        revoked_at=token.revoked_at,
        last_fetched_at=token.last_fetched_at,
    )


class InvitationController(Controller):
    path = "/conferences"
    tags = ["invitations"]

    @post("/{conference_id:uuid}/response", operation_id="respondToConference", status_code=HTTP_200_OK)
    async def respond(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        data: schemas.ConferenceResponseCreate,
    ) -> schemas.ConferenceResponse:
        answer = services.Answer(Answer(data.response), data.deputy_user_id, data.note)
        invitation = await services.respond(
            db, clock, actor, conference_id, answer, settings=runtime.settings
        )
        return own_out(invitation, actor)

    @get("/{conference_id:uuid}/response", operation_id="getOwnConferenceResponse")
    async def own_response(
        self, db: AsyncSession, actor: Actor, conference_id: uuid.UUID
    ) -> schemas.ConferenceResponse:
        return own_out(await services.own_response(db, actor, conference_id), actor)

    @get("/{conference_id:uuid}/responses", operation_id="listConferenceResponses")
    async def responses(
        self, db: AsyncSession, actor: Actor, conference_id: uuid.UUID
    ) -> list[schemas.ConferenceResponse]:
        return [response_out(a) for a in await services.list_responses(db, actor, conference_id)]


class OutboxController(Controller):
    tags = ["outbox"]

    @get("/areas/{area_id:uuid}/notifications", operation_id="listNotifications")
    async def list_notifications(
        self,
        db: AsyncSession,
        actor: Actor,
        area_id: uuid.UUID,
        which: Annotated[services.OutboxState, QueryParameter(name="state")] = "undelivered",
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=1000)] = 200,
    ) -> list[schemas.Notification]:
        return [
            notification_out(row)
            for row in await services.list_outbox(db, actor, area_id, which, limit=limit)
        ]

    @post(
        "/notifications/{notification_id:uuid}/retry",
        operation_id="retryNotification",
        status_code=HTTP_200_OK,
    )
    async def retry(
        self, db: AsyncSession, clock: Clock, actor: Actor, notification_id: uuid.UUID
    ) -> schemas.Notification:
        return notification_out(await services.retry_notification(db, clock, actor, notification_id))


class CalendarFeedController(Controller):
    path = "/me/calendar-feed"
    tags = ["calendar feed"]

    @get("/", operation_id="getCalendarFeed")
    async def status(self, db: AsyncSession, actor: Actor) -> schemas.CalendarFeed:
        return feed_out(await feeds.feed_status(db, actor))

    @post("/", operation_id="issueCalendarFeed", status_code=HTTP_201_CREATED)
    async def issue(
        self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime
    ) -> schemas.CalendarFeedLink:
        link = await feeds.issue_feed_token(db, clock, actor, runtime.settings)
        return schemas.CalendarFeedLink(
            url=link.url, webcal_url=link.webcal_url, prefix=link.prefix, created_at=link.created_at
        )

    @delete("/", operation_id="revokeCalendarFeed", status_code=HTTP_204_NO_CONTENT)
    async def revoke(self, db: AsyncSession, clock: Clock, actor: Actor) -> None:
        await feeds.revoke_feed_token(db, clock, actor)


@get(
    "/feeds/{filename:str}",
    operation_id="fetchCalendarFeed",
    opt={"public": True},
    tags=["calendar feed"],
    media_type="text/calendar",
    include_in_schema=True,
)
async def calendar_feed(
    request: Request[Any, Any, Any], db: AsyncSession, clock: Clock, runtime: Runtime, filename: str
) -> Response[Any]:
    """A user's private calendar feed (the token in the URL is the credential)."""
    if not filename.endswith(".ics"):
        raise NotFound("calendar feed")
    since = request.headers.get("if-modified-since")
    try:
        modified_since = parsedate_to_datetime(since) if since else None
    except (TypeError, ValueError):
        modified_since = None
    if modified_since is not None and modified_since.tzinfo is None:
        modified_since = None
    fetched = await feeds.fetch_feed(
        db,
        clock,
        runtime.settings,
        filename.removesuffix(".ics"),
        if_none_match=request.headers.get("if-none-match"),
        if_modified_since=modified_since,
        client_address=client_address(request),
    )
    if fetched.refused:
        return handle_domain(
            request, NotFound("calendar feed")
        )  # returned, not raised: keeps the audit entry
    headers = {
        "ETag": fetched.etag,
        "Last-Modified": format_datetime(fetched.last_modified, usegmt=True),
        # The URL is a secret: shared caches must not keep the feed; clients revalidate each time.
        "Cache-Control": "private, no-cache",
        "Referrer-Policy": "no-referrer",
    }
    if fetched.body is None:
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    headers["Content-Disposition"] = 'inline; filename="marac.ics"'
    return Response(fetched.body, media_type="text/calendar; charset=utf-8", headers=headers)


ROUTE_HANDLERS = [InvitationController, OutboxController, CalendarFeedController]
PUBLIC_ROUTE_HANDLERS = [calendar_feed]
