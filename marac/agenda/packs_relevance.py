"""The coordinator's marks of which agencies a listed case is relevant to.

Used when the area gives each agency's packs only the cases relevant to it (``pack_scope:
relevant``); with ``all`` the marks are kept but change nothing.  An agency is always given the
cases it referred and those on which it owns an open action; a mark adds a case to its packs.
Marks belong to an agenda item (one listing of a case) and to an agency attending its conference.
The next pass of the pack sweep remakes the copies a mark changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import Actor
from marac.access.models import Agency
from marac.agenda.documents_models import PackRelevance
from marac.agenda.layout import OPEN_STATUSES
from marac.agenda.models import AgendaItem, Conference
from marac.agenda.visibility import (
    attending_agency_ids,
    get_conference,
    get_item,
    hidden_case_ids,
    require_manager,
)
from marac.cases.models import Case
from marac.clock import Clock
from marac.errors import Conflict, NotFound


@dataclass(frozen=True)
class RelevanceMark:
    agenda_item_id: uuid.UUID
    case_reference: str
    agency_id: uuid.UUID
    agency: str
    marked_by: uuid.UUID | None
    marked_at: datetime


async def _checked(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, agency_id: uuid.UUID
) -> tuple[AgendaItem, Conference]:
    item, conference = await get_item(session, actor, item_id)
    require_manager(actor, conference, "mark which agencies a case is relevant to")
    if conference.status not in OPEN_STATUSES:
        raise Conflict(f"The conference is {conference.status.value}: its packs can no longer change")
    if agency_id not in await attending_agency_ids(session, conference.series_id):
        raise NotFound("attending agency", agency_id)
    return item, conference


async def mark_relevant(
    session: AsyncSession, clock: Clock, actor: Actor, item_id: uuid.UUID, agency_id: uuid.UUID
) -> RelevanceMark:
    """Mark a listed case as relevant to an attending agency (idempotent)."""
    item, conference = await _checked(session, actor, item_id, agency_id)
    mark = await session.get(PackRelevance, (item.id, agency_id))
    if mark is None:
        mark = PackRelevance(
            agenda_item_id=item.id, agency_id=agency_id, marked_by=actor.user_id, marked_at=clock.now()
        )
        session.add(mark)
        await session.flush()
        await audit.record(
            session,
            actor,
            clock,
            "pack.relevance.mark",
            "agenda_item",
            item.id,
            area_id=conference.area_id,
            detail={"agency_id": str(agency_id)},
        )
    case = await session.get(Case, item.case_id)
    agency = await session.get(Agency, agency_id)
    assert case is not None  # foreign keys
    assert agency is not None
    return RelevanceMark(item.id, case.reference, agency_id, agency.name, mark.marked_by, mark.marked_at)


async def unmark_relevant(
    session: AsyncSession, clock: Clock, actor: Actor, item_id: uuid.UUID, agency_id: uuid.UUID
) -> None:
    """Remove the mark (idempotent); the agency keeps the case if it referred it or owns an action on it."""
    item, conference = await _checked(session, actor, item_id, agency_id)
    mark = await session.get(PackRelevance, (item.id, agency_id))
    if mark is not None:
        await session.delete(mark)
        await session.flush()
        await audit.record(
            session,
            actor,
            clock,
            "pack.relevance.unmark",
            "agenda_item",
            item.id,
            area_id=conference.area_id,
            detail={"agency_id": str(agency_id)},
        )


async def list_relevance(
    session: AsyncSession, actor: Actor, conference_id: uuid.UUID
) -> list[RelevanceMark]:
    """Every mark on the conference's listed cases (coordinators), leaving out cases kept from the actor."""
    conference = await get_conference(session, actor, conference_id)
    require_manager(actor, conference, "see which agencies cases are relevant to")
    hidden = await hidden_case_ids(session, actor)
    rows = await session.execute(
        select(PackRelevance, AgendaItem.case_id, Case.reference, Agency.name)
        .join(AgendaItem, AgendaItem.id == PackRelevance.agenda_item_id)
        .join(Case, Case.id == AgendaItem.case_id)
        .join(Agency, Agency.id == PackRelevance.agency_id)
        .where(AgendaItem.conference_id == conference.id)
        .order_by(Case.reference, Agency.name)
    )
    return [
        RelevanceMark(mark.agenda_item_id, reference, mark.agency_id, agency, mark.marked_by, mark.marked_at)
        for mark, case_id, reference, agency in rows
        if case_id not in hidden
    ]
