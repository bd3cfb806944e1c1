"""The shipped Word templates, and the checks an area's own templates must pass before use."""

from __future__ import annotations

import runpy
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from docx.oxml.ns import qn

from marac.agenda.documents import DocumentKind
from marac.agenda.template_checks import validate_template
from marac.errors import InvalidInput
from tests.documents.conftest import SHIPPED, edit_template, open_docx, shipped

REPO = Path(__file__).resolve().parents[2]
KINDS = list(DocumentKind)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_shipped_templates_pass_the_checks_for_their_kind(kind: DocumentKind) -> None:
    validate_template(shipped(kind.value), kind)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_shipped_templates_use_one_header_and_footer_for_every_page(kind: DocumentKind) -> None:
    document = open_docx(shipped(kind.value).read_bytes())

    assert not document.settings.odd_and_even_pages_header_footer
    for section in document.sections:
        assert not section.different_first_page_header_footer


def test_shipped_templates_are_what_the_build_script_makes(tmp_path: Path) -> None:
    build = runpy.run_path(str(REPO / "scripts" / "build_docx_templates.py"))
    assert build["main"](["build", str(tmp_path)]) == 0

    for kind in KINDS:
        with (
            zipfile.ZipFile(tmp_path / f"{kind.value}.docx") as built,
            zipfile.ZipFile(shipped(kind.value)) as ours,
        ):
            for name in ("word/document.xml", "word/header1.xml", "word/footer1.xml"):
                assert built.read(name) == ours.read(name), (
                    f"{kind.value}: {name} differs; rebuild the templates"
                )


def _replace(replacements: dict[str, str]) -> Callable[[Path, Path], None]:
    return lambda source, target: edit_template(source, target, replacements)


def _first_page_without_marking(source: Path, target: Path) -> None:
    document = open_docx(source.read_bytes())
    document.sections[0].different_first_page_header_footer = True
    document.sections[0].first_page_header.paragraphs[0].text = "Draft"
    document.save(str(target))


def _not_a_word_file(source: Path, target: Path) -> None:
    target.write_text("agenda")


# (template edited, checked as, what the message must name)
REJECTED: list[tuple[str, Callable[[Path, Path], None], DocumentKind, list[str]]] = [
    ("band left out", _replace({"{{ case.band }}": "high"}), DocumentKind.BRIEFING_PACK, ["cases[].band"]),
    (
        "note and reference left out",
        _replace({"{{ research.note }}": "", "ref {{ recipient.reference }}": ""}),
        DocumentKind.BRIEFING_PACK,
        ["cases[].research[].note", "recipient.reference"],
    ),
    (
        "misspelt field",
        _replace({"{{ conference.chair }}": "{{ conference.host }}"}),
        DocumentKind.AGENDA,
        ["conference.chair", "conference.host"],
    ),
    (
        "unknown part of a time",
        _replace({"{{ conference.starts_at.date }}": "{{ conference.starts_at.day }}"}),
        DocumentKind.MINUTES,
        ["conference.starts_at.day"],
    ),
    ("unknown name", _replace({"{{ version }}": "{{ issue }}"}), DocumentKind.AGENDA, ["version", "issue"]),
    (
        "marking removed",
        _replace({"{{ marking }}": "OFFICIAL"}),
        DocumentKind.MINUTES,
        ["header of section 1", "footer of section 1"],
    ),
    (
        "first page unmarked",
        _first_page_without_marking,
        DocumentKind.MINUTES,
        ["first-page header of section 1"],
    ),
    ("another document", _replace({}), DocumentKind.ACTION_LOG, ["actions[].reference", "attendance"]),
    ("broken tag", _replace({"{{ case.outcome }}": "{{ case.outcome }"}), DocumentKind.MINUTES, ["minutes"]),
    ("not a Word file", _not_a_word_file, DocumentKind.AGENDA, ["not a readable Word file"]),
]


@pytest.mark.parametrize(("edit", "kind", "named"), [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED])
def test_templates_that_would_leak_or_leave_blanks_are_refused_naming_every_problem(
    tmp_path: Path, edit: Callable[[Path, Path], None], kind: DocumentKind, named: list[str]
) -> None:
    source = shipped("minutes" if kind is DocumentKind.ACTION_LOG else kind.value)
    template = tmp_path / f"{kind.value}.docx"
    edit(source, template)

    with pytest.raises(InvalidInput) as refused:
        validate_template(template, kind)

    for name in named:
        assert name in refused.value.detail


def test_each_problem_is_listed_as_a_field_problem(tmp_path: Path) -> None:
    template = tmp_path / "briefing_pack.docx"
    edit_template(shipped("briefing_pack"), template, {"{{ case.band }}": "", "{{ marking }}": ""})

    with pytest.raises(InvalidInput) as refused:
        validate_template(template, "briefing_pack")

    fields = [problem.field for problem in refused.value.errors]
    assert fields == ["cases[].band", "marking", "marking"]


def test_footer_has_page_numbers_and_the_recipient_reference() -> None:
    for kind in KINDS:
        footer = open_docx(shipped(kind.value).read_bytes()).sections[0].footer._element
        text = "".join(node.text or "" for node in footer.iter(qn("w:t")))
        assert "{{ recipient.reference }}" in text
        assert [node.text.strip() for node in footer.iter(qn("w:instrText"))] == ["PAGE", "NUMPAGES"]


def test_shipped_folder_holds_exactly_the_four_documents() -> None:
    assert sorted(path.name for path in SHIPPED.glob("*.docx")) == sorted(
        f"{kind.value}.docx" for kind in KINDS
    )
