"""iCalendar invitations and feeds for conferences and action deadlines.

Pure: objects in, bytes out.  Lines are written directly (escaped, folded at 75 octets, CRLF) rather than
through ``icalendar`` objects because a user's feed holds a thousand events and must build in a few
milliseconds; the tests parse every output back with ``icalendar`` and ``vobject``.

Callers pass only safe text: summaries, locations and descriptions carry conference time and place, case
references and portal links — never names, dates of birth, addresses or narrative.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from marac.clock import ensure_utc
from marac.notify.vtimezone import vtimezone_lines

PRODID = "-//marac//conference//EN"
_ONE_DAY = timedelta(days=1)

Method = Literal["REQUEST", "CANCEL"]
EventStatus = Literal["CONFIRMED", "CANCELLED"]
AttendeeRole = Literal["REQ-PARTICIPANT", "OPT-PARTICIPANT", "CHAIR", "NON-PARTICIPANT"]

# Any whitespace (Unicode included) or control character; one regex search, since a feed checks thousands.
_UNSAFE_IN_TOKEN = re.compile(r"[\s\x00-\x1f\x7f]")
_EMAIL = re.compile(r"[^@\s<>\"(),;:\\\[\]]+@[^@\s<>\"(),;:\\\[\]]+")
# Control characters are not allowed in iCalendar values (RFC 5545 §3.1); TAB is the one exception.
_CONTROLS = {c: None for c in (*range(0x09), *range(0x0B, 0x20), 0x7F) if c != 0x0D}
# CR is dropped, so that a CRLF line break becomes one escaped newline, like a bare LF.
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n", "\r": None, **_CONTROLS})
_PARAM_DROP = str.maketrans({'"': "'", "\n": " ", "\r": None, **_CONTROLS})


@dataclass(frozen=True, slots=True, kw_only=True)
class Attendee:
    """An agency representative invited to a conference."""

    email: str
    name: str
    role: AttendeeRole = "REQ-PARTICIPANT"
    rsvp: bool = True

    def __post_init__(self) -> None:
        _check_email(self.email, "attendee email")


@dataclass(frozen=True, slots=True, kw_only=True)
class ConferenceEvent:
    """One conference occurrence as it appears in calendars.

    ``uid`` stays the same for the life of the conference (see :func:`conference_uid`); ``sequence``
    goes up with every change that is sent out.  Times are aware and stored as UTC; ``timezone`` is the
    area's IANA zone, in which the meeting is shown.
    """

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    timezone: str
    summary: str
    location: str
    description: str
    organizer_email: str
    organizer_name: str
    dtstamp: datetime
    attendees: tuple[Attendee, ...] = ()
    online_link: str | None = None
    status: EventStatus = "CONFIRMED"

    def __post_init__(self) -> None:
        for name in ("starts_at", "ends_at", "dtstamp"):
            object.__setattr__(self, name, ensure_utc(getattr(self, name)))
        object.__setattr__(self, "attendees", tuple(self.attendees))
        if self.ends_at <= self.starts_at:
            raise ValueError("a conference must end after it starts")
        if self.sequence < 0:
            raise ValueError("sequence cannot be negative")
        if self.status not in ("CONFIRMED", "CANCELLED"):
            raise ValueError(f"unknown status {self.status!r}")
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError for an unknown zone
        _check_token(self.uid, "uid")
        _check_email(self.organizer_email, "organizer email")
        if self.online_link is not None:
            _check_token(self.online_link, "online link")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineEvent:
    """An action deadline, shown as an all-day event on its due date."""

    uid: str
    date: date
    summary: str
    url: str
    dtstamp: datetime

    def __post_init__(self) -> None:
        if isinstance(self.date, datetime):
            raise ValueError("a deadline is a calendar date, not a datetime")
        object.__setattr__(self, "dtstamp", ensure_utc(self.dtstamp))
        _check_token(self.uid, "uid")
        _check_token(self.url, "url")


def conference_uid(conference_id: object, domain: str) -> str:
    """The stable UID of a conference's calendar event, e.g. ``conference-<uuid>@marac.example``."""
    return f"conference-{conference_id}@{domain}"


def invitation(event: ConferenceEvent, method: Method) -> bytes:
    """An iTIP invitation (REQUEST) or cancellation (CANCEL) for one conference, as .ics bytes.

    A cancellation keeps the UID and must carry a higher SEQUENCE than the last request; the caller
    owns the sequence number.  A REQUEST for a cancelled event is refused as a caller mistake.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported METHOD {method!r}")
    if method == "REQUEST" and event.status == "CANCELLED":
        raise ValueError("a cancelled conference is sent with METHOD CANCEL")
    local_start, local_end = _local(event)
    lines = _calendar_head(f"METHOD:{method}")
    lines += vtimezone_lines(event.timezone, local_start.year, local_end.year)
    lines += _conference_lines(event, local_start, local_end, scheduling=True, cancel=method == "CANCEL")
    lines.append("END:VCALENDAR")
    return _serialise(lines)


def feed(calendar_name: str, events: Sequence[ConferenceEvent], deadlines: Sequence[DeadlineEvent]) -> bytes:
    """A subscription feed (no METHOD) of one user's conferences and action deadlines.

    Attendee lists and the organiser are left out: a feed URL is a bearer secret that may end up in a
    shared calendar, and without them clients treat the events as plain entries, not invitations.
    """
    name = calendar_name.translate(_TEXT_ESCAPES)
    lines = _calendar_head(
        f"NAME:{name}", f"X-WR-CALNAME:{name}", "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H"
    )
    localised = [(event, *_local(event)) for event in events]
    years: dict[str, tuple[int, int]] = {}
    for event, local_start, local_end in localised:
        first, last = years.get(event.timezone, (local_start.year, local_end.year))
        years[event.timezone] = (min(first, local_start.year), max(last, local_end.year))
    for tzid in sorted(years):
        lines += vtimezone_lines(tzid, *years[tzid])
    for event, local_start, local_end in localised:
        lines += _conference_lines(event, local_start, local_end, scheduling=False, cancel=False)
    for deadline in deadlines:
        lines += _deadline_lines(deadline)
    lines.append("END:VCALENDAR")
    return _serialise(lines)


def _calendar_head(*extra: str) -> list[str]:
    return ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", *extra]


def _local(event: ConferenceEvent) -> tuple[datetime, datetime]:
    zone = ZoneInfo(event.timezone)
    return event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)


def _conference_lines(
    event: ConferenceEvent, local_start: datetime, local_end: datetime, *, scheduling: bool, cancel: bool
) -> list[str]:
    tzid = _param(event.timezone)
    description = event.description
    if event.online_link:
        description = (
            f"{description}\n\nJoin online: {event.online_link}" if description else event.online_link
        )
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_utc_stamp(event.dtstamp)}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTART;TZID={tzid}:{local_start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID={tzid}:{local_end:%Y%m%dT%H%M%S}",
        f"SUMMARY:{event.summary.translate(_TEXT_ESCAPES)}",
        f"LOCATION:{event.location.translate(_TEXT_ESCAPES)}",
        f"DESCRIPTION:{description.translate(_TEXT_ESCAPES)}",
    ]
    if event.online_link:
        lines.append(f"CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Join online:{event.online_link}")
    if scheduling:
        lines.append(f"ORGANIZER;CN={_param(event.organizer_name)}:mailto:{event.organizer_email}")
        lines += (_attendee_line(attendee) for attendee in event.attendees)
    status = "CANCELLED" if cancel else event.status
    lines += [f"STATUS:{status}", "TRANSP:OPAQUE", "CLASS:PRIVATE", "END:VEVENT"]
    return lines


def _attendee_line(attendee: Attendee) -> str:
    rsvp = "TRUE" if attendee.rsvp else "FALSE"
    return (
        f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE={attendee.role};PARTSTAT=NEEDS-ACTION;RSVP={rsvp};"
        f"CN={_param(attendee.name)}:mailto:{attendee.email}"
    )


def _deadline_lines(deadline: DeadlineEvent) -> list[str]:
    summary = deadline.summary.translate(_TEXT_ESCAPES)
    return [
        "BEGIN:VEVENT",
        f"UID:{deadline.uid}",
        f"DTSTAMP:{_utc_stamp(deadline.dtstamp)}",
        f"DTSTART;VALUE=DATE:{_date(deadline.date)}",
        f"DTEND;VALUE=DATE:{_date(deadline.date + _ONE_DAY)}",
        f"SUMMARY:{summary}",
        f"DESCRIPTION:{deadline.url.translate(_TEXT_ESCAPES)}",
        f"URL:{deadline.url}",
        # A deadline marks a day; it must not show the person as busy.
        "TRANSP:TRANSPARENT",
        "CLASS:PRIVATE",
        "END:VEVENT",
    ]


# Plain formatting instead of strftime: a feed formats a few thousand of these.
def _date(value: date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _utc_stamp(value: datetime) -> str:
    return f"{_date(value)}T{value.hour:02d}{value.minute:02d}{value.second:02d}Z"


def _param(value: str) -> str:
    """A parameter value: DQUOTE cannot be escaped in iCalendar, so it becomes an apostrophe."""
    clean = value.translate(_PARAM_DROP)
    return f'"{clean}"' if any(c in clean for c in ":;,") else clean


def _check_email(value: str, what: str) -> None:
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{what} {value!r} is not a plain email address")


def _check_token(value: str, what: str) -> None:
    """UIDs and URIs are written unescaped, so they must not contain spaces or control characters."""
    if not value or _UNSAFE_IN_TOKEN.search(value):
        raise ValueError(f"{what} {value!r} must be non-empty without spaces or control characters")


def _serialise(lines: Iterable[str]) -> bytes:
    # Most lines are short ASCII and need no folding: join those as text and encode once.
    text = [(_fold_ascii(line) if line.isascii() else fold_line(line)[:-2].decode()) for line in lines]
    text.append("")
    return "\r\n".join(text).encode()


def _fold_ascii(line: str) -> str:
    """:func:`fold_line` for ASCII, where characters are octets: slices of 75, then 74 after the space."""
    if len(line) <= 75:
        return line
    return "\r\n ".join([line[:75], *(line[i : i + 74] for i in range(75, len(line), 74))])


def fold_line(line: str) -> bytes:
    """One content line as UTF-8 with CRLF, folded so that no physical line exceeds 75 octets.

    Folding never splits a multi-byte UTF-8 sequence (RFC 5545 §3.1).
    """
    data = line.encode()
    if len(data) <= 75:
        return data + b"\r\n"
    parts = []
    limit = 75
    while len(data) > limit:
        cut = limit
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: back up to the character's start
            cut -= 1
        parts.append(data[:cut])
        data = data[cut:]
        limit = 74  # continuation lines start with a space
    parts.append(data)
    return b"\r\n ".join(parts) + b"\r\n"


__all__ = [
    "PRODID",
    "Attendee",
    "AttendeeRole",
    "ConferenceEvent",
    "DeadlineEvent",
    "EventStatus",
    "Method",
    "conference_uid",
    "feed",
    "fold_line",
    "invitation",
]
