"""Per-process memory of recently read published agendas (see :mod:`marac.agenda.agenda_reads`).

Kept apart from the reading code so that publishing can forget an entry without importing it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from marac.access.guards import Actor

if TYPE_CHECKING:
    from marac.agenda.agenda_reads import AgendaView
    from marac.agenda.models import Conference

# How long a process trusts what it read: another process may publish a version or change an exclusion.
CACHE_SECONDS = 1.0
# A person's repeated views of the same agenda version are audited once per this many seconds.
VIEW_AUDIT_SECONDS = 60.0
_MAX_ENTRIES = 5_000


@dataclass(frozen=True)
class PublishedAgenda:
    """The latest version of one conference's agenda, as every permitted reader sees it."""

    conference: Conference
    attending: frozenset[uuid.UUID]  # agencies whose representatives may read it
    case_ids: frozenset[str]
    view: AgendaView
    encoded: bytes  # the JSON answer for a reader with no excluded case on it
    loaded_at: float


class AgendaCache:
    """Latest published agendas, readers' excluded cases and recent view audits, for one process."""

    def __init__(self, timer: Callable[[], float] = time.monotonic) -> None:
        self._timer = timer  # monotonic seconds; tests pass their own
        self._agendas: dict[uuid.UUID, PublishedAgenda] = {}
        self._hidden: dict[uuid.UUID, tuple[float, set[uuid.UUID]]] = {}
        self._audited: dict[tuple[uuid.UUID | None, uuid.UUID, int], float] = {}
        self._loading: dict[uuid.UUID, asyncio.Lock] = {}

    def _fresh(self, stamp: float) -> bool:
        return self._timer() - stamp < CACHE_SECONDS

    def agenda(self, conference_id: uuid.UUID) -> PublishedAgenda | None:
        entry = self._agendas.get(conference_id)
        return entry if entry is not None and self._fresh(entry.loaded_at) else None

    def now(self) -> float:
        return self._timer()

    def keep_agenda(self, entry: PublishedAgenda) -> None:
        if len(self._agendas) >= _MAX_ENTRIES:
            self._agendas.clear()
        self._agendas[entry.conference.id] = entry

    def loading(self, conference_id: uuid.UUID) -> asyncio.Lock:
        """One reader at a time reloads a conference's entry; the others then find it fresh."""
        lock = self._loading.get(conference_id)
        if lock is None:
            if len(self._loading) >= _MAX_ENTRIES:
                self._loading = {k: v for k, v in self._loading.items() if v.locked()}
            lock = self._loading[conference_id] = asyncio.Lock()
        return lock

    def forget(self, conference_id: uuid.UUID) -> None:
        """Called when this process publishes a version: the next read loads it."""
        self._agendas.pop(conference_id, None)

    def forget_reader(self, user_id: uuid.UUID) -> None:
        """Call when a person's must-not-receive entries change: their next read looks them up."""
        self._hidden.pop(user_id, None)

    def hidden(self, actor: Actor) -> set[uuid.UUID] | None:
        """The actor's excluded cases if known recently (the system has none); ``None`` if not."""
        if actor.user_id is None:
            return set()
        cached = self._hidden.get(actor.user_id)
        return cached[1] if cached is not None and self._fresh(cached[0]) else None

    def keep_hidden(self, actor: Actor, case_ids: set[uuid.UUID]) -> None:
        if actor.user_id is None:
            return
        if len(self._hidden) >= _MAX_ENTRIES:
            self._hidden.clear()
        self._hidden[actor.user_id] = (self._timer(), case_ids)

    def view_due(self, actor: Actor, conference_id: uuid.UUID, number: int) -> bool:
        last = self._audited.get((actor.user_id, conference_id, number))
        return last is None or self._timer() - last >= VIEW_AUDIT_SECONDS

    def viewed(self, actor: Actor, conference_id: uuid.UUID, number: int) -> None:
        if len(self._audited) >= _MAX_ENTRIES:
            self._audited.clear()
        self._audited[(actor.user_id, conference_id, number)] = self._timer()

    def clear(self) -> None:
        self._agendas.clear()
        self._hidden.clear()
        self._audited.clear()
        self._loading.clear()


AGENDA_CACHE = AgendaCache()
