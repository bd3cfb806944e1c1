"""Who may see a conference, its agenda and the cases listed on it.

* Any member of the area sees that a conference exists (time and place are not case data).
* The agenda — case references in sections — is for the area's coordinators, chairs and
  administrators, and for representatives of the agencies that attend the conference.
* The must-not-receive list of a case wins over everything: a user named on it never sees the case's
  agenda item, research or minutes (see :mod:`marac.cases.access`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import MANAGERS, OVERSEERS, Actor, require_area, require_role
from marac.access.models import Role
from marac.agenda.models import AgendaItem, Conference, ConferenceSeries, SeriesAgency
from marac.cases.access import ensure_not_excluded, excluded_case_ids
from marac.errors import NotFound, PermissionDenied


async def get_conference(session: AsyncSession, actor: Actor, conference_id: uuid.UUID) -> Conference:
    """The conference, if it exists in one of the actor's areas (otherwise :class:`NotFound`)."""
    conference = await session.get(Conference, conference_id)
    if conference is None:
        raise NotFound("conference", conference_id)
    require_area(actor, conference.area_id, "conference", conference_id)
    return conference


async def get_series(session: AsyncSession, actor: Actor, series_id: uuid.UUID) -> ConferenceSeries:
    series = await session.get(ConferenceSeries, series_id)
    if series is None:
        raise NotFound("conference series", series_id)
    require_area(actor, series.area_id, "conference series", series_id)
    return series


async def get_item(session: AsyncSession, actor: Actor, item_id: uuid.UUID) -> tuple[AgendaItem, Conference]:
    """An agenda item and its conference; :class:`NotFound` if the actor must not receive the case."""
    item = await session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("agenda item", item_id)
    conference = await get_conference(session, actor, item.conference_id)
    await ensure_not_excluded(session, actor, item.case_id, "agenda item", item_id)
    return item, conference


def require_manager(actor: Actor, conference: Conference, doing: str) -> None:
    require_role(actor, conference.area_id, *MANAGERS, object_type="conference", doing=doing)


def require_overseer(actor: Actor, conference: Conference, doing: str) -> None:
    require_role(actor, conference.area_id, *OVERSEERS, object_type="conference", doing=doing)


async def attending_agency_ids(session: AsyncSession, series_id: uuid.UUID) -> list[uuid.UUID]:
    """The standing attendee agencies of a series, in a stable order."""
    rows = await session.scalars(
        select(SeriesAgency.agency_id)
        .where(SeriesAgency.series_id == series_id)
        .order_by(SeriesAgency.agency_id)
    )
    return list(rows)


async def may_see_agenda(session: AsyncSession, actor: Actor, conference: Conference) -> bool:
    """Overseers of the area, and representatives of an agency attending the conference."""
    if not actor.belongs_to(conference.area_id):
        return False
    if actor.has_role(conference.area_id, *OVERSEERS):
        return True
    if actor.agency_id is None or Role.REPRESENTATIVE not in actor.roles_in(conference.area_id):
        return False
    attends = await session.scalar(
        select(SeriesAgency.agency_id).where(
            SeriesAgency.series_id == conference.series_id, SeriesAgency.agency_id == actor.agency_id
        )
    )
    return attends is not None


async def ensure_may_see_agenda(session: AsyncSession, actor: Actor, conference: Conference) -> None:
    require_area(actor, conference.area_id, "conference", conference.id)
    if not await may_see_agenda(session, actor, conference):
        raise PermissionDenied(
            "Only the area's coordinators and chairs, and representatives of the agencies attending this "
            "conference, may see its agenda"
        )


async def hidden_case_ids(session: AsyncSession, actor: Actor) -> set[uuid.UUID]:
    """Cases the actor must not receive anything about (their must-not-receive entries)."""
    return await excluded_case_ids(session, actor.user_id)


def visible(case_ids: Iterable[uuid.UUID], hidden: set[uuid.UUID]) -> list[uuid.UUID]:
    return [case_id for case_id in case_ids if case_id not in hidden]
