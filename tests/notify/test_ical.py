"""Invitations and feeds, parsed back with icalendar and vobject as a calendar client would."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from marac.notify.ical import (
    PRODID,
    Attendee,
    ConferenceEvent,
    DeadlineEvent,
    conference_uid,
    feed,
    fold_line,
    invitation,
)
from marac.notify.vtimezone import TimezoneMismatchError, verify_vtimezone, vtimezone_lines

from .conftest import LONDON

DATA = Path(__file__).parent.parent / "data" / "notify"
REGENERATE = os.environ.get("MARAC_REGENERATE_SAMPLES") == "1"


def sample(name: str, produced: bytes) -> bytes:
    """The stored regression sample; written afresh when MARAC_REGENERATE_SAMPLES=1."""
    path = DATA / name
    if REGENERATE:
        path.write_bytes(produced)
    return path.read_bytes()


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b""), "every line ends in CRLF"
    return data[:-2].split(b"\r\n")


def the_event(data: bytes) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.events
    return event


def test_request_carries_what_a_calendar_client_needs(london_conference: ConferenceEvent) -> None:
    data = invitation(london_conference, "REQUEST")

    calendar = icalendar.Calendar.from_ical(data)
    assert (calendar["METHOD"], calendar["PRODID"], calendar["VERSION"]) == ("REQUEST", PRODID, "2.0")
    event = the_event(data)
    assert (event.uid, event.sequence, event.status) == (london_conference.uid, 0, "CONFIRMED")
    stamp = event.DTSTAMP
    assert stamp == dt.datetime(2026, 2, 24, 9, 30, tzinfo=dt.UTC)
    assert b"DTSTART;TZID=Europe/London:20260310T100000" in data
    assert event.start == dt.datetime(2026, 3, 10, 10, 0, tzinfo=LONDON)
    assert event.end == dt.datetime(2026, 3, 10, 13, 0, tzinfo=LONDON)
    assert event.summary == "MARAC conference — North Shire"
    assert event.location == "Committee Room 2, Civic Centre, Northtown"
    assert "https://meet.example/j/4815162342" in (event.description or "")
    organizer = event.organizer
    assert organizer is not None
    assert str(organizer) == "mailto:marac.coordinator@northshire.example"
    assert organizer.params["CN"] == "MARAC coordinator, North Shire"
    attendees = event.attendees
    assert [str(a) for a in attendees] == ["mailto:dc.patel@police.example", "mailto:idva.team@idva.example"]
    for attendee in attendees:
        assert (attendee.params["RSVP"], attendee.params["PARTSTAT"], attendee.params["ROLE"]) == (
            "TRUE",
            "NEEDS-ACTION",
            "REQ-PARTICIPANT",
        )
    assert len(calendar.walk("VTIMEZONE")) == 1


def test_cancel_keeps_uid_with_higher_sequence(london_conference: ConferenceEvent) -> None:
    cancelled = dataclasses.replace(london_conference, sequence=2, status="CANCELLED")

    data = invitation(cancelled, "CANCEL")

    assert icalendar.Calendar.from_ical(data)["METHOD"] == "CANCEL"
    event = the_event(data)
    assert (event.uid, event.sequence, event.status) == (london_conference.uid, 2, "CANCELLED")
    assert len(event.attendees) == 2  # everyone invited is told


def test_update_keeps_uid_and_moves_the_meeting(london_conference: ConferenceEvent) -> None:
    moved = dataclasses.replace(
        london_conference,
        sequence=1,
        starts_at=dt.datetime(2026, 3, 11, 14, 0, tzinfo=LONDON),
        ends_at=dt.datetime(2026, 3, 11, 16, 0, tzinfo=LONDON),
    )

    first, second = (
        the_event(invitation(london_conference, "REQUEST")),
        the_event(invitation(moved, "REQUEST")),
    )

    assert first.uid == second.uid
    assert second.sequence > first.sequence
    assert second.start == dt.datetime(2026, 3, 11, 14, 0, tzinfo=LONDON)


def test_request_for_a_cancelled_conference_is_refused(london_conference: ConferenceEvent) -> None:
    with pytest.raises(ValueError, match="CANCEL"):
        invitation(dataclasses.replace(london_conference, status="CANCELLED"), "REQUEST")


@pytest.mark.parametrize(
    "day", [dt.date(2026, 3, 24), dt.date(2026, 3, 31), dt.date(2026, 10, 20), dt.date(2026, 10, 27)]
)
def test_meeting_keeps_its_local_time_across_the_clock_change(
    london_conference: ConferenceEvent, day: dt.date
) -> None:
    """10:00 in London stays 10:00 on either side of the March and October changes, in every reader."""
    start = dt.datetime.combine(day, dt.time(10, 0), LONDON)
    event = dataclasses.replace(london_conference, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    data = invitation(event, "REQUEST")
    expected_utc = start.astimezone(dt.UTC)

    assert f"DTSTART;TZID=Europe/London:{day:%Y%m%d}T100000".encode() in data
    # The embedded VTIMEZONE on its own (not the reader's tz database) must give the same instant.
    rules = icalendar.Calendar.from_ical(data).timezones[0].to_tz()
    assert dt.datetime.combine(day, dt.time(10, 0), rules).astimezone(dt.UTC) == expected_utc
    parsed = vobject.readOne(data.decode())
    vobject_rules = parsed.vtimezone.gettzinfo()
    assert dt.datetime.combine(day, dt.time(10, 0), vobject_rules).astimezone(dt.UTC) == expected_utc
    assert parsed.vevent.dtstart.value.astimezone(dt.UTC) == expected_utc


@pytest.mark.parametrize(
    ("tzid", "components"),
    [
        ("Europe/London", ["DAYLIGHT", "STANDARD"]),
        ("Europe/Stockholm", ["DAYLIGHT", "STANDARD"]),
        ("America/New_York", ["DAYLIGHT", "STANDARD"]),
        ("Asia/Tokyo", ["STANDARD"]),
    ],
)
def test_vtimezone_is_compact_and_matches_zoneinfo(tzid: str, components: list[str]) -> None:
    lines = vtimezone_lines(tzid, 2026, 2027)

    assert [line[6:] for line in lines if line in ("BEGIN:DAYLIGHT", "BEGIN:STANDARD")] == components
    assert sum(line.startswith("RRULE:") for line in lines) == (2 if len(components) == 2 else 0)
    assert not any(line.startswith("RDATE") for line in lines)
    verify_vtimezone(tzid, lines, 2026, 2027)
    # An independent reader (icalendar's own RRULE handling) agrees at noon on every day.
    text = "\r\n".join(lines) + "\r\n"
    timezone = icalendar.Timezone.from_ical(text)
    assert isinstance(timezone, icalendar.Timezone)
    rules = timezone.to_tz()
    zone = ZoneInfo(tzid)
    day = dt.date(2026, 1, 1)
    while day.year < 2028:
        noon = dt.datetime.combine(day, dt.time(12, 0))
        assert noon.replace(tzinfo=rules).utcoffset() == noon.replace(tzinfo=zone).utcoffset(), day
        day += dt.timedelta(days=1)


def test_new_york_rules_are_second_and_first_sunday() -> None:
    lines = vtimezone_lines("America/New_York", 2026, 2026)

    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU" in lines
    assert "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU" in lines
    assert "TZOFFSETFROM:-0500" in lines
    assert "TZOFFSETTO:-0400" in lines


def test_verifier_catches_a_wrong_rule() -> None:
    """The check can fail: a rule moved from the last to the first Sunday of March is caught."""
    lines = [
        line.replace("BYDAY=-1SU", "BYDAY=1SU") if "BYMONTH=3" in line else line
        for line in vtimezone_lines("Europe/London", 2026, 2026)
    ]

    with pytest.raises(TimezoneMismatchError) as caught:
        verify_vtimezone("Europe/London", lines, 2026, 2026)
    assert caught.value.problems[0].startswith("2026-03-01")


def test_a_zone_that_dropped_daylight_saving_stops_its_rules() -> None:
    """Mexico City ended DST in 2022: the rules end there instead of running on forever."""
    lines = vtimezone_lines("America/Mexico_City", 2021, 2024)

    assert any(line.startswith("RRULE:") and "UNTIL=2022" in line for line in lines)
    verify_vtimezone("America/Mexico_City", lines, 2021, 2024)


def test_lines_are_crlf_and_folded_at_75_octets(london_conference: ConferenceEvent) -> None:
    summary = "MARAC conference — Ångermanland och Västernorrland, förlängd sittning " * 3
    data = invitation(dataclasses.replace(london_conference, summary=summary), "REQUEST")

    lines = physical_lines(data)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode()  # no line ends inside a multi-byte character
    assert the_event(data).summary == summary


def test_fold_line_never_splits_a_character() -> None:
    folded = fold_line("X:" + "é" * 100)

    parts = folded[:-2].split(b"\r\n ")
    assert [len(part) for part in parts] == [74, 74, 54]
    assert b"".join(parts).decode() == "X:" + "é" * 100


def test_text_is_escaped_and_survives_a_round_trip(london_conference: ConferenceEvent) -> None:
    tricky = "Room 2; Floor 1, East\\West wing\nbring ID"
    event = dataclasses.replace(london_conference, location=tricky, description=tricky, online_link=None)

    parsed = the_event(invitation(event, "REQUEST"))

    assert (parsed.location, parsed.description) == (tricky, tricky)


def test_quotes_in_a_name_cannot_break_the_parameter(london_conference: ConferenceEvent) -> None:
    event = dataclasses.replace(
        london_conference, attendees=(Attendee(email="a@b.example", name='A "B": C'),)
    )

    (attendee,) = the_event(invitation(event, "REQUEST")).attendees

    assert (str(attendee), attendee.params["CN"]) == ("mailto:a@b.example", "A 'B': C")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"starts_at": dt.datetime(2026, 3, 10, 10, 0)}, "naive"),  # the refused case
        ({"ends_at": dt.datetime(2026, 3, 10, 9, 0, tzinfo=LONDON)}, "end after"),
        ({"organizer_email": "coordinator"}, "email"),
        ({"uid": "two words"}, "uid"),
        ({"online_link": "https://x.example/a\r\nBEGIN:VEVENT"}, "online link"),
        ({"sequence": -1}, "sequence"),
    ],
)
def test_bad_conference_events_are_refused(
    london_conference: ConferenceEvent, change: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(london_conference, **change)  # type: ignore[arg-type]


def deadlines(count: int) -> list[DeadlineEvent]:
    return [
        DeadlineEvent(
            uid=f"action-{n}@marac.example",
            date=dt.date(2026, 1, 5) + dt.timedelta(days=n % 700),
            summary=f"Action A-{n} due (case MC-{n % 97:04d})",
            url=f"https://marac.example/actions/{n}",
            dtstamp=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
        for n in range(count)
    ]


def test_feed_lists_conferences_and_all_day_deadlines(london_conference: ConferenceEvent) -> None:
    later = dataclasses.replace(
        london_conference,
        uid=conference_uid("2b7c", "marac.example"),
        starts_at=dt.datetime(2027, 7, 13, 10, 0, tzinfo=LONDON),
        ends_at=dt.datetime(2027, 7, 13, 12, 0, tzinfo=LONDON),
    )

    data = feed("MARAC — DC Patel", [london_conference, later], deadlines(2))

    calendar = icalendar.Calendar.from_ical(data)
    assert "METHOD" not in calendar
    assert str(calendar["X-WR-CALNAME"]) == "MARAC — DC Patel"
    events = calendar.events
    assert [e.uid for e in events] == [
        london_conference.uid,
        "conference-2b7c@marac.example",
        "action-0@marac.example",
        "action-1@marac.example",
    ]
    assert all("ATTENDEE" not in e and "ORGANIZER" not in e for e in events)
    deadline = events[2]
    assert (deadline.start, deadline.end) == (dt.date(2026, 1, 5), dt.date(2026, 1, 6))
    assert deadline.summary == "Action A-0 due (case MC-0000)"
    assert deadline.url == "https://marac.example/actions/0"
    # one VTIMEZONE covering both years
    (timezone,) = calendar.timezones
    rules = timezone.to_tz()
    assert dt.datetime(2027, 7, 13, 10, 0, tzinfo=rules).utcoffset() == dt.timedelta(hours=1)
    assert len(next(iter(vobject.readComponents(data.decode()))).vevent_list) == 4


def test_deadline_must_be_a_date() -> None:
    with pytest.raises(ValueError, match="calendar date"):
        DeadlineEvent(
            uid="action-1@marac.example",
            date=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
            summary="Action A-1 due",
            url="https://marac.example/actions/1",
            dtstamp=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )


def test_invitation_matches_stored_sample(london_conference: ConferenceEvent) -> None:
    """Pins the exact bytes of a London REQUEST (VTIMEZONE rules, property order, folding)."""
    produced = invitation(london_conference, "REQUEST")

    assert produced == sample("invitation-request-europe-london.ics", produced)


def test_cancellation_matches_stored_sample(london_conference: ConferenceEvent) -> None:
    cancelled = dataclasses.replace(london_conference, sequence=1, status="CANCELLED")
    produced = invitation(cancelled, "CANCEL")

    assert produced == sample("invitation-cancel-europe-london.ics", produced)


def test_feed_matches_stored_sample(london_conference: ConferenceEvent) -> None:
    """Pins a feed mixing a timed conference in Stockholm with all-day deadlines."""
    stockholm = ZoneInfo("Europe/Stockholm")
    swedish = dataclasses.replace(
        london_conference,
        uid="conference-51c0@marac.example",
        timezone="Europe/Stockholm",
        summary="MARAC-konferens — Västra Götaland",
        starts_at=dt.datetime(2026, 10, 27, 9, 0, tzinfo=stockholm),
        ends_at=dt.datetime(2026, 10, 27, 11, 30, tzinfo=stockholm),
    )
    produced = feed("MARAC — DC Patel", [london_conference, swedish], deadlines(3))

    assert produced == sample("feed-conferences-and-deadlines.ics", produced)
