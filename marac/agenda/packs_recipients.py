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
    # The series' representatives and the chair in one query; deputies, when any, in a second.
    representatives = select(SeriesRepresentative.user_id).where(
        SeriesRepresentative.series_id == conference.series_id
    )
    chair = conference.chair_user_id
    rows = await session.execute(
        select(*_PERSON, runs_meeting, User.id.in_(representatives)).where(
            User.active, or_(User.id.in_(representatives), User.id == chair)
        )
    )
    people: dict[uuid.UUID, tuple[str, str, uuid.UUID | None, str]] = {}
    runs: set[uuid.UUID] = set()
    chair_row: tuple[str, str, uuid.UUID | None, str] | None = None
    for user_id, name, email, agency_id, runs_it, represents in rows:
        if runs_it:
            runs.add(user_id)
        if represents and agency_id in attending:
            people[user_id] = (name, email, agency_id, "Representative")
        if user_id == chair:
            chair_row = (name, email, agency_id, "Chair")
    deputy_ids = await session.scalars(
        select(Invitation.deputy_user_id).where(
            Invitation.conference_id == conference.id,
            Invitation.response == Response.DELEGATED,
            Invitation.last_method == InvitationMethod.REQUEST,
            Invitation.user_id.in_(list(people)),
        )
    )
    deputies = {user_id for user_id in deputy_ids if user_id is not None} - set(people) - {chair}
    if deputies:
        others = await session.execute(
            select(*_PERSON, runs_meeting).where(User.id.in_(list(deputies)), User.active)
        )
        for user_id, name, email, agency_id, runs_it in others:
            people[user_id] = (name, email, agency_id, "Deputy")
            if runs_it:
                runs.add(user_id)
    if chair is not None and chair_row is not None:  # the chair, if active, whatever else they are
        people[chair] = chair_row
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
