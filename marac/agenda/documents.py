"""The typed contexts of the four MARAC documents: what each document may show, and nothing more.

A service fills one of :class:`AgendaDoc`, :class:`PackDoc`, :class:`MinutesDoc` or :class:`ActionLogDoc`
and hands it to :func:`marac.agenda.docx.render`.  Only what a recipient may see belongs in their
context: the pack service filters cases and notes per recipient before it builds one.  Every value is
plain data (strings, dates, aware datetimes, tuples), so a context can be compared and hashed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"


class DocumentKind(StrEnum):
    """The four documents; the value is the template's file name without ``.docx``."""

    AGENDA = "agenda"
    BRIEFING_PACK = "briefing_pack"
    MINUTES = "minutes"
    ACTION_LOG = "action_log"


@dataclass(frozen=True)
class Recipient:
    """Who this copy is for; printed in every footer so that a leaked copy can be traced."""

    name: str
    agency: str
    reference: str  # unique per copy, e.g. "MARAC-2024-03-12-POL-07"


@dataclass(frozen=True)
class AreaInfo:
    name: str
    timezone: str  # IANA name; every datetime in the document is shown in it
    confidentiality_statement: str


@dataclass(frozen=True)
class ConferenceInfo:
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    location: str
    chair: str
    online_link: str | None = None


@dataclass(frozen=True)
class AgendaEntry:
    """One case on the agenda; no names, only the case reference."""

    case_reference: str
    referring_agency: str
    starts_at: datetime | None  # time slot; None for notification-only cases
    ends_at: datetime | None
    repeat: bool = False


@dataclass(frozen=True)
class AgendaSection:
    """A part of the agenda in meeting order (introductions, …, notification only, any other business)."""

    title: str
    starts_at: datetime
    entries: tuple[AgendaEntry, ...] = ()
    notification_only: bool = False


@dataclass(frozen=True)
class ActionEntry:
    reference: str
    case_reference: str
    description: str
    owner_agency: str
    owner_person: str | None
    deadline: date
    status: str  # open, completed, not possible, not done, cancelled
    last_report: date | None = None


@dataclass(frozen=True)
class ResearchEntry:
    agency: str
    status: str  # not started, nothing held, information held, shared
    note: str | None = None  # only what the agency chose to share


@dataclass(frozen=True)
class Attendee:
    name: str
    agency: str
    role: str | None = None


@dataclass(frozen=True)
class PackCase:
    reference: str
    section: str  # as shown, e.g. "Children in household" / "Adult only"
    referring_agency: str
    referred_on: date
    criteria: tuple[str, ...]  # e.g. ("Visible high risk", "Repeat")
    instrument: str  # e.g. "DASH-style checklist v1"
    result: str  # e.g. "16 of 24 yes"
    band: str  # e.g. "high"
    repeat: bool
    previous_marac_dates: tuple[date, ...]
    children_in_household: int
    actions: tuple[ActionEntry, ...]  # open actions on the case
    research: tuple[ResearchEntry, ...]
    starts_at: datetime | None = None  # time slot on the agenda


@dataclass(frozen=True)
class AttendanceEntry:
    name: str
    agency: str
    status: str  # present, apologies, deputy
    deputy_for: str | None = None


@dataclass(frozen=True)
class MinutesCase:
    reference: str
    section: str
    outcome: str
    notes: str  # line breaks are kept
    actions: tuple[ActionEntry, ...]  # actions agreed at this meeting


@dataclass(frozen=True)
class AgendaDoc:
    area: AreaInfo
    conference: ConferenceInfo
    recipient: Recipient
    version: int
    sections: tuple[AgendaSection, ...]
    generated_at: datetime
    marking: str = DEFAULT_MARKING


@dataclass(frozen=True)
class PackDoc:
    area: AreaInfo
    conference: ConferenceInfo
    recipient: Recipient
    agenda_version: int
    attendees: tuple[Attendee, ...]
    sections: tuple[AgendaSection, ...]  # the agenda summary
    cases: tuple[PackCase, ...]
    generated_at: datetime
    marking: str = DEFAULT_MARKING


@dataclass(frozen=True)
class MinutesDoc:
    area: AreaInfo
    conference: ConferenceInfo
    recipient: Recipient
    attendance: tuple[AttendanceEntry, ...]
    cases: tuple[MinutesCase, ...]
    generated_at: datetime
    marking: str = DEFAULT_MARKING


@dataclass(frozen=True)
class ActionLogDoc:
    area: AreaInfo
    recipient: Recipient
    title: str  # what the log covers, e.g. "Open actions, Police"
    as_of: datetime
    actions: tuple[ActionEntry, ...]
    generated_at: datetime
    marking: str = DEFAULT_MARKING


DocContext = AgendaDoc | PackDoc | MinutesDoc | ActionLogDoc

CONTEXT_TYPES: dict[DocumentKind, type[DocContext]] = {
    DocumentKind.AGENDA: AgendaDoc,
    DocumentKind.BRIEFING_PACK: PackDoc,
    DocumentKind.MINUTES: MinutesDoc,
    DocumentKind.ACTION_LOG: ActionLogDoc,
}
