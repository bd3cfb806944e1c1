"""Rendered documents as a recipient opens them: marked on every page, traceable, only their cases."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from docx.oxml.ns import qn

from marac.agenda.docx import DocContext, DocumentKind, render
from marac.errors import InvalidInput
from tests.documents.conftest import (
    STATEMENT,
    action_log_doc,
    agenda_doc,
    case_ref,
    conference,
    edit_template,
    minutes_doc,
    open_docx,
    pack_case,
    pack_doc,
    recipient,
    shipped,
)
from tests.documents.reading import body_text, headers_and_footers, paragraphs

LISTED = [1, 2, 3]
NOT_LISTED = case_ref(7)

DOCUMENTS: list[tuple[DocumentKind, DocContext]] = [
    (DocumentKind.AGENDA, agenda_doc(LISTED, notification=[9])),
    (DocumentKind.BRIEFING_PACK, pack_doc(LISTED)),
    (DocumentKind.MINUTES, minutes_doc(LISTED)),
    (DocumentKind.ACTION_LOG, action_log_doc(LISTED)),
]


@pytest.mark.parametrize(("kind", "context"), DOCUMENTS, ids=[kind.value for kind, _ in DOCUMENTS])
def test_every_header_and_footer_carries_the_marking_and_the_footer_the_recipient(
    kind: DocumentKind, context: DocContext
) -> None:
    document = open_docx(render(kind, context))

    for where, part in headers_and_footers(document):
        assert not part.is_linked_to_previous, where
        assert "OFFICIAL-SENSITIVE" in paragraphs(part._element), where
    footer = "\n".join(paragraphs(document.sections[0].footer._element))
    assert f"Prepared for Sam Jones, Police — ref {recipient().reference}" in footer
    assert STATEMENT in footer
    instructions = [
        node.text.strip() for node in document.sections[0].footer._element.iter(qn("w:instrText"))
    ]
    assert instructions == ["PAGE", "NUMPAGES"]  # "Page X of Y" as fields Word fills in


@pytest.mark.parametrize(("kind", "context"), DOCUMENTS, ids=[kind.value for kind, _ in DOCUMENTS])
def test_lists_the_cases_of_the_context_and_no_other(kind: DocumentKind, context: DocContext) -> None:
    text = body_text(open_docx(render(f"{kind.value}.docx", context)))

    for number in LISTED:
        assert case_ref(number) in text
    assert NOT_LISTED not in text
    assert "{{" not in text
    assert "{%" not in text


def test_a_different_marking_is_printed_instead_of_the_default() -> None:
    document = open_docx(render("briefing_pack", replace(pack_doc([1]), marking="OFFICIAL")))

    for where, part in headers_and_footers(document):
        assert paragraphs(part._element)[0] == "OFFICIAL", where
    assert "OFFICIAL-SENSITIVE" not in body_text(document)


def test_agenda_shows_sections_in_order_with_time_slots_and_the_notification_only_cases() -> None:
    text = body_text(open_docx(render("agenda", agenda_doc([1, 2], notification=[9]))))

    assert "Agenda version 2" in text
    assert "Tuesday 12 March 2024" in text
    order = ["Introductions", "10:15\u201310:30", case_ref(1), case_ref(2), "Notification only", case_ref(9)]
    positions = [text.index(marker) for marker in [*order, "Any other business"]]
    assert positions == sorted(positions)
    assert "for notification only, not discussed" in text
    assert "https://meet.example.org/marac" in text


def test_pack_shows_each_case_with_its_actions_and_shared_research() -> None:
    text = body_text(open_docx(render("briefing_pack", pack_doc([3]))))

    for expected in [
        "Visible high risk, Repeat",
        "DASH-style checklist v1: 16 of 24 yes",
        "13 June 2023",  # previous MARAC
        "Make a safety visit",
        "Ali Khan",
        "26 March 2024",
        "information held",
        "Known to the service since 2022.",
        "Ann Lee",
        "IDVA service",
    ]:
        assert expected in text


def test_minutes_show_attendance_with_deputies_and_keep_line_breaks_in_notes() -> None:
    document = open_docx(render("minutes", minutes_doc([1], notes="First line\nSecond line\tafter a tab")))
    text = body_text(document)

    assert "deputy for Ali Khan" in text
    assert "apologies" in text
    note = next(p for p in document.element.body.iter(qn("w:p")) if "First line" in "".join(paragraphs(p)))
    assert len(list(note.iter(qn("w:br")))) == 1
    assert len(list(note.iter(qn("w:tab")))) == 1


def test_text_is_printed_literally_not_as_markup() -> None:
    hostile = 'Note <b>&amp; "quoted" </w:t><w:t>x'
    context = replace(pack_doc([1]), cases=(pack_case(1, note=hostile),))

    document = open_docx(render("briefing_pack", context))

    assert hostile in body_text(document)
    assert not list(document.element.body.iter("b"))


def test_characters_xml_cannot_hold_are_dropped_rather_than_breaking_the_document() -> None:
    context = replace(pack_doc([1]), cases=(pack_case(1, note="bell\x07 and\x0bvertical tab"),))

    assert "bell and" + "vertical tab" in body_text(open_docx(render("briefing_pack", context)))


def test_times_are_shown_in_the_area_timezone_across_the_clock_change() -> None:
    summer = datetime(2024, 7, 9, 9, 0, tzinfo=UTC)  # 10:00 British Summer Time
    meeting = replace(conference(), starts_at=summer, ends_at=summer + timedelta(hours=3))

    text = body_text(open_docx(render("minutes", replace(minutes_doc([1]), conference=meeting))))

    assert "Tuesday 9 July 2024" in text
    assert "10:00 to 13:00" in text


def test_naive_datetimes_are_refused() -> None:
    naive = replace(conference(), starts_at=datetime(2024, 3, 12, 10, 0))

    with pytest.raises(ValueError, match="naive"):
        render("minutes", replace(minutes_doc([1]), conference=naive))


def test_a_name_the_template_uses_but_the_context_lacks_is_an_error_not_a_blank(tmp_path: Path) -> None:
    edit_template(
        shipped("agenda"), tmp_path / "agenda.docx", {"{{ conference.chair }}": "{{ conference.host }}"}
    )

    with pytest.raises(InvalidInput, match="host"):
        render("agenda", agenda_doc([1]), template_dir=tmp_path)


def test_an_area_template_is_used_and_missing_ones_come_from_the_shipped_set(tmp_path: Path) -> None:
    edit_template(
        shipped("agenda"), tmp_path / "agenda.docx", {"Agenda version ": "Northshire agenda, issue "}
    )

    agenda = body_text(open_docx(render("agenda", agenda_doc([1]), template_dir=tmp_path)))
    minutes = body_text(open_docx(render("minutes", minutes_doc([1]), template_dir=tmp_path)))

    assert "Northshire agenda, issue 2" in agenda
    assert "MARAC minutes" in minutes


def test_a_changed_area_template_is_picked_up(tmp_path: Path) -> None:
    shutil.copy(shipped("agenda"), tmp_path / "agenda.docx")
    render("agenda", agenda_doc([1]), template_dir=tmp_path)
    edit_template(shipped("agenda"), tmp_path / "agenda.docx", {"Agenda version ": "Issue "})

    assert "Issue 2" in body_text(open_docx(render("agenda", agenda_doc([1]), template_dir=tmp_path)))


@pytest.mark.parametrize("name", ["agenda.doc", "letters", "../agenda"])
def test_unknown_documents_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput, match="unknown document"):
        render(name, agenda_doc([1]))


def test_a_context_of_another_document_is_refused() -> None:
    with pytest.raises(TypeError, match="AgendaDoc"):
        render("agenda", minutes_doc([1]))
