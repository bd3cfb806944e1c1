"""SMTP against a local aiosmtpd server, and the file transport, as the outbox will use them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import ssl
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest
import vobject

from marac.notify.ical import ConferenceEvent, invitation
from marac.notify.mime import build_message, make_message_id
from marac.notify.transports import FileTransport, SmtpTransport, TransportError, transport_from_settings
from marac.settings import MailSettings

from .conftest import (
    SMTP_PASSWORD,
    SMTP_USER,
    CollectingHandler,
    SmtpServer,
    free_port,
    self_signed_certificate,
    start_server,
)

SENT_AT = dt.datetime(2026, 2, 24, 9, 30, tzinfo=dt.UTC)


def reminder(key: str = "reminder:1", to: str = "dc.patel@police.example") -> EmailMessage:
    return build_message(
        subject="Action A-123 due (case MC-0042)",
        sender="marac@northshire.example",
        to=[to],
        reply_to=None,
        text="Action A-123 is due on 3 March: https://marac.example/actions/123",
        html=None,
        message_id=make_message_id(key, "marac.example"),
        date=SENT_AT,
    )


def invitation_email(event: ConferenceEvent, method: str) -> EmailMessage:
    return build_message(
        subject="MARAC conference 10 March",
        sender="marac@northshire.example",
        to=["dc.patel@police.example"],
        reply_to="marac.coordinator@northshire.example",
        text="Case list: https://marac.example/conferences/7d1f0c1e",
        html="<p>Case list</p>",
        message_id=make_message_id(f"invite:{event.uid}:{event.sequence}", "marac.example"),
        date=SENT_AT,
        calendar=invitation(event, method),  # type: ignore[arg-type]
    )


def calendar_of(message: EmailMessage) -> tuple[str, icalendar.Calendar]:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    assert vobject.readOne(data.decode()).vevent.uid.value  # the second reader accepts it too
    return str(part.get_param("method")), icalendar.Calendar.from_ical(data)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", ("mail.example", 25, False, "auto", None, None, 30.0)),
        ("smtp://mail.example:2525?starttls=never", ("mail.example", 2525, False, "never", None, None, 30.0)),
        (
            "smtp://u:p@mail.example:587?starttls=required",
            ("mail.example", 587, False, "required", "u", "p", 30.0),
        ),
        (
            "smtp://me%40x.example:a%3Ab%2F@relay:587",
            ("relay", 587, False, "auto", "me@x.example", "a:b/", 30.0),
        ),
        ("smtps://mail.example", ("mail.example", 465, True, "auto", None, None, 30.0)),
        ("smtps://mail.example:1465?timeout=5", ("mail.example", 1465, True, "auto", None, None, 5.0)),
    ],
)
def test_smtp_url_is_understood(url: str, expected: tuple[object, ...]) -> None:
    transport = SmtpTransport.from_url(url)

    assert (
        transport.host,
        transport.port,
        transport.implicit_tls,
        transport.starttls,
        transport.username,
        transport.password,
        transport.timeout,
    ) == expected


@pytest.mark.parametrize(
    "url",
    ["http://mail.example", "smtp://", "smtp://mail.example?starttls=maybe", "smtp://mail.example?tls=1"],
)
def test_bad_smtp_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"SMTP|starttls"):
        SmtpTransport.from_url(url)


async def test_invitation_arrives_and_reads_back(
    smtp_server: SmtpServer, london_conference: ConferenceEvent
) -> None:
    transport = SmtpTransport.from_url(smtp_server.url)

    await transport.send(invitation_email(london_conference, "REQUEST"))
    await transport.aclose()

    (received,) = smtp_server.received
    assert received.rcpt_tos == ["dc.patel@police.example"]
    assert received.mail_from == "marac@northshire.example"
    parsed = received.message
    assert parsed["Subject"] == "OFFICIAL-SENSITIVE: MARAC conference 10 March"
    method, calendar = calendar_of(parsed)
    assert method == calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == london_conference.uid


async def test_update_then_cancel_keep_the_uid(
    smtp_server: SmtpServer, london_conference: ConferenceEvent
) -> None:
    moved = dataclasses.replace(london_conference, sequence=1, location="Online only")
    cancelled = dataclasses.replace(london_conference, sequence=2, status="CANCELLED")
    transport = SmtpTransport.from_url(smtp_server.url)

    outcomes = await transport.send_many(
        [invitation_email(e, m) for e, m in ((moved, "REQUEST"), (cancelled, "CANCEL"))]
    )

    assert outcomes == [None, None]
    (update_method, update), (cancel_method, cancel) = (calendar_of(r.message) for r in smtp_server.received)
    assert (update_method, cancel_method) == ("REQUEST", "CANCEL")
    first, second = update.walk("VEVENT")[0], cancel.walk("VEVENT")[0]
    assert str(first["UID"]) == str(second["UID"]) == london_conference.uid
    assert (first["SEQUENCE"], second["SEQUENCE"]) == (1, 2)
    assert second["STATUS"] == "CANCELLED"


async def test_a_batch_reuses_one_connection(smtp_server: SmtpServer) -> None:
    transport = SmtpTransport.from_url(smtp_server.url)

    outcomes = await transport.send_many([reminder(f"reminder:{n}") for n in range(25)])
    await transport.send(reminder("reminder:after"))

    assert outcomes == [None] * 25
    assert len(smtp_server.received) == 26
    assert len({r.peer for r in smtp_server.received}) == 1


async def test_server_down_is_a_temporary_failure() -> None:
    transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{free_port()}?timeout=2")

    with pytest.raises(TransportError) as caught:
        await transport.send(reminder())
    outcomes = await transport.send_many([reminder("a"), reminder("b"), reminder("c")])

    assert caught.value.temporary
    assert all(o is not None and o.temporary for o in outcomes)
    assert len(outcomes) == 3


@pytest.mark.parametrize(
    ("reply", "temporary"),
    [("550 5.1.1 No such mailbox", False), ("451 4.3.0 Try again later", True)],
)
async def test_refused_recipient(smtp_server: SmtpServer, reply: str, temporary: bool) -> None:
    smtp_server.handler.refuse["gone@police.example"] = reply
    transport = SmtpTransport.from_url(smtp_server.url)

    outcomes = await transport.send_many([reminder("x", to="gone@police.example"), reminder("y")])

    first, second = outcomes
    assert first is not None
    assert first.temporary is temporary
    assert reply.split()[0] in str(first)
    assert second is None  # the connection stays usable for the next message
    assert [r.rcpt_tos for r in smtp_server.received] == [["dc.patel@police.example"]]


async def test_reconnects_after_the_server_restarts(caplog: pytest.LogCaptureFixture) -> None:
    """A kept-open connection that the server has dropped is reopened without losing the message."""
    caplog.set_level(logging.INFO, logger="marac.notify.transports")
    port = free_port()
    first, second = CollectingHandler(), CollectingHandler()
    server = start_server(first, port)
    transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{port}?timeout=5")
    try:
        await transport.send(reminder("before"))
    finally:
        server.stop()
    server = start_server(second, port)
    try:
        await transport.send(reminder("after"))
    finally:
        server.stop()

    assert len(first.received) == 1
    assert [r.message["Message-ID"] for r in second.received] == [make_message_id("after", "marac.example")]
    assert "went stale; reconnecting" in caplog.text


async def test_implicit_tls(tmp_path: Path) -> None:
    cert_path, key_path = self_signed_certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    handler, port = CollectingHandler(), free_port()
    server = start_server(handler, port, ssl_context=server_context)
    try:
        transport = SmtpTransport.from_url(f"smtps://127.0.0.1:{port}?timeout=5&cafile={cert_path}")
        await transport.send(reminder())
        await transport.aclose()
    finally:
        server.stop()

    assert [r.rcpt_tos for r in handler.received] == [["dc.patel@police.example"]]


async def test_starttls_and_auth(tls_smtp_server: SmtpServer) -> None:
    transport = SmtpTransport.from_url(tls_smtp_server.url)

    await transport.send(reminder())
    await transport.aclose()

    assert len(tls_smtp_server.received) == 1
    assert (transport.username, transport.password) == (SMTP_USER, SMTP_PASSWORD)


async def test_wrong_password_is_a_temporary_failure(tls_smtp_server: SmtpServer) -> None:
    """The message is fine; it waits in the outbox until the configuration is corrected."""
    url = tls_smtp_server.url.replace("s3cret%3A", "wrong%3A")
    transport = SmtpTransport.from_url(url)

    with pytest.raises(TransportError, match="535") as caught:
        await transport.send(reminder())
    assert caught.value.temporary
    assert tls_smtp_server.received == []


async def test_untrusted_certificate_is_refused(tls_smtp_server: SmtpServer) -> None:
    url = tls_smtp_server.url.split("&cafile=")[0]
    transport = SmtpTransport.from_url(url, ssl_context=ssl.create_default_context())

    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        await transport.send(reminder())


@pytest.mark.parametrize(
    ("url_template", "message"),
    [
        ("smtp://127.0.0.1:{port}?starttls=required&timeout=5", "does not offer STARTTLS"),
        ("smtp://user:pw@127.0.0.1:{port}?timeout=5", "unencrypted"),
    ],
)
async def test_plain_server_is_refused_when_tls_is_needed(
    smtp_server: SmtpServer, url_template: str, message: str
) -> None:
    transport = SmtpTransport.from_url(url_template.format(port=smtp_server.port))

    with pytest.raises(TransportError, match=message):
        await transport.send(reminder())
    assert smtp_server.received == []


async def test_file_transport_writes_a_parseable_eml(
    tmp_path: Path, london_conference: ConferenceEvent
) -> None:
    transport = FileTransport(tmp_path / "mail")
    sent = invitation_email(london_conference, "REQUEST")

    await transport.send(sent)

    (written,) = (tmp_path / "mail").iterdir()
    assert written == transport.path_for(sent["Message-ID"])
    assert written.suffix == ".eml"
    parsed = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Message-ID"] == sent["Message-ID"]
    method, calendar = calendar_of(parsed)
    assert method == calendar["METHOD"] == "REQUEST"


async def test_file_transport_overwrites_a_resent_message(tmp_path: Path) -> None:
    transport = FileTransport(tmp_path)

    outcomes = await transport.send_many([reminder("same"), reminder("same"), reminder("other")])

    assert outcomes == [None, None, None]
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".eml", ".eml"]  # no temporary files left


@pytest.mark.parametrize(
    "message_id",
    ["<../../etc/passwd@x>", "<a/b@x>", "<.hidden@x>", "<" + "long" * 100 + "@x>"],
)
def test_file_names_stay_inside_the_directory(tmp_path: Path, message_id: str) -> None:
    path = FileTransport(tmp_path).path_for(message_id)

    assert path.parent == tmp_path
    assert not path.name.startswith(".")
    assert len(path.name) < 200
    assert path != FileTransport(tmp_path).path_for(message_id.replace("@x", "@y"))


async def test_message_without_id_is_a_permanent_failure(tmp_path: Path) -> None:
    message = reminder()
    del message["Message-ID"]

    with pytest.raises(TransportError) as caught:
        await FileTransport(tmp_path).send(message)
    assert not caught.value.temporary


@pytest.mark.parametrize(
    ("smtp_url", "kind"), [(None, FileTransport), ("smtp://mail.example:587", SmtpTransport)]
)
def test_transport_from_settings(tmp_path: Path, smtp_url: str | None, kind: type) -> None:
    settings = MailSettings(smtp_url=smtp_url, mail_dir=tmp_path, sender="marac@localhost")

    transport = transport_from_settings(settings)

    assert isinstance(transport, kind)
    if isinstance(transport, FileTransport):
        assert transport.directory == tmp_path
