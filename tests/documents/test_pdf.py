"""PDF copies through LibreOffice: the case references and the marking survive conversion."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from marac.agenda.docx import DocContext, DocumentKind, render
from marac.agenda.pdf import pdf_available, to_pdf
from marac.errors import InvalidInput, Unavailable
from tests.documents.conftest import action_log_doc, agenda_doc, case_ref, minutes_doc, pack_doc

DOCUMENTS: list[tuple[DocumentKind, DocContext]] = [
    (DocumentKind.AGENDA, agenda_doc([1, 2], notification=[9])),
    (DocumentKind.BRIEFING_PACK, pack_doc([1, 2])),
    (DocumentKind.MINUTES, minutes_doc([1, 2])),
    (DocumentKind.ACTION_LOG, action_log_doc([1, 2])),
]

needs_libreoffice = pytest.mark.skipif(not pdf_available(), reason="LibreOffice (soffice) is not installed")


@pytest.mark.libreoffice
@needs_libreoffice
@pytest.mark.parametrize(("kind", "context"), DOCUMENTS, ids=[kind.value for kind, _ in DOCUMENTS])
def test_pdf_copy_shows_the_cases_and_the_marking_on_every_page(
    kind: DocumentKind, context: DocContext
) -> None:
    pdf = PdfReader(io.BytesIO(to_pdf(render(kind, context))))

    pages = [page.extract_text() for page in pdf.pages]
    text = "\n".join(pages)
    assert case_ref(1) in text
    assert case_ref(2) in text
    assert case_ref(7) not in text
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") == 2, f"page {number}: header and footer"
        assert f"Page {number} of {len(pages)}" in page


def test_something_that_is_not_a_document_is_refused_rather_than_printed_as_text() -> None:
    with pytest.raises(InvalidInput, match="not a Word document"):
        to_pdf(b"not a word document")


def test_without_libreoffice_pdf_is_reported_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    assert not pdf_available()
    with pytest.raises(Unavailable, match="LibreOffice"):
        to_pdf(render("agenda", agenda_doc([1])))
