"""Emails from templates: plain text and HTML, case references and portal links only.

Templates live in ``marac/notify/templates`` (``<name>.txt`` and ``<name>.html``); HTML is autoescaped
and every variable must exist (StrictUndefined), so a typo fails loudly instead of sending a blank.
Nothing handed to a template identifies a victim, perpetrator or child: conferences are described by
time and place, cases by reference, and everything else is behind a link to the signed-in portal.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from marac.access.area_settings import load_area_settings
from marac.access.models import Area
from marac.clock import ensure_utc
from marac.notify.ical import Attendee, AttendeeRole, ConferenceEvent, Method, invitation
from marac.notify.outbox import Draft
from marac.settings import Settings


@lru_cache(maxsize=1)
def mail_templates() -> Environment:
    """The Jinja environment for email templates (cached: templates compile once per process)."""
    return Environment(
        loader=PackageLoader("marac.notify", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """``(text, html)`` of template ``name`` with ``context``."""
    env = mail_templates()
    return env.get_template(f"{name}.txt").render(context), env.get_template(f"{name}.html").render(context)


@dataclass(frozen=True, slots=True)
class AreaMail:
    """What every message from an area needs: marking, reply address, time zone, portal."""

    area_id: uuid.UUID
    area_name: str
    timezone: str
    jurisdiction: str
    marking: str
    coordinator_mailbox: str | None
    base_url: str
    sender: str
    invitation_window_days: int
    meeting_reminder: bool

    @classmethod
    def of(cls, area: Area, settings: Settings) -> AreaMail:
        """From the area's settings; the coordinator mailbox falls back to the service's sender."""
        area_settings = load_area_settings(area.settings)
        return cls(
            area_id=area.id,
            area_name=area.name,
            timezone=area.timezone,
            jurisdiction=area.jurisdiction,
            marking=area_settings.protective_marking,
            coordinator_mailbox=area_settings.coordinator_mailbox,
            base_url=settings.base_url,
            sender=settings.mail.sender,
            invitation_window_days=area_settings.invitation_window_days,
            meeting_reminder=area_settings.meeting_reminder,
        )

    @property
    def organizer_email(self) -> str:
        return self.coordinator_mailbox or self.sender

    @property
    def organizer_name(self) -> str:
        return f"MARAC coordinator, {self.area_name}"

    def link(self, path: str) -> str:
        """An absolute portal link; paths carry ids only, never anything identifying."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def context(self, **extra: Any) -> dict[str, Any]:
        """The variables every template may use, plus ``extra``."""
        return {
            "area_name": self.area_name,
            "marking": self.marking,
            "portal_url": self.link("/"),
            "coordinator_mailbox": self.coordinator_mailbox,
            **extra,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ConferenceFacts:
    """A conference as messages and calendars show it: time, place, links — never the cases."""

    id: uuid.UUID
    area_id: uuid.UUID
    uid: str
    sequence: int
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    online_link: str | None
    cancelled: bool = False

    def local_times(self, timezone: str) -> tuple[datetime, datetime]:
        zone = ZoneInfo(timezone)
        return ensure_utc(self.starts_at).astimezone(zone), ensure_utc(self.ends_at).astimezone(zone)

    def when(self, timezone: str) -> str:
        """``Tuesday 10 March 2026, 10:00 to 13:00 (GMT)`` in the area's time zone."""
        start, end = self.local_times(timezone)
        return f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M} to {end:%H:%M} ({start.tzname()})"

    def short_date(self, timezone: str) -> str:
        start, _ = self.local_times(timezone)
        return f"{start:%a} {start.day} {start:%b %Y}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Invitee:
    """A person invited to a conference: a standing representative, the chair, or a named deputy."""

    user_id: uuid.UUID
    email: str
    name: str
    agency_id: uuid.UUID | None
    invited_as: str  # "representative", "chair" or "deputy"


def conference_event(
    area: AreaMail,
    conference: ConferenceFacts,
    *,
    sequence: int,
    dtstamp: datetime,
    attendees: tuple[Attendee, ...],
) -> ConferenceEvent:
    """The calendar event of a conference, for invitations (with attendees) and feeds (without)."""
    return ConferenceEvent(
        uid=conference.uid,
        sequence=sequence,
        starts_at=conference.starts_at,
        ends_at=conference.ends_at,
        timezone=area.timezone,
        summary=conference.title,
        location=conference.location,
        description=f"Agenda, research status and papers: {area.link(f'/conferences/{conference.id}')}",
        organizer_email=area.organizer_email,
        organizer_name=area.organizer_name,
        dtstamp=dtstamp,
        attendees=attendees,
        online_link=conference.online_link,
        status="CANCELLED" if conference.cancelled else "CONFIRMED",
    )


def invitation_draft(
    area: AreaMail,
    conference: ConferenceFacts,
    invitee: Invitee,
    *,
    method: Method,
    sequence: int,
    reason: str,
    now: datetime,
) -> Draft:
    """An iTIP REQUEST or CANCEL to one person.

    ``reason`` picks the wording: ``new`` (first invitation), ``update`` (time or place changed),
    ``removed`` (no longer invited) or ``cancelled`` (the conference is off).
    """
    role: AttendeeRole = "CHAIR" if invitee.invited_as == "chair" else "REQ-PARTICIPANT"
    attendee = Attendee(email=invitee.email, name=invitee.name, role=role)
    event = conference_event(area, conference, sequence=sequence, dtstamp=now, attendees=(attendee,))
    calendar = invitation(event, method)
    date = conference.short_date(area.timezone)
    subjects = {
        "new": f"Invitation: {conference.title}, {date}",
        "update": f"Updated: {conference.title}, now {date}",
        "removed": f"No longer invited: {conference.title}, {date}",
        "cancelled": f"Cancelled: {conference.title}, {date}",
    }
    template = "invitation" if method == "REQUEST" else "cancellation"
    text, html = render(
        template,
        area.context(
            reason=reason,
            title=conference.title,
            when=conference.when(area.timezone),
            location=conference.location,
            online_link=conference.online_link,
            conference_url=area.link(f"/conferences/{conference.id}"),
            invited_as=invitee.invited_as,
        ),
    )
    return Draft(
        key=f"invitation:{conference.id}:{invitee.user_id}:{method}:{sequence}",
        kind="invitation" if method == "REQUEST" else "invitation_cancel",
        to=invitee.email,
        subject=subjects[reason],
        text=text,
        html=html,
        marking=area.marking,
        reply_to=area.coordinator_mailbox,
        recipient_user_id=invitee.user_id,
        area_id=area.area_id,
        conference_id=conference.id,
        calendar=calendar,
        calendar_method=method,
    )


def meeting_reminder_draft(area: AreaMail, conference: ConferenceFacts, invitee: Invitee) -> Draft:
    """The reminder of a conference on the working day before, keyed to its date (a move re-reminds)."""
    start, _ = conference.local_times(area.timezone)
    text, html = render(
        "meeting_reminder",
        area.context(
            title=conference.title,
            when=conference.when(area.timezone),
            location=conference.location,
            online_link=conference.online_link,
            conference_url=area.link(f"/conferences/{conference.id}"),
        ),
    )
    return Draft(
        key=f"meeting-reminder:{conference.id}:{invitee.user_id}:{start:%Y%m%dT%H%M}",
        kind="meeting_reminder",
        to=invitee.email,
        subject=f"Reminder: {conference.title}, {conference.short_date(area.timezone)} at {start:%H:%M}",
        text=text,
        html=html,
        marking=area.marking,
        reply_to=area.coordinator_mailbox,
        recipient_user_id=invitee.user_id,
        area_id=area.area_id,
        conference_id=conference.id,
    )


def notice_draft(
    area: AreaMail,
    *,
    key: str,
    kind: str,
    to: str,
    subject: str,
    lines: list[str],
    link_path: str,
    recipient_user_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    conference_id: uuid.UUID | None = None,
    action_id: uuid.UUID | None = None,
) -> Draft:
    """A short notice (a few lines of references and a portal link) for any domain to queue.

    ``lines`` must hold references only — the caller is responsible for that; ``case_id`` makes the
    case's must-not-receive list apply.
    """
    text, html = render("notice", area.context(lines=lines, link=area.link(link_path)))
    return Draft(
        key=key,
        kind=kind,
        to=to,
        subject=subject,
        text=text,
        html=html,
        marking=area.marking,
        reply_to=area.coordinator_mailbox,
        recipient_user_id=recipient_user_id,
        area_id=area.area_id,
        case_id=case_id,
        conference_id=conference_id,
        action_id=action_id,
    )
