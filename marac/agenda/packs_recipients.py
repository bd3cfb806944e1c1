"""Who receives a copy of a conference's briefing pack.

The series' standing representatives whose agencies attend the conference, the deputies they named
for this conference (an invitation answered "delegated"), and the conference's chair; each active.
Coordinators and chairs of the area run the meeting, so their copies hold every case.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, bindparam, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from marac.access.models import Area, Membership, Role, User
from marac.agenda.models import Conference, SeriesRepresentative
from marac.agenda.packs import PackRecipient
from marac.notify.models import Invitation, InvitationMethod, Response

_RUNS_MEETING = (Role.COORDINATOR, Role.CHAIR)
_PERSON = (User.id, User.name, User.email, User.agency_id)


def _people_query() -> Select[uuid.UUID, str, str, uuid.UUID | None, bool, bool, bool]:
    """The representatives of a series, the deputies they named for a conference and its chair, each
    active, with whether they coordinate or chair in the area, represent, or deputise."""
    runs_meeting = (
        select(Membership.user_id)
        .where(
            Membership.user_id == User.id,
            Membership.area_id == bindparam("area_id"),
            Membership.role.in_(_RUNS_MEETING),
        )
        .exists()
    )
    representatives = select(SeriesRepresentative.user_id).where(
        SeriesRepresentative.series_id == bindparam("series_id")
    )
    delegating = aliased(User)  # a representative who receives a copy and named a deputy
    deputies = (
        select(Invitation.deputy_user_id)
        .join(delegating, delegating.id == Invitation.user_id)
        .where(
            Invitation.conference_id == bindparam("conference_id"),
            Invitation.response == Response.DELEGATED,
            Invitation.last_method == InvitationMethod.REQUEST,
            Invitation.user_id.in_(representatives),
            delegating.active,
            delegating.agency_id.in_(bindparam("attending", expanding=True)),
        )
    )
    chair = select(User.id).where(User.id == bindparam("chair_id"))
    # One IN over the union, so that people are found by their key rather than by reading every user.
    everyone: Any = union(representatives, deputies, chair)
    return select(*_PERSON, runs_meeting, User.id.in_(representatives), User.id.in_(deputies)).where(
        User.id.in_(everyone), User.active
    )


# Built once: a statement this size costs more to build than to run; its values are bound per run.
_PEOPLE = _people_query()


async def load_recipients(
    session: AsyncSession,
    conference: Conference,
    area: Area,
    attending: list[uuid.UUID],
    agency_names: Mapping[uuid.UUID, str],
) -> list[PackRecipient]:
    """Everyone who gets a copy, in a stable order (agency, name)."""
    chair = conference.chair_user_id
    values = {
        "area_id": area.id,
        "series_id": conference.series_id,
        "conference_id": conference.id,
        "chair_id": chair,
        "attending": attending,
    }
    rows = (await session.execute(_PEOPLE, values)).all()
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
