"""Messages as a mail client parses them: structure, headers, markings and the calendar bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import icalendar
import pytest
import vobject

from marac.notify.ical import ConferenceEvent, feed, invitation
from marac.notify.mime import build_message, build_raw, calendar_method, make_message_id, marked_subject

from .test_ical import sample

SENT_AT = dt.datetime(2026, 2, 24, 9, 30, tzinfo=dt.UTC)


def message_fields() -> dict[str, Any]:
    return {
        "subject": "Conference on Tuesday 10 March — invitation",
        "sender": "MARAC North Shire <marac@northshire.example>",
        "to": ["dc.patel@police.example"],
        "reply_to": "marac.coordinator@northshire.example",
        "text": "You are invited. Case list: https://marac.example/conferences/7d1f0c1e",
        "html": "<p>You are invited. <a href='https://marac.example/conferences/7d1f0c1e'>Case list</a></p>",
        "message_id": make_message_id("invite:7d1f0c1e:dc.patel:0", "marac.example"),
        "date": SENT_AT,
    }


def message(**overrides: Any) -> EmailMessage:
    return build_message(**(message_fields() | overrides))


def reparsed(built: EmailMessage) -> EmailMessage:
    """What the receiving side sees after the message went over the wire (CRLF bytes)."""
    parsed = message_from_bytes(built.as_bytes(policy=policy.SMTP), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def tree(part: EmailMessage) -> object:
    if part.is_multipart():
        return (part.get_content_type(), [tree(p) for p in part.iter_parts()])  # type: ignore[arg-type]
    return part.get_content_type()


def test_invitation_has_the_structure_calendar_clients_accept(london_conference: ConferenceEvent) -> None:
    calendar = invitation(london_conference, "REQUEST")

    parsed = reparsed(message(calendar=calendar, method="REQUEST"))

    assert tree(parsed) == (
        "multipart/mixed",
        [("multipart/alternative", ["text/plain", "text/html", "text/calendar"]), "application/ics"],
    )
    inline, attached = (
        p for p in parsed.walk() if p.get_content_type() in ("text/calendar", "application/ics")
    )
    assert inline.get_param("method") == "REQUEST"
    assert inline.get_content_charset() == "utf-8"
    assert attached.get_filename() == "invite.ics"
    assert attached.get_content_disposition() == "attachment"
    for part in (inline, attached):
        assert part.get_payload(decode=True) == calendar  # CRLF line endings intact


def test_calendar_part_parses_with_both_readers_and_methods_agree(london_conference: ConferenceEvent) -> None:
    cancelled = dataclasses.replace(london_conference, sequence=1, status="CANCELLED")

    parsed = reparsed(message(calendar=invitation(cancelled, "CANCEL")))

    inline = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    data = inline.get_payload(decode=True)
    assert isinstance(data, bytes)
    assert inline.get_param("method") == "CANCEL"
    assert icalendar.Calendar.from_ical(data)["METHOD"] == "CANCEL"
    assert vobject.readOne(data.decode()).method.value == "CANCEL"


def test_text_and_html_bodies_read_back(london_conference: ConferenceEvent) -> None:
    parsed = reparsed(message(text="Résumé — see the portal", html="<p>Résumé — see the portal</p>"))

    assert tree(parsed) == ("multipart/alternative", ["text/plain", "text/html"])
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().strip() == "Résumé — see the portal"
    assert html.get_content().strip() == "<p>Résumé — see the portal</p>"


def test_plain_text_only_when_there_is_no_html() -> None:
    assert tree(reparsed(message(html=None))) == "text/plain"


def test_headers_and_protective_marking() -> None:
    parsed = reparsed(message(to=["a@police.example", "b@health.example"]))

    assert parsed["Subject"] == "OFFICIAL-SENSITIVE: Conference on Tuesday 10 March — invitation"
    assert parsed["X-Protective-Marking"] == "OFFICIAL-SENSITIVE"
    assert parsed["From"] == "MARAC North Shire <marac@northshire.example>"
    assert parsed["To"] == "a@police.example, b@health.example"
    assert parsed["Reply-To"] == "marac.coordinator@northshire.example"
    assert parsed["Message-ID"] == make_message_id("invite:7d1f0c1e:dc.patel:0", "marac.example")
    assert parsed["Date"].datetime == SENT_AT
    assert parsed["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize(
    ("subject", "marking", "expected"),
    [
        ("Action due", "OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE: Action due"),
        ("OFFICIAL-SENSITIVE: Action due", "OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE: Action due"),
        ("Åtgärd förfaller", "SEKRETESS", "SEKRETESS: Åtgärd förfaller"),
        ("Action due", "", "Action due"),
    ],
)
def test_subject_is_marked_once(subject: str, marking: str, expected: str) -> None:
    assert marked_subject(subject, marking) == expected


def test_other_markings_reach_subject_and_header() -> None:
    parsed = reparsed(message(marking="OFFICIAL"))

    assert (parsed["Subject"].split(":")[0], parsed["X-Protective-Marking"]) == ("OFFICIAL", "OFFICIAL")


def test_message_id_is_stable_per_key() -> None:
    first = make_message_id("outbox:42", "marac.example")

    assert first == make_message_id("outbox:42", "marac.example")
    assert first != make_message_id("outbox:43", "marac.example")
    assert first.startswith("<")
    assert first.endswith("@marac.example>")


@pytest.mark.parametrize("domain", ["", "bad domain", "a@b.example", "<x>"])
def test_message_id_refuses_what_is_not_a_domain_every_time(domain: str) -> None:
    for _ in range(2):  # the check is remembered per domain: the second call must refuse too
        with pytest.raises(ValueError, match="is not a domain"):
            make_message_id("outbox:42", domain)


def test_same_message_builds_the_same_bytes(london_conference: ConferenceEvent) -> None:
    calendar = invitation(london_conference, "REQUEST")

    assert message(calendar=calendar).as_bytes() == message(calendar=calendar).as_bytes()


def test_method_must_match_the_calendar(london_conference: ConferenceEvent) -> None:
    with pytest.raises(ValueError, match="does not match"):
        message(calendar=invitation(london_conference, "REQUEST"), method="CANCEL")


def test_a_feed_is_not_sent_as_an_invitation(london_conference: ConferenceEvent) -> None:
    with pytest.raises(ValueError, match="no METHOD"):
        message(calendar=feed("MARAC", [london_conference], []))


@pytest.mark.parametrize("field", ["subject", "reply_to", "sender"])
def test_line_breaks_in_headers_are_refused(field: str) -> None:
    with pytest.raises(ValueError, match="line breaks"):
        message(**{field: "x@y.example\r\nBcc: someone@else.example"})


def test_naive_date_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        message(date=dt.datetime(2026, 2, 24, 9, 30))  # the refused case


def test_calendar_method_reads_only_the_calendar_header(london_conference: ConferenceEvent) -> None:
    assert calendar_method(invitation(london_conference, "REQUEST")) == "REQUEST"
    assert calendar_method(feed("MARAC", [london_conference], [])) is None


def test_invitation_email_matches_stored_sample(london_conference: ConferenceEvent) -> None:
    """Pins the whole invitation email: headers, MIME tree, encodings and stable boundaries."""
    produced = message(calendar=invitation(london_conference, "REQUEST")).as_bytes(policy=policy.SMTP)

    assert produced == sample("invitation-request-email.eml", produced)


def _as_received(data: bytes) -> tuple[dict[str, str], list[tuple[object, ...]]]:
    parsed = message_from_bytes(data, policy=policy.default)
    headers = {name: str(value) for name, value in parsed.items() if name != "Content-Type"}
    parts: list[tuple[object, ...]] = [
        (p.get_content_type(), sorted(p.get_params() or []), p.get_filename(), p.get_payload(decode=True))
        for p in parsed.walk()
    ]
    return headers, parts


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"html": None},
        {"subject": "Ärende MC-0042 — påminnelse om ett möte som har flyttats till en annan dag i veckan"},
        {"sender": "MARAC Nörth Shire <marac@northshire.example>", "text": "Hé\n" + "x" * 200},
        {"with_calendar": True},
        {"with_calendar": True, "html": None},
    ],
)
def test_the_fast_builder_reads_back_like_the_reference_one(
    london_conference: ConferenceEvent, overrides: dict[str, Any]
) -> None:
    """The outbox sends build_raw's bytes; a mail client must see exactly what build_message describes."""
    fields = dict(overrides)
    if fields.pop("with_calendar", False):
        fields["calendar"] = invitation(london_conference, "REQUEST")
    reference = message(**fields).as_bytes(policy=policy.SMTP)
    fast = build_raw(**(message_fields() | fields))

    assert _as_received(fast.data) == _as_received(reference)
    assert fast.data.count(b"\n") == fast.data.count(b"\r\n")
    assert (fast.sender, fast.recipients) == ("marac@northshire.example", ("dc.patel@police.example",))
