"""Which conference a referral goes to, and the order of a conference's agenda.

Pure functions over small frozen values, so the conference service can call them inside one
transaction and tests can check every rule without a database.

The agenda follows DESIGN.md §2: introductions; the confidentiality statement; incomplete actions from
the previous meeting; cases with children in the household (so children's agencies may then leave);
adult-only cases; cases whose last MARAC was twelve months ago (notification only); any other
business.  Within a case section, a case carried over from the last meeting comes first, then repeats
and higher risk, then the earlier referral.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, get_args
from uuid import UUID

from marac.clock import ensure_utc
from marac.errors import InvalidInput

Section = Literal[
    "introductions", "confidentiality", "previous_actions", "children", "adults", "twelve_month", "aob"
]
SECTIONS: tuple[Section, ...] = get_args(Section)
CASE_SECTIONS: tuple[Section, ...] = ("children", "adults", "twelve_month")

# Conference statuses that still take new referrals; the conference service may pass its own set.
ACCEPTING_STATUSES: frozenset[str] = frozenset({"scheduled"})


@dataclass(frozen=True)
class Candidate:
    """A referral that may be listed at a conference.

    ``risk_rank`` is higher for riskier cases.  ``pinned_position`` (1-based) is a coordinator's
    choice of place within the case's section.  A ``notification_only`` case (last MARAC twelve
    months ago) is read out, not discussed.
    """

    referral_id: UUID
    case_ref: str
    has_children: bool
    is_repeat: bool
    risk_rank: int
    referred_at: datetime
    carried_over: bool = False
    pinned_position: int | None = None
    notification_only: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "referred_at", _utc(self.referred_at, "referred_at"))
        if self.pinned_position is not None and self.pinned_position < 1:
            raise InvalidInput.for_field("pinned_position", "positions start at 1")

    @property
    def section(self) -> Section:
        if self.notification_only:
            return "twelve_month"
        return "children" if self.has_children else "adults"


@dataclass(frozen=True)
class Capacity:
    """How many cases a conference can discuss.

    ``case_slots`` is ``(meeting_minutes - fixed_minutes) // minutes_per_case``, capped by
    ``max_cases`` when set.  ``fixed_minutes`` is the time for introductions, confidentiality,
    previous actions and any other business; its default matches :class:`AgendaTimings`.
    Notification-only cases take no discussion slot.
    """

    max_cases: int | None
    minutes_per_case: int
    meeting_minutes: int
    fixed_minutes: int = 20

    def __post_init__(self) -> None:
        if self.minutes_per_case < 1:
            raise InvalidInput.for_field("minutes_per_case", "must be 1 or more")
        if self.meeting_minutes < 1:
            raise InvalidInput.for_field("meeting_minutes", "must be 1 or more")
        if self.fixed_minutes < 0:
            raise InvalidInput.for_field("fixed_minutes", "must not be negative")
        if self.max_cases is not None and self.max_cases < 0:
            raise InvalidInput.for_field("max_cases", "must not be negative")

    @property
    def case_slots(self) -> int:
        by_time = max(0, (self.meeting_minutes - self.fixed_minutes) // self.minutes_per_case)
        return by_time if self.max_cases is None else min(self.max_cases, by_time)


@dataclass(frozen=True)
class AgendaTimings:
    """Minutes given to the fixed parts of the agenda; cases use ``Capacity.minutes_per_case``.

    Notification-only cases get ``notification_minutes`` each (none by default: they are read out
    with the section heading, so their slot starts and ends at the same moment).
    """

    introductions_minutes: int = 5
    confidentiality_minutes: int = 5
    previous_actions_minutes: int = 5
    notification_minutes: int = 0
    aob_minutes: int = 5


@dataclass(frozen=True)
class PlannedItem:
    """One line of the agenda: ``position`` counts within the section, ``number`` across the agenda."""

    section: Section
    position: int
    number: int
    starts_at: datetime
    ends_at: datetime
    candidate: Candidate | None = None

    @property
    def referral_id(self) -> UUID | None:
        return self.candidate.referral_id if self.candidate is not None else None


@dataclass(frozen=True)
class AgendaPlan:
    """The agenda in running order and the cases that move to the next conference."""

    items: tuple[PlannedItem, ...]
    overflow: tuple[Candidate, ...]
    case_slots: int
    starts_at: datetime
    ends_at: datetime

    def section(self, name: Section) -> tuple[PlannedItem, ...]:
        return tuple(item for item in self.items if item.section == name)

    @property
    def cases(self) -> tuple[PlannedItem, ...]:
        return tuple(item for item in self.items if item.candidate is not None)


def within_section_key(candidate: Candidate) -> tuple[bool, bool, int, datetime, str, str]:
    """Sort key inside a section: carried over, then repeats, higher risk, earlier referral.

    ``case_ref`` and the referral id only break ties so that the same input always gives the same
    agenda.
    """
    return (
        not candidate.carried_over,
        not candidate.is_repeat,
        -candidate.risk_rank,
        candidate.referred_at,
        candidate.case_ref,
        str(candidate.referral_id),
    )


def admission_key(candidate: Candidate) -> tuple[int, int, tuple[bool, bool, int, datetime, str, str]]:
    """Who keeps a discussion slot when there are more cases than slots; lowest key first.

    A case carried over from the last meeting has already waited once, so it is kept before any
    other, whatever its section: children-first ordering must not push it out again.  A case the
    coordinator pinned comes next.  The rest keep their agenda order (children first).
    """
    if candidate.carried_over:
        tier = 0
    elif candidate.pinned_position is not None:
        tier = 1
    else:
        tier = 2
    return (tier, SECTIONS.index(candidate.section), within_section_key(candidate))


def order_section(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Candidates of one section in agenda order, with pinned ones at their pinned positions.

    Unpinned candidates fill the remaining places by :func:`within_section_key`.  When two pins
    claim the same place the higher-priority case takes it and the other follows; a pin beyond the
    end of the section puts the case last.
    """
    candidates = list(candidates)  # read twice below; a generator would be exhausted by the first pass
    pinned = sorted(
        (c for c in candidates if c.pinned_position is not None),
        key=lambda c: (c.pinned_position, within_section_key(c)),
    )
    free = sorted((c for c in candidates if c.pinned_position is None), key=within_section_key)
    ordered: list[Candidate] = []
    pin_index = free_index = 0
    while pin_index < len(pinned) or free_index < len(free):
        position = len(ordered) + 1
        next_pin = pinned[pin_index] if pin_index < len(pinned) else None
        if next_pin is not None and (free_index >= len(free) or (next_pin.pinned_position or 0) <= position):
            ordered.append(next_pin)
            pin_index += 1
        else:
            ordered.append(free[free_index])
            free_index += 1
    return ordered


def build_agenda(
    candidates: Sequence[Candidate],
    capacity: Capacity,
    starts_at: datetime,
    previous_actions_count: int = 0,
    timings: AgendaTimings | None = None,
) -> AgendaPlan:
    """Lay out a conference's agenda and say which cases do not fit.

    Discussion cases beyond ``capacity.case_slots`` go to ``overflow``, chosen by
    :func:`admission_key` (carried-over cases are the last to go) and listed most urgent first, for
    the next conference.  Notification-only cases never overflow.  The previous-actions item is
    listed only when ``previous_actions_count`` is above zero.  Times run from ``starts_at`` (UTC).
    """
    timings = timings or AgendaTimings()
    start = _utc(starts_at, "starts_at")
    if previous_actions_count < 0:
        raise InvalidInput.for_field("previous_actions_count", "must not be negative")
    seen: set[UUID] = set()
    for candidate in candidates:
        if candidate.referral_id in seen:
            raise InvalidInput.for_field("candidates", f"referral {candidate.referral_id} is listed twice")
        seen.add(candidate.referral_id)

    discussion = sorted((c for c in candidates if not c.notification_only), key=admission_key)
    slots = capacity.case_slots
    admitted, overflow = discussion[:slots], discussion[slots:]
    by_section: dict[Section, list[Candidate]] = {name: [] for name in CASE_SECTIONS}
    for candidate in admitted:
        by_section[candidate.section].append(candidate)
    by_section["twelve_month"] = [c for c in candidates if c.notification_only]

    case_minutes: dict[Section, int] = {
        "children": capacity.minutes_per_case,
        "adults": capacity.minutes_per_case,
        "twelve_month": timings.notification_minutes,
    }
    plan = _Timeline(start)
    plan.add("introductions", timings.introductions_minutes)
    plan.add("confidentiality", timings.confidentiality_minutes)
    if previous_actions_count:
        plan.add("previous_actions", timings.previous_actions_minutes)
    for name in CASE_SECTIONS:
        for candidate in order_section(by_section[name]):
            plan.add(name, case_minutes[name], candidate)
    plan.add("aob", timings.aob_minutes)
    return AgendaPlan(
        items=tuple(plan.items),
        overflow=tuple(overflow),
        case_slots=slots,
        starts_at=start,
        ends_at=plan.cursor,
    )


@dataclass
class _Timeline:
    cursor: datetime
    items: list[PlannedItem] = field(default_factory=list)
    _positions: dict[Section, int] = field(default_factory=dict)

    def add(self, section: Section, minutes: int, candidate: Candidate | None = None) -> None:
        position = self._positions.get(section, 0) + 1
        self._positions[section] = position
        ends_at = self.cursor + timedelta(minutes=minutes)
        self.items.append(
            PlannedItem(section, position, len(self.items) + 1, self.cursor, ends_at, candidate)
        )
        self.cursor = ends_at


@dataclass(frozen=True)
class ConferenceSlot:
    """What queueing needs to know about one upcoming conference."""

    conference_id: UUID
    cut_off: datetime
    starts_at: datetime
    capacity_left: int
    status: str = "scheduled"

    def __post_init__(self) -> None:
        object.__setattr__(self, "cut_off", _utc(self.cut_off, "cut_off"))
        object.__setattr__(self, "starts_at", _utc(self.starts_at, "starts_at"))


def _slot_order(slot: ConferenceSlot) -> tuple[datetime, datetime, str]:
    return (slot.starts_at, slot.cut_off, str(slot.conference_id))


def choose_conference(
    referral_accepted_at: datetime,
    conferences: Sequence[ConferenceSlot],
    *,
    accepting_statuses: Collection[str] = ACCEPTING_STATUSES,
) -> ConferenceSlot | None:
    """The earliest conference that still takes a referral accepted at ``referral_accepted_at``.

    A conference qualifies when its cut-off is strictly after the acceptance (accepted at the very
    moment of the cut-off is too late), it has room, and its status accepts referrals.  ``None``
    means no listed conference qualifies and the coordinator must schedule one.
    """
    accepted = _utc(referral_accepted_at, "referral_accepted_at")
    for slot in sorted(conferences, key=_slot_order):
        if slot.cut_off > accepted and slot.capacity_left > 0 and slot.status in accepting_statuses:
            return slot
    return None


def place_referrals(
    referrals: Iterable[tuple[UUID, datetime]],
    conferences: Sequence[ConferenceSlot],
    *,
    accepting_statuses: Collection[str] = ACCEPTING_STATUSES,
) -> dict[UUID, UUID | None]:
    """Queue many accepted referrals at once: referral id → conference id (``None``: no room anywhere).

    Referrals are placed in order of acceptance, first come first listed, and each placement uses up
    one place, exactly as if :func:`choose_conference` had been called for each in turn.
    """
    open_slots = sorted(
        (slot for slot in conferences if slot.status in accepting_statuses and slot.capacity_left > 0),
        key=_slot_order,
    )
    room = [slot.capacity_left for slot in open_slots]
    queued = sorted(((_utc(at, "referral_accepted_at"), ref) for ref, at in referrals), key=lambda p: p[0])
    placed: dict[UUID, UUID | None] = {}
    for accepted, referral_id in queued:
        placed[referral_id] = None
        for index, slot in enumerate(open_slots):
            if room[index] > 0 and slot.cut_off > accepted:
                room[index] -= 1
                placed[referral_id] = slot.conference_id
                break
    return placed


def _utc(value: datetime, field_name: str) -> datetime:
    try:
        return ensure_utc(value)
    except ValueError as exc:
        raise InvalidInput.for_field(field_name, "must include a time zone") from exc
