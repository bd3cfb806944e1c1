"""Local SMTP servers (aiosmtpd) that collect what they receive, plus sample conference data."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from marac.notify.ical import Attendee, ConferenceEvent

LONDON = ZoneInfo("Europe/London")
SMTP_USER = "marac-relay"
SMTP_PASSWORD = "s3cret:with@odd/chars"


@dataclass
class Received:
    """One message as the server saw it: the envelope and the raw bytes."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    peer: tuple[str, int]

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class CollectingHandler:
    """Accepts everything except the recipients listed in ``refuse`` (address → SMTP reply)."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(  # noqa: N802  # aiosmtpd's hook naming
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, session.peer)
        )
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    controller: Controller
    handler: CollectingHandler
    port: int
    url: str
    cafile: Path | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(handler: CollectingHandler, port: int, **smtp_options: Any) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    return controller


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server on 127.0.0.1 without STARTTLS or AUTH."""
    handler = CollectingHandler()
    port = free_port()
    controller = start_server(handler, port)
    yield SmtpServer(controller, handler, port, f"smtp://127.0.0.1:{port}?timeout=5")
    controller.stop()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, written as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd sends the 535 reply


@pytest.fixture
def tls_smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """An SMTP server that requires STARTTLS and then AUTH (self-signed certificate for 127.0.0.1)."""
    cert_path, key_path = self_signed_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    handler = CollectingHandler()
    port = free_port()
    controller = start_server(
        handler,
        port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=_authenticate,
    )
    url = f"smtp://{SMTP_USER}:s3cret%3Awith%40odd%2Fchars@127.0.0.1:{port}?timeout=5&cafile={cert_path}"
    yield SmtpServer(controller, handler, port, url, cert_path)
    controller.stop()


@pytest.fixture
def london_conference() -> ConferenceEvent:
    """A North Shire conference on a Tuesday morning in March, with two representatives."""
    return ConferenceEvent(
        uid="conference-7d1f0c1e-4a53-4c1b-9d55-0d8c7b2f4e11@marac.example",
        sequence=0,
        starts_at=dt.datetime(2026, 3, 10, 10, 0, tzinfo=LONDON),
        ends_at=dt.datetime(2026, 3, 10, 13, 0, tzinfo=LONDON),
        timezone="Europe/London",
        summary="MARAC conference — North Shire",
        location="Committee Room 2, Civic Centre, Northtown",
        description="Case list and research status: https://marac.example/conferences/7d1f0c1e",
        organizer_email="marac.coordinator@northshire.example",
        organizer_name="MARAC coordinator, North Shire",
        dtstamp=dt.datetime(2026, 2, 24, 9, 30, tzinfo=dt.UTC),
        attendees=(
            Attendee(email="dc.patel@police.example", name="DC Priya Patel"),
            Attendee(email="idva.team@idva.example", name="IDVA service"),
        ),
        online_link="https://meet.example/j/4815162342",
    )
