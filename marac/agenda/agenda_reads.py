"""Reading a published agenda: the JSON every representative's client polls, served from memory.

A published version never changes, so each process keeps the latest version of recently read
agendas (:mod:`marac.agenda.agenda_cache`), already encoded as JSON, with who may see it.  A read
then needs no database work unless:

* the entry is older than ``CACHE_SECONDS`` (another process may have published a newer version);
  this process forgets an entry at once when it publishes a version itself;
* the reader's excluded cases (must-not-receive) are not known from the last ``CACHE_SECONDS``; a
  reader excluded from a listed case gets a copy filtered and encoded for them;
* the view is due in the audit log.  Views are recorded per person, conference and version at most
  once every ``VIEW_AUDIT_SECONDS`` per process: the log shows who saw which version and when,
  without one write per poll.

Drafts (version 0) and earlier versions are read from the database every time
(:func:`view_agenda`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from marac import audit
from marac.access.guards import OVERSEERS, Actor, require_area
from marac.access.models import Role
from marac.agenda import schemas
from marac.agenda.agenda_cache import AGENDA_CACHE, AgendaCache, PublishedAgenda
from marac.agenda.layout import OPEN_STATUSES, plan_for
from marac.agenda.models import AgendaVersion, Conference
from marac.agenda.publication import VersionSummary, build_snapshot
from marac.agenda.visibility import (
    attending_agency_ids,
    ensure_may_see_agenda,
    get_conference,
    hidden_case_ids,
)
from marac.clock import Clock
from marac.errors import Conflict, NotFound, PermissionDenied

_at = datetime.fromisoformat


def _changes(changes: list[dict[str, Any]]) -> list[schemas.AgendaChange]:
    return [
        schemas.AgendaChange(change=c["change"], detail=c["detail"], case_reference=c.get("case_reference"))
        for c in changes
    ]


def agenda_schema(view: AgendaView) -> schemas.Agenda:
    """The API shape of an agenda as one person may see it."""
    snapshot, conference = view.snapshot, view.conference
    head = snapshot["conference"]
    return schemas.Agenda(
        conference_id=conference.id,
        status=conference.status,
        version=view.number,
        draft=view.draft,
        published_at=view.published_at,
        starts_at=_at(head["starts_at"]),
        ends_at=_at(head["ends_at"]),
        local_date=date.fromisoformat(head["local_date"]),
        location=head["location"],
        online_link=head["online_link"],
        extraordinary=head["extraordinary"],
        sections=[
            schemas.AgendaSectionOut(
                key=section["key"],
                title=section["title"],
                starts_at=_at(section["starts_at"]),
                ends_at=_at(section["ends_at"]),
                items=[
                    schemas.AgendaLine(
                        item_id=uuid.UUID(line["item_id"]),
                        case_reference=line["case_reference"],
                        referral_reference=line["referral_reference"],
                        referring_agency=line["referring_agency"],
                        starts_at=_at(line["starts_at"]),
                        ends_at=_at(line["ends_at"]),
                        repeat=line["repeat"],
                        carried_over=line["carried_over"],
                        notification_only=line["notification_only"],
                    )
                    for line in section["items"]
                ],
            )
            for section in snapshot["sections"]
        ],
        previous_actions=[
            schemas.PreviousActionLine(
                reference=a["reference"],
                case_reference=a["case_reference"],
                owner_agency=a["owner_agency"],
                deadline=date.fromisoformat(a["deadline"]),
                status=a["status"],
            )
            for a in snapshot["previous_actions"]
        ],
        changes=_changes(view.changes),
    )


def changes_schema(changes: list[dict[str, Any]]) -> list[schemas.AgendaChange]:
    return _changes(changes)


async def _load(
    session: AsyncSession, cache: AgendaCache, conference_id: uuid.UUID
) -> PublishedAgenda | None:
    """Read the conference's latest published version into the cache (``None``: nothing published)."""
    conference = await session.get(Conference, conference_id, populate_existing=True)
    if conference is None or conference.agenda_version == 0:
        return None
    version = await session.scalar(
        select(AgendaVersion).where(
            AgendaVersion.conference_id == conference.id, AgendaVersion.number == conference.agenda_version
        )
    )
    if version is None:
        return None
    view = AgendaView(conference, version.number, version.published_at, version.snapshot, version.changes)
    lines = [line for section in view.snapshot["sections"] for line in section["items"]]
    entry = PublishedAgenda(
        conference=conference,
        attending=frozenset(await attending_agency_ids(session, conference.series_id)),
        case_ids=frozenset(line["case_id"] for line in lines)
        | frozenset(action["case_id"] for action in view.snapshot["previous_actions"]),
        view=view,
        encoded=msgspec.json.encode(agenda_schema(view)),
        loaded_at=cache.now(),
    )
    cache.keep_agenda(entry)
    return entry


def _check(actor: Actor, entry: PublishedAgenda) -> None:
    area_id = entry.conference.area_id
    require_area(actor, area_id, "conference", entry.conference.id)
    if actor.has_role(area_id, *OVERSEERS):
        return
    if actor.agency_id in entry.attending and Role.REPRESENTATIVE in actor.roles_in(area_id):
        return
    raise PermissionDenied(
        "Only the area's coordinators and chairs, and representatives of the agencies attending this "
        "conference, may see its agenda"
    )


def _answer(entry: PublishedAgenda, hidden: set[uuid.UUID]) -> bytes:
    excluded = {str(case_id) for case_id in hidden} & entry.case_ids
    if not excluded:
        return entry.encoded
    view = entry.view
    filtered = AgendaView(
        view.conference,
        view.number,
        view.published_at,
        _without(view.snapshot, excluded),
        [c for c in view.changes if c.get("case_id") not in excluded],
    )
    return msgspec.json.encode(agenda_schema(filtered))


async def agenda_json(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    actor: Actor,
    conference_id: uuid.UUID,
    number: int | None = None,
    cache: AgendaCache = AGENDA_CACHE,
) -> bytes:
    """The agenda the actor may see, as JSON: the latest version (``number`` None), a given one, or the
    coordinator's draft (``number`` 0).  The latest version comes from memory when it can."""
    answer = _from_memory(cache, actor, conference_id, number)
    if answer is not None:
        return answer
    async with cache.loading(conference_id):
        answer = _from_memory(cache, actor, conference_id, number)  # another reader may have just loaded it
        if answer is not None:
            return answer
        return await _from_database(sessions, clock, actor, conference_id, number, cache)


def _from_memory(
    cache: AgendaCache, actor: Actor, conference_id: uuid.UUID, number: int | None
) -> bytes | None:
    entry = cache.agenda(conference_id) if number != 0 else None
    hidden = cache.hidden(actor)
    if entry is None or hidden is None or number not in (None, entry.view.number):
        return None
    _check(actor, entry)
    if cache.view_due(actor, conference_id, entry.view.number):
        return None
    return _answer(entry, hidden)


async def _from_database(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    actor: Actor,
    conference_id: uuid.UUID,
    number: int | None,
    cache: AgendaCache,
) -> bytes:
    async with sessions() as session, session.begin():
        entry = await _load(session, cache, conference_id) if number != 0 else None
        if entry is None or number not in (None, entry.view.number):
            view = await view_agenda(session, clock, actor, conference_id, number)
            return msgspec.json.encode(agenda_schema(view))
        _check(actor, entry)
        hidden = await hidden_case_ids(session, actor)
        cache.keep_hidden(actor, hidden)
        due = cache.view_due(actor, conference_id, entry.view.number)
        if due:
            await audit.record(
                session,
                actor,
                clock,
                "agenda.view",
                "conference",
                conference_id,
                area_id=entry.conference.area_id,
                detail={"version": entry.view.number},
            )
    if due:
        cache.viewed(actor, conference_id, entry.view.number)
    return _answer(entry, hidden)


@dataclass(frozen=True)
class AgendaView:
    """An agenda as one person may see it: must-not-receive cases are left out."""

    conference: Conference
    number: int  # 0: a draft, not yet published
    published_at: datetime | None
    snapshot: dict[str, Any]
    changes: list[dict[str, Any]]

    @property
    def draft(self) -> bool:
        return self.number == 0


def _without(snapshot: dict[str, Any], hidden: set[str]) -> dict[str, Any]:
    if not hidden:
        return snapshot
    sections = [
        {**section, "items": [line for line in section["items"] if line["case_id"] not in hidden]}
        for section in snapshot["sections"]
    ]
    actions = [a for a in snapshot["previous_actions"] if a["case_id"] not in hidden]
    return {**snapshot, "sections": sections, "previous_actions": actions}


async def load_agenda(
    session: AsyncSession, actor: Actor, conference_id: uuid.UUID, number: int | None = None
) -> AgendaView:
    """The agenda the actor may see (no audit entry: callers write the one that fits)."""
    conference = await get_conference(session, actor, conference_id)
    await ensure_may_see_agenda(session, actor, conference)
    if conference.agenda_version == 0 or number == 0:
        if not actor.has_role(conference.area_id, *OVERSEERS):
            raise Conflict("The agenda of this conference has not been published yet")
        if conference.status not in OPEN_STATUSES:
            raise NotFound("agenda", conference_id)
        plan, items, facts = await plan_for(session, conference)
        snapshot = await build_snapshot(session, conference, plan, items, facts)
        view = AgendaView(conference, 0, None, snapshot, [])
    else:
        wanted = number or conference.agenda_version
        version = await session.scalar(
            select(AgendaVersion).where(
                AgendaVersion.conference_id == conference.id, AgendaVersion.number == wanted
            )
        )
        if version is None:
            raise NotFound("agenda version", wanted)
        view = AgendaView(conference, version.number, version.published_at, version.snapshot, version.changes)
    hidden = {str(case_id) for case_id in await hidden_case_ids(session, actor)}
    if hidden:
        view = AgendaView(
            view.conference,
            view.number,
            view.published_at,
            _without(view.snapshot, hidden),
            [change for change in view.changes if change.get("case_id") not in hidden],
        )
    return view


async def view_agenda(
    session: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID, number: int | None = None
) -> AgendaView:
    """The published agenda (or a given version; version 0 is the coordinator's live draft)."""
    view = await load_agenda(session, actor, conference_id, number)
    await audit.record(
        session,
        actor,
        clock,
        "agenda.view",
        "conference",
        conference_id,
        area_id=view.conference.area_id,
        detail={"version": view.number},
    )
    return view


async def list_versions(
    session: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID
) -> list[VersionSummary]:
    """Every published version, newest first, with what changed (as far as the actor may see)."""
    conference = await get_conference(session, actor, conference_id)
    await ensure_may_see_agenda(session, actor, conference)
    await audit.record(
        session, actor, clock, "agenda.versions", "conference", conference.id, area_id=conference.area_id
    )
    hidden = {str(case_id) for case_id in await hidden_case_ids(session, actor)}
    rows = await session.execute(
        select(AgendaVersion.number, AgendaVersion.published_at, AgendaVersion.changes)
        .where(AgendaVersion.conference_id == conference.id)
        .order_by(AgendaVersion.number.desc())
    )
    return [
        VersionSummary(number, at, [c for c in changes if c.get("case_id") not in hidden])
        for number, at, changes in rows
    ]
