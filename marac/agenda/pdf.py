"""PDF copies of rendered Word documents, made by LibreOffice when it is installed.

LibreOffice is optional: the service works without it and offers .docx only.  Each conversion runs its own
``soffice`` with a fresh user profile in a temporary folder, because two conversions sharing a profile
block each other (or one silently does nothing).  The call blocks for a second or more: async code runs it
in a worker thread.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

from marac.errors import InvalidInput, Unavailable

SOFFICE_NAMES = ("soffice", "libreoffice")
DEFAULT_TIMEOUT = 120.0


def _soffice() -> str | None:
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    return None


def pdf_available() -> bool:
    """Whether LibreOffice (``soffice`` or ``libreoffice``) is on the PATH."""
    return _soffice() is not None


def to_pdf(docx: bytes, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Convert a .docx document to PDF bytes.

    Raises :class:`InvalidInput` for bytes that are not a .docx, and :class:`Unavailable` when
    LibreOffice is not installed, does not finish within ``timeout`` seconds, or cannot convert.
    """
    if not zipfile.is_zipfile(io.BytesIO(docx)):
        # LibreOffice would happily print anything else as plain text.
        raise InvalidInput.for_field("docx", "not a Word document")
    soffice = _soffice()
    if soffice is None:
        raise Unavailable("PDF copies need LibreOffice (soffice), which is not installed on this server")
    with tempfile.TemporaryDirectory(prefix="marac-pdf-") as folder:
        work = Path(folder)
        source = work / "document.docx"
        source.write_bytes(docx)
        command = [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        # LibreOffice may leave a child process behind: run it in its own session so that a timeout
        # ends the whole group.
        with subprocess.Popen(  # noqa: S603  # fixed arguments, the document is a file we wrote
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "HOME": str(work)},
        ) as process:
            try:
                _, errors = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise Unavailable(
                    f"LibreOffice did not convert the document within {timeout:g} seconds"
                ) from None
        pdf = work / "out" / "document.pdf"
        if process.returncode != 0 or not pdf.is_file():
            reason = errors.decode(errors="replace").strip()[-500:] or f"exit status {process.returncode}"
            raise Unavailable(f"LibreOffice could not convert the document: {reason}")
        return pdf.read_bytes()
