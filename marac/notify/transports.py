"""Mail transports: SMTP for real use, one ``.eml`` file per message as the embedded default.

Both are called from the outbox delivery sweep.  A failure raises :class:`TransportError` whose
``temporary`` flag tells the sweep whether to retry with backoff (connection trouble, 4xx replies,
configuration that may yet be fixed) or give up on that message (5xx replies about the message).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import hashlib
import logging
import os
import re
import smtplib
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from marac.notify.mime import RawMail
from marac.settings import MailSettings

log = logging.getLogger(__name__)

StartTls = Literal["auto", "required", "never"]
_STARTTLS_MODES: dict[str, StartTls] = {"auto": "auto", "required": "required", "never": "never"}


# A message as the transports take it: built (EmailMessage) or already flattened with its envelope.
Mail = EmailMessage | RawMail
# Called in the sending thread with a message's index as soon as the server has accepted it, and before
# the next message goes: the outbox records each message as sent while nothing else is in flight.
Accepted = Callable[[int], None]


def _message_id(message: Mail) -> str:
    return message.message_id if isinstance(message, RawMail) else str(message["Message-ID"] or "")


def _deliver(smtp: smtplib.SMTP, message: Mail) -> dict[str, tuple[int, bytes]]:
    if isinstance(message, RawMail):
        return smtp.sendmail(message.sender, list(message.recipients), message.data)
    return smtp.send_message(message)


class TransportError(Exception):
    """A message could not be handed over; ``temporary`` says whether trying again may help."""

    def __init__(self, detail: str, *, temporary: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.temporary = temporary


class Transport(Protocol):
    """Hands finished messages to the next hop."""

    async def send(self, message: Mail) -> None:
        """Send one message or raise :class:`TransportError`."""
        ...

    async def send_many(
        self, messages: Sequence[Mail], on_accepted: Accepted | None = None
    ) -> list[TransportError | None]:
        """Send a batch; one outcome per message, in order (None means sent)."""
        ...

    async def aclose(self) -> None:
        """Release connections; the transport may still be used afterwards (it reconnects)."""
        ...


class SmtpTransport:
    """SMTP over one connection kept open across messages and batches, reopened when it fails.

    smtplib is blocking, so each batch runs in a worker thread; a lock keeps one conversation at a time
    on the connection.  Credentials are only ever sent over TLS (implicit or STARTTLS).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        implicit_tls: bool = False,
        starttls: StartTls = "auto",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        idle_seconds: float = 60.0,
    ) -> None:
        self.host = host
        self.port = port
        self.implicit_tls = implicit_tls
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.local_hostname = local_hostname
        # Servers drop idle sessions (typically after 60 to 300 s); reopening first avoids a failed send.
        self.idle_seconds = idle_seconds
        self._smtp: smtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, *, ssl_context: ssl.SSLContext | None = None) -> SmtpTransport:
        """Build from ``smtp://[user:pass@]host[:port][?starttls=auto|required|never]`` or ``smtps://…``.

        ``smtps`` is implicit TLS (default port 465); ``smtp`` defaults to port 25 and uses STARTTLS
        when the server offers it.  User and password are URL-decoded.  Further query options:
        ``timeout`` (seconds), ``cafile`` (a CA bundle to trust) and ``helo`` (the name we announce).
        """
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP URL must look like smtp://host:port or smtps://host:port")
        options = {key: values[-1] for key, values in parse_qs(parts.query, strict_parsing=False).items()}
        unknown = set(options) - {"starttls", "timeout", "cafile", "helo"}
        if unknown:
            raise ValueError(f"unknown SMTP URL options: {', '.join(sorted(unknown))}")
        starttls = _STARTTLS_MODES.get(options.get("starttls", "auto"))
        if starttls is None:
            raise ValueError("starttls must be auto, required or never")
        implicit_tls = parts.scheme == "smtps"
        if implicit_tls and "starttls" in options:
            raise ValueError("smtps:// is already TLS; starttls does not apply")
        if ssl_context is None and "cafile" in options:
            ssl_context = ssl.create_default_context(cafile=options["cafile"])
        return cls(
            parts.hostname,
            parts.port or (465 if implicit_tls else 25),
            implicit_tls=implicit_tls,
            starttls=starttls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=float(options.get("timeout", 30)),
            ssl_context=ssl_context,
            local_hostname=options.get("helo"),
        )

    async def send(self, message: Mail) -> None:
        """Send one message over the shared connection."""
        outcome = (await self.send_many([message]))[0]
        if outcome is not None:
            raise outcome

    async def send_many(
        self, messages: Sequence[Mail], on_accepted: Accepted | None = None
    ) -> list[TransportError | None]:
        """Send a batch in one worker thread over one connection (the fast path for the outbox)."""
        return await asyncio.to_thread(self._send_batch, list(messages), on_accepted)

    async def aclose(self) -> None:
        """Say QUIT and close the connection."""
        await asyncio.to_thread(self._close_locked)

    def _close_locked(self) -> None:
        with self._lock:
            self._drop(polite=True)

    def _send_batch(self, messages: list[Mail], on_accepted: Accepted | None) -> list[TransportError | None]:
        outcomes: list[TransportError | None] = []
        with self._lock:
            for index, message in enumerate(messages):
                try:
                    self._send_one(message)
                except ServerUnavailable as failure:
                    # The server cannot be reached: the rest of the batch would only wait out timeouts.
                    outcomes += [failure] * (len(messages) - index)
                    break
                except TransportError as error:
                    outcomes.append(error)
                else:
                    outcomes.append(None)
                    if on_accepted is not None:
                        on_accepted(index)
        return outcomes

    def _send_one(self, message: Mail) -> None:
        reused = self._smtp is not None and time.monotonic() - self._last_used < self.idle_seconds
        if not reused:
            self._drop(polite=True)
        smtp = self._connection()
        try:
            refused = _deliver(smtp, message)
        except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
            self._drop()
            if not reused:
                raise TransportError(f"SMTP server closed the connection: {exc}", temporary=True) from exc
            # A kept-open session that the server has since dropped: reopen once and try again.  (Had the
            # server dropped it after accepting the data, this would duplicate; mail is at-least-once.)
            log.info("SMTP connection to %s:%s went stale; reconnecting", self.host, self.port)
            smtp = self._connection()
            try:
                refused = _deliver(smtp, message)
            except smtplib.SMTPException as retry_exc:
                raise self._failure(retry_exc) from retry_exc
            except OSError as retry_exc:
                self._drop()
                raise TransportError(f"SMTP send failed: {retry_exc}", temporary=True) from retry_exc
        except smtplib.SMTPException as exc:
            raise self._failure(exc) from exc
        except OSError as exc:
            self._drop()
            raise TransportError(f"SMTP send failed: {exc}", temporary=True) from exc
        self._last_used = time.monotonic()
        if refused:
            # Accepted for some recipients; retrying would send the others a duplicate.
            log.warning("SMTP server refused some recipients of %s: %s", _message_id(message), refused)

    def _failure(self, exc: smtplib.SMTPException) -> TransportError:
        """Map an smtplib error to a TransportError; 4xx replies are temporary, 5xx permanent."""
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in exc.recipients.values()]
            detail = "; ".join(f"{rcpt}: {code} {text!r}" for rcpt, (code, text) in exc.recipients.items())
            return TransportError(f"recipients refused: {detail}", temporary=any(c < 500 for c in codes))
        if isinstance(exc, smtplib.SMTPResponseException):
            if exc.smtp_code == 421:  # the server is closing the session
                self._drop()
            text = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else exc.smtp_error
            )
            return TransportError(f"SMTP {exc.smtp_code}: {text}", temporary=exc.smtp_code < 500)
        self._drop()
        return TransportError(f"SMTP error: {exc}", temporary=True)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        smtp: smtplib.SMTP | None = None
        try:
            if self.implicit_tls:
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, self.local_hostname, timeout=self.timeout, context=self.ssl_context
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, self.local_hostname, timeout=self.timeout)
            smtp.ehlo()
            encrypted = self.implicit_tls
            if not encrypted and self.starttls != "never":
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self.ssl_context)
                    smtp.ehlo()
                    encrypted = True
                elif self.starttls == "required":
                    raise ServerUnavailable("SMTP server does not offer STARTTLS, which is required")
            if self.username is not None:
                if not encrypted:
                    raise ServerUnavailable(
                        "refusing to send SMTP credentials over an unencrypted connection"
                    )
                smtp.login(self.username, self.password or "")
        except ServerUnavailable:
            _quietly_close(smtp)
            raise
        except (smtplib.SMTPException, OSError) as exc:
            # Unreachable, TLS or authentication trouble: nothing wrong with the message itself, so the
            # outbox keeps it for a later attempt once the server or the configuration is fixed.
            _quietly_close(smtp)
            raise ServerUnavailable(f"cannot open SMTP session with {self.host}:{self.port}: {exc}") from exc
        self._smtp = smtp
        self._last_used = time.monotonic()
        return smtp

    def _drop(self, *, polite: bool = False) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and polite:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
        _quietly_close(smtp)


class ServerUnavailable(TransportError):
    """No session could be opened; every message waiting for this server fails the same way.

    The outbox treats this as an outage of the server, not a fault of the message: it holds the whole
    queue back instead of counting the failure towards parking the message.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(detail, temporary=True)


def _quietly_close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()


class FileTransport:
    """Writes each message to ``<directory>/<Message-ID>.eml``, atomically.

    The name comes from the Message-ID, so sending the same message again replaces the file instead
    of adding a second one.  Files hold the exact bytes SMTP would carry (CRLF line endings).
    """

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def path_for(self, message_id: str) -> Path:
        """Where the message with this Message-ID is (or would be) written."""
        core = message_id.strip().strip("<>")
        safe = re.sub(r"[^A-Za-z0-9._@+-]", "_", core)[:150].lstrip(".")
        if safe != core:
            # Two different ids must not collapse onto one name after cleaning.
            safe = f"{safe}-{hashlib.sha256(message_id.encode()).hexdigest()[:12]}"
        return self.directory / f"{safe}.eml"

    async def send(self, message: Mail) -> None:
        """Write one message file."""
        await asyncio.to_thread(self._write, message)

    async def send_many(
        self, messages: Sequence[Mail], on_accepted: Accepted | None = None
    ) -> list[TransportError | None]:
        """Write several message files; one outcome per message."""
        return await asyncio.to_thread(self._write_batch, list(messages), on_accepted)

    async def aclose(self) -> None:
        """Nothing to release."""

    def _write_batch(self, messages: list[Mail], on_accepted: Accepted | None) -> list[TransportError | None]:
        outcomes: list[TransportError | None] = []
        for index, message in enumerate(messages):
            try:
                self._write(message)
            except TransportError as error:
                outcomes.append(error)
            else:
                outcomes.append(None)
                if on_accepted is not None:
                    on_accepted(index)
        return outcomes

    def _write(self, message: Mail) -> None:
        message_id = _message_id(message)
        if not message_id:
            raise TransportError("message has no Message-ID to name its file", temporary=False)
        target = self.path_for(message_id)
        data = message.data if isinstance(message, RawMail) else message.as_bytes(policy=email.policy.SMTP)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".eml")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp_name, target)  # readers see the old file or the new one, never half
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
                raise
        except OSError as exc:
            raise TransportError(f"cannot write {target}: {exc}", temporary=True) from exc


def transport_from_settings(mail: MailSettings) -> SmtpTransport | FileTransport:
    """SMTP when ``MARAC_SMTP_URL`` is set, otherwise files under the mail directory."""
    if mail.smtp_url:
        return SmtpTransport.from_url(mail.smtp_url)
    return FileTransport(mail.mail_dir)


__all__ = [
    "FileTransport",
    "Mail",
    "ServerUnavailable",
    "SmtpTransport",
    "StartTls",
    "Transport",
    "TransportError",
    "transport_from_settings",
]
