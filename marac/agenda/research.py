"""Research status: what each attending agency found about each listed case — the status, not the content.

The research itself stays inside each agency.  Per listed case and attending agency the service keeps
one of not started / nothing held / information held / shared, and an optional short note the agency
chooses to share (encrypted at rest: it may mention people).  Representatives record their own
agency's; the coordinator sees who has not responded.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import OVERSEERS, Actor, require_agency
from marac.access.models import Agency, Role
from marac.agenda.layout import listing_facts
from marac.agenda.models import AgendaItem, Conference, ConferenceStatus, ResearchState, ResearchStatus
from marac.agenda.schemas import ResearchUpdate
from marac.agenda.visibility import (
    attending_agency_ids,
    ensure_may_see_agenda,
    get_conference,
    get_item,
    hidden_case_ids,
)
from marac.cases.identity import FieldCipher
from marac.clock import Clock
from marac.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StaleVersion

NOTE_CONTEXT = "research_status.note"
_FINISHED = (ConferenceStatus.CLOSED, ConferenceStatus.CANCELLED)


@dataclass(frozen=True)
class ResearchCell:
    agency_id: uuid.UUID
    agency: str
    status: ResearchState
    note: str | None
    updated_at: datetime | None
    version: int


@dataclass(frozen=True)
class ResearchLine:
    item_id: uuid.UUID
    case_reference: str
    section: str
    cells: tuple[ResearchCell, ...]


@dataclass(frozen=True)
class AgencyProgress:
    agency_id: uuid.UUID
    agency: str
    responded: int
    outstanding: int


@dataclass(frozen=True)
class ResearchOverview:
    conference: Conference
    lines: tuple[ResearchLine, ...]
    progress: tuple[AgencyProgress, ...]

    @property
    def not_responded(self) -> list[uuid.UUID]:
        """Agencies with at least one listed case they have not started on."""
        return [p.agency_id for p in self.progress if p.outstanding]


def _ensure_published(actor: Actor, conference: Conference) -> None:
    if conference.agenda_version == 0 and not actor.has_role(conference.area_id, *OVERSEERS):
        raise Conflict("The agenda of this conference has not been published yet")


@dataclass(frozen=True)
class ResearchProgress:
    """How far each attending agency has got, in counts only: no case, no note."""

    cases: int
    progress: tuple[AgencyProgress, ...]


@dataclass(frozen=True)
class _Grid:
    conference: Conference
    items: list[AgendaItem]
    agencies: list[uuid.UUID]  # attending, by name
    names: dict[uuid.UUID, str]
    recorded: dict[tuple[uuid.UUID, uuid.UUID], ResearchStatus]

    def progress(self) -> tuple[AgencyProgress, ...]:
        responded: dict[uuid.UUID, int] = defaultdict(int)
        for (_, agency_id), row in self.recorded.items():
            if row.status != ResearchState.NOT_STARTED:
                responded[agency_id] += 1
        return tuple(
            AgencyProgress(a, self.names.get(a, ""), responded[a], len(self.items) - responded[a])
            for a in self.agencies
        )


async def _grid(session: AsyncSession, actor: Actor, conference_id: uuid.UUID) -> _Grid:
    """The published agenda's cases this person may see, the attending agencies, and what each recorded."""
    conference = await get_conference(session, actor, conference_id)
    await ensure_may_see_agenda(session, actor, conference)
    _ensure_published(actor, conference)
    hidden = await hidden_case_ids(session, actor)
    items = [
        item
        for item in await session.scalars(
            select(AgendaItem)
            .where(AgendaItem.conference_id == conference.id, AgendaItem.notification_only.is_(False))
            .order_by(AgendaItem.starts_at, AgendaItem.position)
        )
        if item.case_id not in hidden
    ]
    agency_ids = await attending_agency_ids(session, conference.series_id)
    rows = await session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids)))
    names = {row[0]: row[1] for row in rows}
    agencies = sorted(agency_ids, key=lambda a: names.get(a, ""))
    recorded = {
        (row.agenda_item_id, row.agency_id): row
        for row in await session.scalars(
            select(ResearchStatus).where(
                ResearchStatus.agenda_item_id.in_([item.id for item in items]),
                ResearchStatus.agency_id.in_(agencies),
            )
        )
    }
    return _Grid(conference, items, agencies, names, recorded)


async def research_progress(
    session: AsyncSession, actor: Actor, conference_id: uuid.UUID
) -> ResearchProgress:
    """Counts for dashboards: nothing about any case is read or decrypted, so nothing is audited."""
    grid = await _grid(session, actor, conference_id)
    return ResearchProgress(len(grid.items), grid.progress())


async def research_overview(
    session: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID, cipher: FieldCipher
) -> ResearchOverview:
    """Every listed case against every attending agency, and how far each agency has got."""
    grid = await _grid(session, actor, conference_id)
    facts = await listing_facts(session, (item.referral_id for item in grid.items))
    lines = []
    for item in grid.items:
        cells = []
        for agency_id in grid.agencies:
            row = grid.recorded.get((item.id, agency_id))
            note = cipher.decrypt(row.note_enc, context=NOTE_CONTEXT) if row and row.note_enc else None
            cells.append(
                ResearchCell(
                    agency_id,
                    grid.names.get(agency_id, ""),
                    row.status if row else ResearchState.NOT_STARTED,
                    note,
                    row.updated_at if row else None,
                    row.version if row else 0,
                )
            )
        lines.append(
            ResearchLine(item.id, facts[item.referral_id].case_reference, item.section, tuple(cells))
        )
    await audit.record(
        session,
        actor,
        clock,
        "research.view",
        "conference",
        grid.conference.id,
        area_id=grid.conference.area_id,
        detail={"items": len(grid.items)},
    )
    return ResearchOverview(grid.conference, tuple(lines), grid.progress())


async def record_research(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    item_id: uuid.UUID,
    agency_id: uuid.UUID,
    data: ResearchUpdate,
    cipher: FieldCipher,
) -> ResearchCell:
    """An agency records its research status on one listed case (its representatives, or the
    area's coordinators and chairs on its behalf)."""
    item, conference = await get_item(session, actor, item_id)
    if conference.status in _FINISHED:
        raise Conflict(f"The conference is {conference.status.value}: research can no longer be recorded")
    if agency_id not in await attending_agency_ids(session, conference.series_id):
        raise NotFound("attending agency", agency_id)
    require_agency(actor, conference.area_id, agency_id, doing="record this agency's research")
    if not actor.has_role(conference.area_id, *OVERSEERS, Role.REPRESENTATIVE):
        raise PermissionDenied("Only the agency's representatives may record its research")
    await ensure_may_see_agenda(session, actor, conference)
    _ensure_published(actor, conference)
    if item.notification_only:
        raise InvalidInput.for_field("item_id", "notification-only cases are not researched")
    row = await session.scalar(
        select(ResearchStatus).where(
            ResearchStatus.agenda_item_id == item.id, ResearchStatus.agency_id == agency_id
        )
    )
    current = row.version if row is not None else 0
    if data.version != current:
        raise StaleVersion("research status", f"{item.id}/{agency_id}", data.version, current)
    note = data.note.strip() if data.note else None
    if row is None:
        row = ResearchStatus(agenda_item_id=item.id, agency_id=agency_id, version=0)
        session.add(row)
    row.status = data.status
    row.note_enc = cipher.encrypt(note, context=NOTE_CONTEXT) if note else None
    row.updated_at = clock.now()
    row.updated_by = actor.user_id
    row.version = current + 1
    await session.flush()
    await audit.record(
        session,
        actor,
        clock,
        "research.update",
        "agenda_item",
        item.id,
        area_id=conference.area_id,
        detail={"agency_id": str(agency_id), "status": data.status.value, "note": note is not None},
    )
    agency = await session.get(Agency, agency_id)
    return ResearchCell(
        agency_id, agency.name if agency else "", row.status, note, row.updated_at, row.version
    )
