"""The coordinator's hand on the agenda: move an item, pin it to a place, defer it to the next meeting.

A pinned item keeps its place in its section and its seat at the conference when the agenda is
re-ordered or overflows; a deferred item goes to the top of the next conference.  Changes to a
published agenda produce its next version when the caller settles the unit of work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import Actor
from marac.agenda import schemas
from marac.agenda.layout import OPEN_STATUSES, Rearrangement, listing_facts, move_to_next, relayout
from marac.agenda.models import AgendaItem, Conference, NoticeKind
from marac.agenda.publication import settle
from marac.agenda.visibility import get_conference, get_item, require_manager
from marac.clock import Clock
from marac.errors import Conflict, InvalidInput, StaleVersion


@dataclass(frozen=True)
class ListedItem:
    item: AgendaItem
    case_reference: str


async def listed_item(session: AsyncSession, item: AgendaItem) -> ListedItem:
    facts = await listing_facts(session, [item.referral_id])
    return ListedItem(item, facts[item.referral_id].case_reference)


def _check(item: AgendaItem, conference: Conference, expected: int) -> None:
    if item.version != expected:
        raise StaleVersion("agenda item", item.id, expected, item.version)
    if conference.status not in OPEN_STATUSES:
        raise Conflict(f"The conference is {conference.status.value}: its agenda can no longer change")


async def _record(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    action: str,
    item: AgendaItem,
    area_id: uuid.UUID,
    detail: dict[str, object],
) -> None:
    await audit.record(session, actor, clock, action, "agenda_item", item.id, area_id=area_id, detail=detail)


async def move_item(
    session: AsyncSession, clock: Clock, actor: Actor, item_id: uuid.UUID, data: schemas.AgendaItemMove
) -> ListedItem:
    """Move an item to another open conference of the area and/or pin it at a place in its section."""
    work = Rearrangement(clock.now())
    item, source = await get_item(session, actor, item_id)
    require_manager(actor, source, "change an agenda")
    _check(item, source, data.version)
    if data.conference_id is None and data.position is None:
        raise InvalidInput.for_field("conference_id", "give a conference, a position, or both")
    target = source
    if data.conference_id is not None and data.conference_id != source.id:
        target = await get_conference(session, actor, data.conference_id)
        if target.area_id != source.area_id:
            raise InvalidInput.for_field("conference_id", "not a conference of this area")
        if target.status not in OPEN_STATUSES:
            raise Conflict(f"That conference is {target.status.value}: its agenda can no longer change")
        taken = await session.scalar(
            select(AgendaItem.id).where(
                AgendaItem.conference_id == target.id, AgendaItem.referral_id == item.referral_id
            )
        )
        if taken is not None:
            raise Conflict("The case is already listed at that conference")
        item.conference_id = target.id
        item.pinned = False
    if data.position is not None:
        item.pinned = True
        item.position = data.position
    item.version += 1
    await session.flush()
    if target is not source:
        await relayout(session, work, source)
    await relayout(session, work, target)
    await _record(
        session,
        clock,
        actor,
        "agenda_item.move",
        item,
        source.area_id,
        {"from": str(source.id), "to": str(target.id), "position": data.position},
    )
    await settle(session, clock, actor, work)
    return await listed_item(session, item)


async def pin_item(
    session: AsyncSession, clock: Clock, actor: Actor, item_id: uuid.UUID, data: schemas.AgendaItemPin
) -> ListedItem:
    """Pin an item at its place (or the given one) in its section, or release the pin."""
    work = Rearrangement(clock.now())
    item, conference = await get_item(session, actor, item_id)
    require_manager(actor, conference, "change an agenda")
    _check(item, conference, data.version)
    item.pinned = data.pinned
    if data.pinned and data.position is not None:
        item.position = data.position
    item.version += 1
    await session.flush()
    await relayout(session, work, conference)
    await _record(
        session,
        clock,
        actor,
        "agenda_item.pin",
        item,
        conference.area_id,
        {"pinned": data.pinned, "position": item.position},
    )
    await settle(session, clock, actor, work)
    return await listed_item(session, item)


async def defer_item(
    session: AsyncSession, clock: Clock, actor: Actor, item_id: uuid.UUID, data: schemas.AgendaItemDefer
) -> ListedItem:
    """Defer an item to the next conference, where it heads its section as a carried-over case."""
    work = Rearrangement(clock.now())
    item, conference = await get_item(session, actor, item_id)
    require_manager(actor, conference, "change an agenda")
    _check(item, conference, data.version)
    if item.notification_only:
        raise Conflict("A notification-only case is not deferred; it is read out at this meeting")
    item.version += 1
    target = await move_to_next(session, work, conference, [item], kind=NoticeKind.MOVED, carried_over=True)
    if target is None:
        raise Conflict("There is no later conference to defer the case to: schedule one first")
    await relayout(session, work, conference)
    await _record(
        session,
        clock,
        actor,
        "agenda_item.defer",
        item,
        conference.area_id,
        {"from": str(conference.id), "to": str(target.id)},
    )
    await settle(session, clock, actor, work)
    return await listed_item(session, item)
