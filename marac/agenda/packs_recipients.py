"""Who receives a copy of a conference's briefing pack.

The series' standing representatives whose agencies attend the conference, the deputies they named
for this conference (an invitation answered "delegated"), and the conference's chair; each active.
Coordinators and chairs of the area run the meeting, so their copies hold every case.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.models import Area, Membership, Role, User
from marac.agenda.models import Conference, SeriesRepresentative
from marac.agenda.packs import PackRecipient
from marac.notify.models import Invitation, InvitationMethod, Response

_RUNS_MEETING = (Role.COORDINATOR, Role.CHAIR)
_PERSON = (User.id, User.name, User.email, User.agency_id)


async def load_recipients(
    session: AsyncSession,
    conference: Conference,
    area: Area,
    attending: list[uuid.UUID],
    agency_names: Mapping[uuid.UUID, str],
) -> list[PackRecipient]:
    """Everyone who gets a copy, in a stable order (agency, name)."""
    reps = await session.execute(
        select(*_PERSON)
        .join(SeriesRepresentative, SeriesRepresentative.user_id == User.id)
        .where(SeriesRepresentative.series_id == conference.series_id, User.active)
    )
    people: dict[uuid.UUID, tuple[str, str, uuid.UUID | None, str]] = {
        user_id: (name, email, agency_id, "Representative")
        for user_id, name, email, agency_id in reps
        if agency_id in attending
    }
    deputies = await session.scalars(
        select(Invitation.deputy_user_id).where(
            Invitation.conference_id == conference.id,
            Invitation.response == Response.DELEGATED,
            Invitation.last_method == InvitationMethod.REQUEST,
            Invitation.user_id.in_(list(people)),
        )
    )
    roles = {user_id: "Deputy" for user_id in deputies if user_id is not None and user_id not in people}
    if conference.chair_user_id is not None:
        roles[conference.chair_user_id] = "Chair"
    if roles:
        others = await session.execute(select(*_PERSON).where(User.id.in_(list(roles)), User.active))
        for user_id, name, email, agency_id in others:
            people[user_id] = (name, email, agency_id, roles[user_id])
    runs_meeting = set(
        await session.scalars(
            select(Membership.user_id).where(
                Membership.area_id == area.id,
                Membership.user_id.in_(list(people)),
                Membership.role.in_(_RUNS_MEETING),
            )
        )
    )
    recipients = [
        PackRecipient(
            user_id=user_id,
            name=name,
            email=email,
            agency_id=agency_id,
            agency=agency_names.get(agency_id, area.name) if agency_id else area.name,
            role=role,
            sees_every_case=role == "Chair" or user_id in runs_meeting,
        )
        for user_id, (name, email, agency_id, role) in people.items()
    ]
    return sorted(recipients, key=lambda r: (r.agency, r.name, str(r.user_id)))
