"""What people do with notifications: answer an invitation, see who is coming, retry a parked email."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import MANAGERS, OVERSEERS, Actor, require_area, require_role
from marac.access.models import Agency, Membership, User
from marac.agenda.models import Conference
from marac.clock import Clock
from marac.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from marac.notify.invitations import conference_changed
from marac.notify.models import DeliveryStatus, Invitation, InvitationMethod, Notification, Response
from marac.settings import Settings

OutboxState = Literal["undelivered", "pending", "parked", "sent", "withdrawn", "all"]
_STATES: dict[str, tuple[DeliveryStatus, ...]] = {
    "undelivered": (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.PARKED),
    "pending": (DeliveryStatus.PENDING, DeliveryStatus.SENDING),
    "parked": (DeliveryStatus.PARKED,),
    "sent": (DeliveryStatus.SENT,),
    "withdrawn": (DeliveryStatus.WITHDRAWN,),
    "all": tuple(DeliveryStatus),
}


@dataclass(frozen=True, slots=True)
class Answer:
    """A representative's answer to an invitation."""

    response: Response
    deputy_user_id: uuid.UUID | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class InviteeAnswer:
    """One row of "who is coming": the invitation, its answer, and whether the answer is current."""

    invitation: Invitation
    name: str
    agency_name: str | None
    deputy_name: str | None

    @property
    def current(self) -> bool:
        """Answered after the last invitation or update was sent (a move asks everyone again)."""
        answered = self.invitation.responded_at
        return answered is not None and answered >= self.invitation.last_sent_at


async def respond(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    conference_id: uuid.UUID,
    answer: Answer,
    *,
    settings: Settings | None = None,
) -> Invitation:
    """Accept, decline or name a deputy (of the same agency) for a conference one is invited to.

    A deputy is invited at once; withdrawing the deputy (answering again) cancels theirs.
    """
    invitation = await _own_invitation(session, actor, conference_id)
    conference = await session.get(Conference, conference_id)
    if conference is None:
        raise NotFound("conference", conference_id)
    if conference.ends_at <= clock.now():
        raise Conflict("The conference is over; attendance is recorded in the meeting record")
    deputy_id = None
    if answer.response == Response.DELEGATED:
        deputy_id = await _check_deputy(session, actor, invitation, answer.deputy_user_id)
    elif answer.deputy_user_id is not None:
        raise InvalidInput.for_field("deputy_user_id", "only a delegated answer names a deputy")
    elif answer.response == Response.NEEDS_ACTION:
        raise InvalidInput.for_field("response", "answer accepted, declined or delegated")
    invitation.response = answer.response
    invitation.deputy_user_id = deputy_id
    invitation.response_note = answer.note
    invitation.responded_at = clock.now()
    await audit.record(
        session,
        actor,
        clock,
        "conference.respond",
        "conference",
        conference_id,
        area_id=invitation.area_id,
        detail={"response": answer.response.value, "deputy_user_id": deputy_id},
    )
    await conference_changed(session, clock, conference_id, settings=settings)
    return invitation


async def own_response(session: AsyncSession, actor: Actor, conference_id: uuid.UUID) -> Invitation:
    """The actor's own invitation to a conference and their answer."""
    return await _own_invitation(session, actor, conference_id)


async def list_responses(
    session: AsyncSession, actor: Actor, conference_id: uuid.UUID
) -> list[InviteeAnswer]:
    """Everyone invited (or once invited) to a conference with their answer, for its overseers."""
    conference = await session.get(Conference, conference_id)
    if conference is None:
        raise NotFound("conference", conference_id)
    require_role(
        actor,
        conference.area_id,
        *OVERSEERS,
        object_type="conference",
        object_id=conference_id,
        doing="see answers",
    )
    invitations = list(
        await session.scalars(select(Invitation).where(Invitation.conference_id == conference_id))
    )
    user_ids = {i.user_id for i in invitations} | {i.deputy_user_id for i in invitations if i.deputy_user_id}
    names = dict((await session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))).all())
    agency_ids = {i.agency_id for i in invitations if i.agency_id}
    agencies = dict(
        (await session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids)))).all()
    )
    answers = [
        InviteeAnswer(
            invitation=i,
            name=names.get(i.user_id, ""),
            agency_name=agencies.get(i.agency_id) if i.agency_id else None,
            deputy_name=names.get(i.deputy_user_id) if i.deputy_user_id else None,
        )
        for i in invitations
    ]
    return sorted(
        answers,
        key=lambda a: (a.invitation.last_method != InvitationMethod.REQUEST, a.agency_name or "", a.name),
    )


async def list_outbox(
    session: AsyncSession,
    actor: Actor,
    area_id: uuid.UUID,
    state: OutboxState = "undelivered",
    *,
    limit: int = 200,
) -> Sequence[Notification]:
    """An area's outbox for its coordinators: undelivered (the default), parked, sent…, oldest due first."""
    require_role(actor, area_id, *MANAGERS, doing="see the outbox")
    query = (
        select(Notification)
        .where(Notification.area_id == area_id, Notification.status.in_(_STATES[state]))
        .order_by(Notification.due_at, Notification.queued_order)
        .limit(min(max(limit, 1), 1000))
    )
    return (await session.scalars(query)).all()


async def retry_notification(
    session: AsyncSession, clock: Clock, actor: Actor, notification_id: uuid.UUID
) -> Notification:
    """Send a parked (or waiting) message again now, with a fresh allowance of attempts."""
    row = await session.get(Notification, notification_id)
    if row is None or row.area_id is None:
        raise NotFound("notification", notification_id)
    require_role(
        actor,
        row.area_id,
        *MANAGERS,
        object_type="notification",
        object_id=notification_id,
        doing="retry emails",
    )
    if row.status not in (DeliveryStatus.PARKED, DeliveryStatus.PENDING):
        raise Conflict(f"The message is {row.status.value}; only parked or waiting messages can be retried")
    now = clock.now()
    row.status, row.attempts, row.next_attempt_at = DeliveryStatus.PENDING, 0, now
    row.parked_at = None
    await audit.record(
        session, actor, clock, "notification.retry", "notification", row.id, area_id=row.area_id, detail={}
    )
    return row


async def _own_invitation(session: AsyncSession, actor: Actor, conference_id: uuid.UUID) -> Invitation:
    if actor.user_id is None:
        raise PermissionDenied("Only the invited person answers an invitation")
    invitation = await session.get(Invitation, (conference_id, actor.user_id))
    if invitation is None or invitation.last_method != InvitationMethod.REQUEST:
        raise NotFound("invitation", conference_id)
    require_area(actor, invitation.area_id, "invitation", conference_id)
    return invitation


async def _check_deputy(
    session: AsyncSession, actor: Actor, invitation: Invitation, deputy_user_id: uuid.UUID | None
) -> uuid.UUID:
    field = "deputy_user_id"
    if invitation.invited_as == "deputy":
        raise InvalidInput.for_field(
            "response", "a deputy accepts or declines; only the representative delegates"
        )
    if deputy_user_id is None:
        raise InvalidInput.for_field(field, "name the colleague who goes instead")
    if deputy_user_id == actor.user_id:
        raise InvalidInput.for_field(field, "a deputy is someone else")
    deputy = await session.get(User, deputy_user_id)
    member = await session.scalar(
        select(Membership.user_id).where(
            Membership.user_id == deputy_user_id, Membership.area_id == invitation.area_id
        )
    )
    agency = invitation.agency_id or actor.agency_id
    if deputy is None or not deputy.active or member is None or agency is None or deputy.agency_id != agency:
        raise InvalidInput.for_field(
            field, "the deputy must be an active colleague of your agency in this area"
        )
    return deputy_user_id
