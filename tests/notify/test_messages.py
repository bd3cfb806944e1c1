"""Message drafts: wording per reason, escaping, marking, reply address and the organiser."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from marac.notify.messages import AreaMail, ConferenceFacts, Invitee, invitation_draft, meeting_reminder_draft

START = datetime(2027, 3, 30, 9, 0, tzinfo=UTC)  # 10:00 BST


def area(
    mailbox: str | None = "marac.coordinator@north.example", marking: str = "OFFICIAL-SENSITIVE"
) -> AreaMail:
    return AreaMail(
        area_id=uuid.uuid4(),
        area_name="North Shire",
        timezone="Europe/London",
        jurisdiction="GB-ENG",
        marking=marking,
        coordinator_mailbox=mailbox,
        base_url="https://marac.example",
        sender="marac@north.example",
        invitation_window_days=60,
        meeting_reminder=True,
    )


CONFERENCE = ConferenceFacts(
    id=uuid.uuid4(),
    area_id=uuid.uuid4(),
    uid="conference-1@marac.example",
    sequence=2,
    title="North Shire MARAC",
    starts_at=START,
    ends_at=START.replace(hour=12),
    location="Room <b>2</b> & annexe",
    online_link=None,
)
REP = Invitee(
    user_id=uuid.uuid4(),
    email="rep@police.example",
    name="DC Rep",
    agency_id=None,
    invited_as="representative",
)


def unfolded(calendar: bytes | None) -> bytes:
    assert calendar is not None
    return calendar.replace(b"\r\n ", b"")


@pytest.mark.parametrize(
    ("method", "reason", "subject", "wording"),
    [
        (
            "REQUEST",
            "new",
            "Invitation: North Shire MARAC, Tue 30 Mar 2027",
            "as your agency's representative",
        ),
        ("REQUEST", "update", "Updated: North Shire MARAC, now Tue 30 Mar 2027", "has changed"),
        ("CANCEL", "removed", "No longer invited: North Shire MARAC, Tue 30 Mar 2027", "no longer invited"),
        ("CANCEL", "cancelled", "Cancelled: North Shire MARAC, Tue 30 Mar 2027", "has been cancelled"),
    ],
)
def test_invitation_wording(method: str, reason: str, subject: str, wording: str) -> None:
    draft = invitation_draft(area(), CONFERENCE, REP, method=method, sequence=3, reason=reason, now=START)  # type: ignore[arg-type]

    assert draft.subject == subject
    assert wording in draft.text
    assert draft.key == f"invitation:{CONFERENCE.id}:{REP.user_id}:{method}:3"
    assert draft.calendar is not None
    assert f"METHOD:{method}".encode() in draft.calendar
    assert b"SEQUENCE:3" in draft.calendar
    assert "Tuesday 30 March 2027, 10:00 to 13:00 (BST)" in draft.text


def test_html_is_escaped_and_text_is_not() -> None:
    draft = invitation_draft(area(), CONFERENCE, REP, method="REQUEST", sequence=2, reason="new", now=START)

    assert draft.html is not None
    assert "Room &lt;b&gt;2&lt;/b&gt; &amp; annexe" in draft.html
    assert "<b>2</b>" not in draft.html
    assert "Room <b>2</b> & annexe" in draft.text


def test_replies_go_to_the_coordinator_and_without_a_mailbox_the_organiser_is_the_service() -> None:
    with_mailbox = invitation_draft(
        area(), CONFERENCE, REP, method="REQUEST", sequence=2, reason="new", now=START
    )
    without = invitation_draft(
        area(None), CONFERENCE, REP, method="REQUEST", sequence=2, reason="new", now=START
    )

    assert with_mailbox.reply_to == "marac.coordinator@north.example"
    organizer = b'ORGANIZER;CN="MARAC coordinator, North Shire":mailto:'
    assert organizer + b"marac.coordinator@north.example" in unfolded(with_mailbox.calendar)
    assert without.reply_to is None
    assert organizer + b"marac@north.example" in unfolded(without.calendar)


def test_the_area_marking_heads_the_message() -> None:
    draft = meeting_reminder_draft(area(marking="OFFICIAL"), CONFERENCE, REP)

    assert draft.marking == "OFFICIAL"
    assert draft.text.startswith("OFFICIAL\n")
    assert draft.text.rstrip().endswith("OFFICIAL")
    assert draft.key == f"meeting-reminder:{CONFERENCE.id}:{REP.user_id}:20270330T1000"
