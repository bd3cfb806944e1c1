"""Who receives a copy of a conference's briefing pack.

The series' standing representatives whose agencies attend the conference, the deputies they named
for this conference (an invitation answered "delegated"), and the conference's chair; each active.
Coordinators and chairs of the area run the meeting, so their copies hold every case.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

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
    # Whether the person coordinates or chairs in the area, read with the person rather than after.
    runs_meeting = (
        select(Membership.user_id)
        .where(
            Membership.user_id == User.id, Membership.area_id == area.id, Membership.role.in_(_RUNS_MEETING)
        )
        .exists()
    )
    # Representatives, the deputies they named and the chair, in one query.
    representatives = select(SeriesRepresentative.user_id).where(
        SeriesRepresentative.series_id == conference.series_id
    )
    delegating = aliased(User)  # a representative who receives a copy and named a deputy
    deputies = (
        select(Invitation.deputy_user_id)
        .join(delegating, delegating.id == Invitation.user_id)
        .where(
            Invitation.conference_id == conference.id,
            Invitation.response == Response.DELEGATED,
            Invitation.last_method == InvitationMethod.REQUEST,
            Invitation.user_id.in_(representatives),
            delegating.active,
            delegating.agency_id.in_(attending),
        )
    )
    chair = conference.chair_user_id
    rows = (
        await session.execute(
            select(*_PERSON, runs_meeting, User.id.in_(representatives), User.id.in_(deputies)).where(
                User.active, or_(User.id.in_(representatives), User.id.in_(deputies), User.id == chair)
            )
        )
    ).all()
    people: dict[uuid.UUID, tuple[str, str, uuid.UUID | None, str]] = {}
    for user_id, name, email, agency_id, _, represents, _ in rows:
        if represents and agency_id in attending:
            people[user_id] = (name, email, agency_id, "Representative")
    for user_id, name, email, agency_id, _, _, deputises in rows:
        if deputises and user_id not in people:
            people[user_id] = (name, email, agency_id, "Deputy")
    for user_id, name, email, agency_id, _, _, _ in rows:
        if user_id == chair:  # the chair, if active, whatever else they are
            people[user_id] = (name, email, agency_id, "Chair")
    runs = {user_id for user_id, _, _, _, runs_it, _, _ in rows if runs_it}
    recipients = [
        PackRecipient(
            user_id=user_id,
            name=name,
            email=email,
            agency_id=agency_id,
            agency=agency_names.get(agency_id, area.name) if agency_id else area.name,
            role=role,
            sees_every_case=role == "Chair" or user_id in runs,
        )
        for user_id, (name, email, agency_id, role) in people.items()
    ]
    return sorted(recipients, key=lambda r: (r.agency, r.name, str(r.user_id)))
