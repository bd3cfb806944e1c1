"""Reading rendered Word documents as a recipient would: body text, headers and footers."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn


def open_docx(data: bytes) -> DocxDocument:
    """The document as python-docx sees it (which also proves it is a valid .docx)."""
    return Document(io.BytesIO(data))


def paragraphs(element: Any) -> list[str]:
    """The text of every paragraph under ``element``, tables included."""
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in element.iter(qn("w:p"))]


def body_text(document: Any) -> str:
    return "\n".join(paragraphs(document.element.body))


def headers_and_footers(document: Any) -> list[tuple[str, Any]]:
    """Every header and footer each section shows, including first-page and even-page ones in use."""
    shown = []
    for number, section in enumerate(document.sections, start=1):
        kinds = ["header", "footer"]
        if section.different_first_page_header_footer:
            kinds += ["first_page_header", "first_page_footer"]
        if document.settings.odd_and_even_pages_header_footer:
            kinds += ["even_page_header", "even_page_footer"]
        shown += [(f"{kind} of section {number}", getattr(section, kind)) for kind in kinds]
    return shown


def assert_marked_and_addressed(document: Any, marking: str, prepared_for: str) -> None:
    """The marking in every header and footer in use, and the recipient line in every footer."""
    parts = headers_and_footers(document)
    assert parts
    for where, part in parts:
        shown = "\n".join(paragraphs(part._element))
        assert marking in shown, f"{where} lacks the marking"
        if "footer" in where:
            assert prepared_for in shown, f"{where} does not name the recipient"
