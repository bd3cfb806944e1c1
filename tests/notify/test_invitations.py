"""Calendar invitations end to end: queued by the sweep or a hook, delivered to a real SMTP server, read
back with the standard library, icalendar and vobject."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import icalendar
import pytest
import vobject

from marac.access.models import Role, User
from marac.clock import FixedClock
from marac.notify.delivery import DeliveryReport, deliver_due
from marac.notify.invitations import reconcile_invitations
from marac.notify.models import InvitationMethod
from marac.notify.transports import SmtpTransport
from marac.runtime import Runtime
from tests.factories import World, make_user

from .conference_helpers import (
    LONDON,
    MAILBOX,
    cancel,
    invitations,
    make_conference,
    make_series,
    move,
    set_mailbox,
    set_representatives,
)
from .conftest import Received, SmtpServer


async def reconcile(runtime: Runtime) -> int:
    async with runtime.transaction() as session:
        return await reconcile_invitations(session, runtime.clock, settings=runtime.settings)


async def deliver(runtime: Runtime, server: SmtpServer) -> DeliveryReport:
    transport = SmtpTransport.from_url(server.url)
    try:
        return await deliver_due(
            runtime.sessions, runtime.clock, runtime.settings, transport, rng=random.Random(1)
        )
    finally:
        await transport.aclose()


def calendar_part(message: EmailMessage) -> tuple[str, bytes]:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return str(part.get_param("method")), data


def event_of(received: Received) -> tuple[str, icalendar.Calendar, icalendar.cal.Component, Any]:
    """(MIME method, calendar, its one VEVENT, the vobject reading) of a received invitation."""
    method, data = calendar_part(received.message)
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return method, calendar, event, vobject.readOne(data.decode()).vevent


def by_recipient(server: SmtpServer) -> dict[str, Received]:
    return {r.rcpt_tos[0]: r for r in server.received}


@pytest.fixture
async def people(runtime: Runtime, world: World) -> dict[str, User]:
    police_rep, _ = await make_user(
        runtime, world.area, "police.rep@north.example", [Role.REPRESENTATIVE], world.police
    )
    await set_mailbox(runtime, world.area)
    return {"police": police_rep, "care": world.users["representative"], "chair": world.users["chair"]}


async def test_invitations_go_out_as_the_conference_enters_the_window(
    runtime: Runtime, clock: FixedClock, world: World, people: dict[str, User], smtp_server: SmtpServer
) -> None:
    series = await make_series(runtime, world.area, [people["police"], people["care"]], chair=people["chair"])
    conference = await make_conference(runtime, series, datetime(2027, 2, 9, 10, 0))

    assert await reconcile(runtime) == 0  # 78 days ahead: outside the 60-day window
    clock.set(datetime(2026, 12, 12, 9, 0, tzinfo=UTC))  # 59 days ahead
    assert await reconcile(runtime) == 3
    await deliver(runtime, smtp_server)
    assert await reconcile(runtime) == 0  # nothing twice
    await deliver(runtime, smtp_server)

    received = by_recipient(smtp_server)
    assert sorted(received) == sorted(p.email for p in people.values())
    for address, mail in received.items():
        message = mail.message
        assert message["Subject"] == "OFFICIAL-SENSITIVE: Invitation: North Shire MARAC, Tue 9 Feb 2027"
        assert message["Reply-To"] == MAILBOX
        assert message.get_content_type() == "multipart/mixed"
        assert [p.get_filename() for p in message.iter_attachments()] == ["invite.ics"]
        method, calendar, event, read_by_vobject = event_of(mail)
        assert method == calendar["METHOD"] == "REQUEST"
        assert str(event["UID"]) == conference.ical_uid == read_by_vobject.uid.value
        assert event["SEQUENCE"] == 0
        assert str(event["ORGANIZER"]) == f"mailto:{MAILBOX}"
        attendee = event["ATTENDEE"]
        assert str(attendee) == f"mailto:{address}"
        assert attendee.params["RSVP"] == "TRUE"
        expected_role = "CHAIR" if address == people["chair"].email else "REQ-PARTICIPANT"
        assert attendee.params["ROLE"] == expected_role
        assert event.decoded("DTSTART") == datetime(2027, 2, 9, 10, 0, tzinfo=LONDON)
        assert "Tuesday 9 February 2027, 10:00 to 13:00 (GMT)" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_a_move_across_the_clock_change_updates_the_same_event(
    runtime: Runtime, clock: FixedClock, world: World, people: dict[str, User], smtp_server: SmtpServer
) -> None:
    """Moved from a GMT Tuesday to a BST Tuesday: still 10:00 in London, same UID, higher SEQUENCE."""
    series = await make_series(runtime, world.area, [people["police"]])
    conference = await make_conference(runtime, series, datetime(2027, 3, 23, 10, 0))
    clock.set(datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
    await reconcile(runtime)
    await deliver(runtime, smtp_server)

    await move(runtime, conference, datetime(2027, 3, 30, 10, 0))
    await deliver(runtime, smtp_server)

    first, update = smtp_server.received
    assert update.message["Subject"] == "OFFICIAL-SENSITIVE: Updated: North Shire MARAC, now Tue 30 Mar 2027"
    _, _, before, _ = event_of(first)
    method, _, after, read_by_vobject = event_of(update)
    assert method == "REQUEST"
    assert str(after["UID"]) == str(before["UID"]) == conference.ical_uid
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert before.decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 23, 10, 0, tzinfo=UTC)  # GMT
    assert after.decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 30, 9, 0, tzinfo=UTC)  # BST
    assert after.decoded("DTSTART").astimezone(LONDON).hour == 10
    vobject_start = read_by_vobject.dtstart.value
    assert vobject_start.astimezone(UTC) == datetime(2027, 3, 30, 9, 0, tzinfo=UTC)
    stored = (await invitations(runtime, conference))[people["police"].id]
    assert (stored.last_method, stored.last_sequence) == (InvitationMethod.REQUEST, 1)


async def test_a_change_that_did_not_raise_the_sequence_still_raises_it(
    runtime: Runtime, clock: FixedClock, world: World, people: dict[str, User], smtp_server: SmtpServer
) -> None:
    series = await make_series(runtime, world.area, [people["police"]])
    conference = await make_conference(runtime, series, datetime(2027, 1, 12, 10, 0))
    await reconcile(runtime)
    await move(runtime, conference, datetime(2027, 1, 12, 10, 0), location="Council Chamber", bump=False)
    assert await reconcile(runtime) == 0
    await deliver(runtime, smtp_server)

    first, update = (event_of(r)[2] for r in smtp_server.received)
    assert (first["SEQUENCE"], update["SEQUENCE"]) == (0, 1)
    assert str(update["LOCATION"]) == "Council Chamber"


async def test_a_cancelled_conference_is_cancelled_in_every_calendar(
    runtime: Runtime, clock: FixedClock, world: World, people: dict[str, User], smtp_server: SmtpServer
) -> None:
    series = await make_series(runtime, world.area, [people["police"], people["care"]], chair=people["chair"])
    conference = await make_conference(runtime, series, datetime(2027, 1, 12, 10, 0))
    await reconcile(runtime)
    await deliver(runtime, smtp_server)

    await cancel(runtime, conference)
    assert await reconcile(runtime) == 0
    await deliver(runtime, smtp_server)

    cancellations = smtp_server.received[3:]
    assert sorted(r.rcpt_tos[0] for r in cancellations) == sorted(p.email for p in people.values())
    for mail in cancellations:
        method, calendar, event, read_by_vobject = event_of(mail)
        assert method == calendar["METHOD"] == "CANCEL"
        assert str(event["UID"]) == conference.ical_uid
        assert event["SEQUENCE"] == 1
        assert event["STATUS"] == "CANCELLED"
        assert read_by_vobject.status.value == "CANCELLED"
        assert mail.message["Subject"].startswith("OFFICIAL-SENSITIVE: Cancelled: North Shire MARAC")
    assert {i.last_method for i in (await invitations(runtime, conference)).values()} == {
        InvitationMethod.CANCEL
    }


async def test_representatives_added_and_removed(
    runtime: Runtime, clock: FixedClock, world: World, people: dict[str, User], smtp_server: SmtpServer
) -> None:
    """Found by the sweep alone (as if the series change had no hook): only the two people concerned hear."""
    series = await make_series(runtime, world.area, [people["police"]], chair=people["chair"])
    conference = await make_conference(runtime, series, datetime(2027, 1, 12, 10, 0))
    await reconcile(runtime)
    await deliver(runtime, smtp_server)

    await set_representatives(runtime, series, [people["care"]])
    assert await reconcile(runtime) == 2
    await deliver(runtime, smtp_server)

    later = {r.rcpt_tos[0]: event_of(r) for r in smtp_server.received[2:]}
    assert sorted(later) == sorted([people["police"].email, people["care"].email])
    removed_method, _, removed, _ = later[people["police"].email]
    added_method, _, added, _ = later[people["care"].email]
    assert (removed_method, removed["SEQUENCE"], removed["STATUS"]) == ("CANCEL", 1, "CANCELLED")
    assert (added_method, added["SEQUENCE"]) == ("REQUEST", 0)
    assert str(removed["UID"]) == str(added["UID"]) == conference.ical_uid


async def test_a_conference_that_is_over_is_left_alone(
    runtime: Runtime, clock: FixedClock, world: World, people: dict[str, User]
) -> None:
    series = await make_series(runtime, world.area, [people["police"]])
    conference = await make_conference(runtime, series, datetime(2026, 12, 8, 10, 0))
    await reconcile(runtime)
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))

    await cancel(runtime, conference)

    assert await reconcile(runtime) == 0
    stored = (await invitations(runtime, conference))[people["police"].id]
    assert stored.last_method == InvitationMethod.REQUEST  # no cancellation for a past meeting
