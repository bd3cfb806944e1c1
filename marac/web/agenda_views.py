"""What the agenda pages show, read through the agenda services into plain values.

The pages never read case data themselves: the agenda comes from :mod:`marac.agenda.agenda_reads`
(must-not-receive honoured, the view audited), research from :mod:`marac.agenda.research`.  Only
item versions and pins are read straight from the agenda items, to put them in the forms.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.agenda import agenda_reads, conferences, research
from marac.agenda.layout import OPEN_STATUSES, capacity_of, plan_for
from marac.agenda.models import AgendaItem, Conference, ConferenceStatus, ResearchState
from marac.agenda.visibility import get_conference, hidden_case_ids, may_see_agenda
from marac.cases.identity import FieldCipher
from marac.clock import Clock
from marac.settings import Settings

STATUS_LABELS = {
    ConferenceStatus.SCHEDULED: "Draft",
    ConferenceStatus.PUBLISHED: "Published",
    ConferenceStatus.HELD: "Held",
    ConferenceStatus.CLOSED: "Closed",
    ConferenceStatus.CANCELLED: "Cancelled",
}
RESEARCH_LABELS = {
    ResearchState.NOT_STARTED: "Not started",
    ResearchState.NOTHING_HELD: "Nothing held",
    ResearchState.INFORMATION_HELD: "Information held",
    ResearchState.SHARED: "Shared",
}
# The answers a representative gives, in the order they usually come.
RESEARCH_ANSWERS = (ResearchState.NOTHING_HELD, ResearchState.INFORMATION_HELD, ResearchState.SHARED)
_FINISHED = (ConferenceStatus.CLOSED, ConferenceStatus.CANCELLED)
# Conferences offered when moving a case: the next half year is as far as anyone moves one.
MOVE_TARGETS = 6


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> FieldCipher:
    return FieldCipher(keys)


def cipher_for(settings: Settings) -> FieldCipher:
    """The cipher of research notes, built once per set of keys."""
    return _cipher(tuple(settings.security.data_keys))


@dataclass(frozen=True)
class ConferenceHead:
    """The conference a page is about: when, where, and how far its agenda has got."""

    id: uuid.UUID
    local_date: date
    starts_at: datetime
    ends_at: datetime
    location: str
    status: str
    status_label: str
    agenda_version: int
    published_at: datetime | None
    extraordinary: bool

    @classmethod
    def of(cls, conference: Conference) -> ConferenceHead:
        return cls(
            conference.id,
            conference.local_date,
            conference.starts_at,
            conference.ends_at,
            conference.location or "",
            conference.status.value,
            STATUS_LABELS[conference.status],
            conference.agenda_version,
            conference.published_at,
            conference.extraordinary,
        )

    @property
    def day(self) -> str:
        return f"{self.local_date.day} {self.local_date:%B %Y}"

    @property
    def editable(self) -> bool:
        return self.status in {s.value for s in OPEN_STATUSES}

    @property
    def held(self) -> bool:
        return self.status in {ConferenceStatus.HELD.value, ConferenceStatus.CLOSED.value}


@dataclass(frozen=True)
class ResearchMark:
    agency_id: uuid.UUID
    agency: str
    status: str
    label: str
    note: str
    version: int

    @classmethod
    def of(cls, cell: research.ResearchCell) -> ResearchMark:
        return cls(
            cell.agency_id,
            cell.agency,
            cell.status.value,
            RESEARCH_LABELS[cell.status],
            cell.note or "",
            cell.version,
        )


@dataclass(frozen=True)
class AgendaLine:
    item_id: uuid.UUID
    case_reference: str
    referral_reference: str
    referring_agency: str
    starts_at: datetime
    ends_at: datetime
    repeat: bool
    carried_over: bool
    notification_only: bool
    place: int  # 1-based, within its section
    first: bool
    last: bool
    pinned: bool = False
    version: int = 0
    research: tuple[ResearchMark, ...] = ()


@dataclass(frozen=True)
class AgendaSection:
    key: str
    title: str
    starts_at: datetime
    ends_at: datetime
    lines: tuple[AgendaLine, ...]


@dataclass(frozen=True)
class PreviousAction:
    reference: str
    case_reference: str
    owner_agency: str
    deadline: date
    status: str


@dataclass(frozen=True)
class VersionLine:
    number: int
    published_at: datetime
    changes: tuple[str, ...]


@dataclass(frozen=True)
class MoveTarget:
    id: uuid.UUID
    starts_at: datetime
    extraordinary: bool


@dataclass(frozen=True)
class AgendaBoard:
    """A conference's agenda as one person may see it, with what the coordinator needs to manage it."""

    conference: ConferenceHead
    sections: tuple[AgendaSection, ...]
    previous_actions: tuple[PreviousAction, ...]
    case_slots: int
    cases_listed: int
    overflow: tuple[str, ...] = ()
    versions: tuple[VersionLine, ...] = ()
    targets: tuple[MoveTarget, ...] = ()
    agencies: tuple[str, ...] = ()  # attending agencies, when research is shown

    @property
    def lines(self) -> list[AgendaLine]:
        return [line for section in self.sections for line in section.lines]

    @property
    def case_sections(self) -> list[AgendaSection]:
        return [section for section in self.sections if section.lines]


def _sections(
    snapshot: dict[str, Any],
    items: dict[str, AgendaItem],
    marks: dict[uuid.UUID, tuple[ResearchMark, ...]],
) -> tuple[AgendaSection, ...]:
    sections = []
    for section in snapshot["sections"]:
        rows = section["items"]
        lines = []
        for place, row in enumerate(rows, start=1):
            item = items.get(row["item_id"])
            item_id = uuid.UUID(row["item_id"])
            lines.append(
                AgendaLine(
                    item_id=item_id,
                    case_reference=row["case_reference"],
                    referral_reference=row["referral_reference"],
                    referring_agency=row["referring_agency"],
                    starts_at=datetime.fromisoformat(row["starts_at"]),
                    ends_at=datetime.fromisoformat(row["ends_at"]),
                    repeat=row["repeat"],
                    carried_over=row["carried_over"],
                    notification_only=row["notification_only"],
                    place=place,
                    first=place == 1,
                    last=place == len(rows),
                    pinned=bool(item and item.pinned),
                    version=item.version if item else 0,
                    research=marks.get(item_id, ()),
                )
            )
        sections.append(
            AgendaSection(
                section["key"],
                section["title"],
                datetime.fromisoformat(section["starts_at"]),
                datetime.fromisoformat(section["ends_at"]),
                tuple(lines),
            )
        )
    return tuple(sections)


def _previous(snapshot: dict[str, Any]) -> tuple[PreviousAction, ...]:
    return tuple(
        PreviousAction(
            a["reference"],
            a["case_reference"],
            a["owner_agency"],
            date.fromisoformat(a["deadline"]),
            a["status"],
        )
        for a in snapshot["previous_actions"]
    )


async def _view(
    db: AsyncSession, clock: Clock, actor: Actor, conference: Conference, draft: bool
) -> agenda_reads.AgendaView | None:
    """The live draft of an open conference (``draft``), else its last published version (audited)."""
    if draft and conference.status in OPEN_STATUSES:
        return await agenda_reads.view_agenda(db, clock, actor, conference.id, 0)
    if conference.agenda_version == 0:
        return None
    return await agenda_reads.view_agenda(db, clock, actor, conference.id)


async def _overflow(db: AsyncSession, actor: Actor, conference: Conference) -> tuple[str, ...]:
    """Cases that do not fit and have no later conference to go to (they wait here, off the agenda)."""
    if conference.status not in OPEN_STATUSES:
        return ()
    plan, items, _ = await plan_for(db, conference)
    hidden = await hidden_case_ids(db, actor)
    return tuple(
        c.case_ref
        for c in plan.overflow
        if c.referral_id in items and items[c.referral_id].case_id not in hidden
    )


async def _targets(
    db: AsyncSession, clock: Clock, actor: Actor, conference: Conference
) -> tuple[MoveTarget, ...]:
    found = await conferences.list_conferences(
        db, actor, conference.area_id, from_date=(clock.now() - timedelta(days=1)).date()
    )
    targets = [
        MoveTarget(s.conference.id, s.conference.starts_at, s.conference.extraordinary)
        for s in found
        if s.conference.id != conference.id
        and s.conference.status in OPEN_STATUSES
        and s.conference.starts_at > clock.now()
    ]
    return tuple(targets[:MOVE_TARGETS])


async def agenda_board(
    db: AsyncSession,
    clock: Clock,
    actor: Actor,
    conference_id: uuid.UUID,
    *,
    draft: bool = True,
    manage: bool = False,
    cipher: FieldCipher | None = None,
) -> AgendaBoard:
    """The agenda of a conference: the live ``draft`` (coordinators and chairs) or the published one;
    ``manage`` adds versions and move targets, ``cipher`` the research status of each case."""
    conference = await get_conference(db, actor, conference_id)
    view = await _view(db, clock, actor, conference, draft)
    items = {
        str(item.id): item
        for item in await db.scalars(select(AgendaItem).where(AgendaItem.conference_id == conference.id))
    }
    marks: dict[uuid.UUID, tuple[ResearchMark, ...]] = {}
    agencies: tuple[str, ...] = ()
    if cipher is not None and view is not None:
        overview = await research.research_overview(db, clock, actor, conference.id, cipher)
        marks = {line.item_id: tuple(ResearchMark.of(cell) for cell in line.cells) for line in overview.lines}
        agencies = tuple(p.agency for p in overview.progress)
    summary = await conferences.conference_summary(db, conference)
    versions: tuple[VersionLine, ...] = ()
    targets: tuple[MoveTarget, ...] = ()
    if manage:
        versions = tuple(
            VersionLine(
                v.number,
                v.published_at,
                tuple(
                    f"{c['case_reference']}: {c['detail']}" if c.get("case_reference") else c["detail"]
                    for c in v.changes
                ),
            )
            for v in await agenda_reads.list_versions(db, clock, actor, conference.id)
        )
        targets = await _targets(db, clock, actor, conference)
    return AgendaBoard(
        conference=ConferenceHead.of(conference),
        sections=_sections(view.snapshot, items, marks) if view else (),
        previous_actions=_previous(view.snapshot) if view else (),
        case_slots=capacity_of(conference).case_slots,
        cases_listed=summary.cases_listed,
        overflow=await _overflow(db, actor, conference) if manage else (),
        versions=versions,
        targets=targets,
        agencies=agencies,
    )


async def upcoming_conferences(
    db: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID, *, published_only: bool = False
) -> list[Conference]:
    """The area's conferences still to come or being held, soonest first, whose agenda the actor may see."""
    now = clock.now()
    found = await conferences.list_conferences(db, actor, area_id, from_date=(now - timedelta(days=1)).date())
    chosen = []
    for summary in found:
        conference = summary.conference
        if conference.status in _FINISHED or conference.ends_at < now - timedelta(hours=12):
            continue
        if published_only and conference.agenda_version == 0:
            continue
        if await may_see_agenda(db, actor, conference):
            chosen.append(conference)
    return chosen


async def next_open_conference(
    db: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID, *, published_only: bool = False
) -> Conference | None:
    """The next conference whose agenda may still change (the one coordinators and chairs prepare)."""
    for conference in await upcoming_conferences(db, clock, actor, area_id, published_only=published_only):
        if conference.status in OPEN_STATUSES and conference.starts_at > clock.now():
            return conference
    return None
