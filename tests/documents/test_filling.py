"""Documents filled in from a prepared template are the documents docxtpl itself makes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from marac.agenda.docx import DocContext, DocumentKind, render, template_namespace, template_path
from marac.agenda.docx_filling import fill_with_docxtpl, prepare
from marac.errors import InvalidInput
from tests.documents.conftest import (
    action_log_doc,
    agenda_doc,
    edit_template,
    minutes_doc,
    open_docx,
    pack_case,
    pack_doc,
    shipped,
)
from tests.documents.reading import body_text

MULTI_LINE = "First line\nSecond line\twith a tab & <markup>"
DOCUMENTS: list[tuple[DocumentKind, DocContext]] = [
    (DocumentKind.AGENDA, agenda_doc([1, 2], notification=[9])),
    (DocumentKind.BRIEFING_PACK, pack_doc([1, 2])),
    (DocumentKind.MINUTES, minutes_doc([1, 2], notes=MULTI_LINE)),
    (DocumentKind.ACTION_LOG, action_log_doc([1, 2])),
]


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def _canonical(xml: bytes) -> bytes:
    return bytes(etree.tostring(etree.fromstring(xml), method="c14n"))


@pytest.mark.parametrize(("kind", "context"), DOCUMENTS, ids=[kind.value for kind, _ in DOCUMENTS])
def test_each_part_is_what_docxtpl_writes(kind: DocumentKind, context: DocContext) -> None:
    names = template_namespace(context)
    template = template_path(kind).read_bytes()
    prepared = prepare(template)
    assert prepared.package is not None  # the shipped templates need none of docxtpl's tree work

    ours, docxtpl = _parts(prepared.fill(names)), _parts(fill_with_docxtpl(template, names))

    assert set(ours) == set(docxtpl)
    for name, xml in docxtpl.items():
        if name == "word/document.xml":  # written by us, not re-serialised by lxml: the same XML
            assert _canonical(ours[name]) == _canonical(xml)
        else:
            assert ours[name] == xml, name


def test_a_template_whose_tags_break_the_document_is_refused(tmp_path: Path) -> None:
    edit_template(shipped("agenda"), tmp_path / "agenda.docx", {"Agenda version ": "{{ '<w:p>'|safe }}"})

    with pytest.raises(InvalidInput, match=r"agenda.docx makes a broken document: word/document.xml"):
        render("agenda", agenda_doc([1]), template_dir=tmp_path)


def test_document_properties_with_tags_are_filled_in_by_docxtpl(tmp_path: Path) -> None:
    document = open_docx(shipped("briefing_pack").read_bytes())
    document.core_properties.title = "Briefing pack for {{ recipient.agency }}"
    document.save(str(tmp_path / "briefing_pack.docx"))
    context = pack_doc([1])

    assert prepare((tmp_path / "briefing_pack.docx").read_bytes()).package is None
    filled = open_docx(render("briefing_pack", context, template_dir=tmp_path))

    assert filled.core_properties.title == "Briefing pack for Police"
    assert pack_case(1).reference in body_text(filled)
