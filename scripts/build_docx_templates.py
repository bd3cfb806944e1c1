"""Build the shipped Word templates under ``templates/docx/``.

The templates are ordinary .docx files that a coordinator can open and restyle in Word; the Jinja tags
inside them (``{{ }}``, ``{%p %}`` paragraph tags and ``{%tr %}`` table-row tags) are rendered by
:mod:`marac.agenda.docx`.  This script lays them out once with python-docx so that the layout is
reviewable as code and can be rebuilt after a change::

    .venv/bin/python scripts/build_docx_templates.py [OUT_DIR]

Every section carries the protective marking in its header and footer, and the footer also carries
"Page X of Y" (real PAGE/NUMPAGES fields), the per-recipient reference and the area's confidentiality
statement, so that a leaked copy can be traced.  Different-first-page and odd/even headers are switched
off so that "every page" holds without relying on Word's defaults.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as Doc
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row, CT_Tc
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "templates" / "docx"

MARKING_RED = RGBColor(0xC0, 0x00, 0x00)
FOOTER_SIZE = Pt(8)


# --- layout helpers ---------------------------------------------------------------------------------


def _field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """Append a complex field (``PAGE``, ``NUMPAGES``) that Word and LibreOffice update on display."""
    for kind in ("begin", "instr", "separate", "text", "end"):
        run = paragraph.add_run()
        run.font.size = FOOTER_SIZE
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {instruction} "
            run._r.append(instr)
        elif kind == "text":
            run.text = placeholder
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


def _marking_paragraph(paragraph: Paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run("{{ marking }}")
    run.bold = True
    run.font.size = Pt(11)
    run.font.color.rgb = MARKING_RED


def _small(paragraph: Paragraph, text: str, *, size: float = 7.5) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.font.size = Pt(size)


def mark_every_page(document: Doc) -> None:
    """Put the marking, page numbers, recipient reference and statement on every page of every section."""
    for section in document.sections:
        section.different_first_page_header_footer = False
        header = section.header
        header.is_linked_to_previous = False
        _marking_paragraph(header.paragraphs[0])

        footer = section.footer
        footer.is_linked_to_previous = False
        _marking_paragraph(footer.paragraphs[0])
        pages = footer.add_paragraph()
        pages.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pages.add_run("Page ").font.size = FOOTER_SIZE
        _field(pages, "PAGE", "1")
        pages.add_run(" of ").font.size = FOOTER_SIZE
        _field(pages, "NUMPAGES", "1")
        _small(
            footer.add_paragraph(),
            "Prepared for {{ recipient.name }}, {{ recipient.agency }} — ref {{ recipient.reference }}",
            size=8,
        )
        _small(footer.add_paragraph(), "{{ area.confidentiality_statement }}")
        for paragraph in (*header.paragraphs, *footer.paragraphs):
            paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
    # Odd/even headers would need a second set of parts; keep one header for all pages.
    settings = document.settings.element
    for node in settings.findall(qn("w:evenAndOddHeaders")):
        settings.remove(node)


def new_document(*, landscape: bool = False) -> Doc:
    """A blank A4 document with the house styles."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.top_margin = section.bottom_margin = Cm(2.0)
    section.header_distance = section.footer_distance = Cm(0.8)
    return document


def tag(document: Doc, text: str) -> None:
    """A paragraph holding only a ``{%p ... %}`` tag; docxtpl removes the paragraph when rendering."""
    document.add_paragraph(text)


def field_table(document: Doc, rows: Sequence[tuple[str, str]]) -> Table:
    """A two-column label/value table for one record's details."""
    table: Table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = _add_row(table).cells
        cells[0].text = label
        cells[0].paragraphs[0].runs[0].bold = True
        cells[1].text = value
    _widths(table, (Cm(5.0), Cm(12.0)))
    return table


def loop_table(
    document: Doc,
    headings: Sequence[str],
    loop: str,
    cells: Sequence[str],
    *,
    empty: str | None = None,
    widths: Sequence[Cm] | None = None,
) -> Table:
    """A table with a heading row and one row per item of ``loop`` (``{%tr for ... %}``).

    ``empty`` is shown in a single row when the loop has no items (Jinja's ``for … else``).
    """
    table: Table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, heading in zip(table.rows[0].cells, headings, strict=True):
        cell.text = heading
        cell.paragraphs[0].runs[0].bold = True
        _shade(cell._tc, "D9D9D9")
    _repeat_header(table.rows[0]._tr)
    _add_row(table).cells[0].text = f"{{%tr for {loop} %}}"
    for cell, text in zip(_add_row(table).cells, cells, strict=True):
        cell.text = text
    if empty is not None:
        _add_row(table).cells[0].text = "{%tr else %}"
        row = _add_row(table)
        merged = row.cells[0].merge(row.cells[-1]) if len(headings) > 1 else row.cells[0]
        merged.text = empty
    _add_row(table).cells[0].text = "{%tr endfor %}"
    if widths is not None:
        _widths(table, widths)
    return table


def _add_row(table: Table) -> _Row:
    row: _Row = table.add_row()  # type: ignore[no-untyped-call]
    return row


def _widths(table: Table, widths: Sequence[Cm]) -> None:
    """Fix column widths in the grid (LibreOffice reads it) and in every cell (Word reads those)."""
    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=False):
        column.w = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width


def _shade(tc: CT_Tc, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc.get_or_add_tcPr().append(shading)


def _repeat_header(tr: CT_Row) -> None:
    """Repeat the heading row on every page a long table runs over."""
    header = OxmlElement("w:tblHeader")
    tr.get_or_add_trPr().append(header)


def heading(document: Doc, text: str, level: int, *, new_page: bool = False) -> Paragraph:
    paragraph: Paragraph = document.add_heading(text, level=level)
    paragraph.paragraph_format.page_break_before = new_page
    return paragraph


def statement_box(document: Doc) -> None:
    heading(document, "Confidentiality", 2)
    document.add_paragraph("{{ area.confidentiality_statement }}")


def conference_table(document: Doc) -> None:
    field_table(
        document,
        [
            ("Area", "{{ area.name }}"),
            ("Date", "{{ conference.starts_at.date }}"),
            ("Time", "{{ conference.starts_at.time }} to {{ conference.ends_at.time }}"),
            ("Location", "{{ conference.location }}"),
            ("Online", "{% if conference.online_link %}{{ conference.online_link }}{% else %}—{% endif %}"),
            ("Chair", "{{ conference.chair }}"),
        ],
    )


def title_block(document: Doc, title: str) -> None:
    paragraph: Paragraph = document.add_heading(title, level=0)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    document.add_paragraph(
        "Generated {{ generated_at }} for {{ recipient.name }} ({{ recipient.agency }}). "
        "Do not copy or forward; destroy when no longer needed."
    ).runs[0].italic = True


ACTION_HEADINGS = ("Ref", "Description", "Owner agency", "Person", "Deadline", "Status")


def action_rows(document: Doc, loop: str, item: str, *, empty: str) -> None:
    loop_table(
        document,
        ACTION_HEADINGS,
        loop,
        [
            f"{{{{ {item}.reference }}}}",
            f"{{{{ {item}.description }}}}",
            f"{{{{ {item}.owner_agency }}}}",
            f"{{{{ {item}.owner_person }}}}",
            f"{{{{ {item}.deadline }}}}",
            f"{{{{ {item}.status }}}}",
        ],
        empty=empty,
        widths=(Cm(1.6), Cm(6.4), Cm(2.8), Cm(2.4), Cm(2.2), Cm(1.8)),
    )


def agenda_table(document: Doc) -> None:
    """The agenda in order: one heading row per section, then its cases with their time slots."""
    table = loop_table(
        document,
        ("Time", "Item", "Referred by", "Repeat"),
        "section in sections",
        [
            "{{ section.starts_at.time }}",
            "{{ section.title }}{% if section.notification_only %} (for notification only, "
            "not discussed){% endif %}",
            "",
            "",
        ],
        widths=(Cm(2.6), Cm(8.4), Cm(4.0), Cm(2.0)),
    )
    for cell in table.rows[2].cells:  # the section's own row stands out from its cases
        for run in cell.paragraphs[0].runs:
            run.bold = True
        _shade(cell._tc, "F2F2F2")
    # Nested loop over the cases of the section, inserted before the section loop's endfor row.
    end_row = table.rows[-1]._tr
    for text_cells in (
        ["{%tr for entry in section.entries %}", "", "", ""],
        [
            "{% if entry.starts_at %}{{ entry.starts_at.time }}\u2013{{ entry.ends_at.time }}"
            "{% else %}notification{% endif %}",
            "Case {{ entry.case_reference }}",
            "{{ entry.referring_agency }}",
            "{% if entry.repeat %}Repeat{% else %}—{% endif %}",
        ],
        ["{%tr endfor %}", "", "", ""],
    ):
        row = _add_row(table)
        for cell, text in zip(row.cells, text_cells, strict=True):
            cell.text = text
        end_row.addprevious(row._tr)


# --- the four documents -----------------------------------------------------------------------------


def build_agenda() -> Doc:
    document = new_document()
    title_block(document, "MARAC agenda — {{ area.name }}")
    document.add_paragraph("Agenda version {{ version }}")
    conference_table(document)
    statement_box(document)
    heading(document, "Agenda", 1)
    agenda_table(document)
    document.add_paragraph(
        "Cases for notification only are listed for information; they are not discussed unless a member asks."
    )
    mark_every_page(document)
    return document


def build_briefing_pack() -> Doc:
    document = new_document()
    title_block(document, "MARAC briefing pack — {{ area.name }}")
    document.add_paragraph("Agenda version {{ agenda_version }}")
    conference_table(document)
    statement_box(document)
    heading(document, "Attendees", 2)
    loop_table(
        document,
        ("Name", "Agency", "Role"),
        "person in attendees",
        ["{{ person.name }}", "{{ person.agency }}", "{{ person.role }}"],
        empty="No attendees recorded.",
        widths=(Cm(6.0), Cm(6.0), Cm(5.0)),
    )
    heading(document, "Agenda summary", 2)
    agenda_table(document)

    tag(document, "{%p for case in cases %}")
    heading(document, "Case {{ case.reference }} — {{ case.section }}", 1, new_page=True)
    field_table(
        document,
        [
            ("Case reference", "{{ case.reference }}"),
            ("Section", "{{ case.section }}"),
            ("Time on agenda", "{% if case.starts_at %}{{ case.starts_at.time }}{% else %}—{% endif %}"),
            ("Referring agency", "{{ case.referring_agency }}"),
            ("Referred on", "{{ case.referred_on }}"),
            ("Criteria", "{{ case.criteria|join(', ') }}"),
            ("Risk assessment", "{{ case.instrument }}: {{ case.result }}"),
            ("Risk band", "{{ case.band }}"),
            ("Repeat referral", "{% if case.repeat %}Yes{% else %}No{% endif %}"),
            (
                "Previous MARAC dates",
                "{% if case.previous_marac_dates %}{{ case.previous_marac_dates|join(', ') }}"
                "{% else %}None{% endif %}",
            ),
            ("Children in household", "{{ case.children_in_household }}"),
        ],
    )
    heading(document, "Open actions", 2)
    action_rows(document, "action in case.actions", "action", empty="No open actions on this case.")
    heading(document, "Research by agency", 2)
    loop_table(
        document,
        ("Agency", "Status", "Note shared by the agency"),
        "research in case.research",
        ["{{ research.agency }}", "{{ research.status }}", "{{ research.note }}"],
        empty="No research recorded yet.",
        widths=(Cm(4.5), Cm(3.5), Cm(9.0)),
    )
    tag(document, "{%p endfor %}")
    mark_every_page(document)
    return document


def build_minutes() -> Doc:
    document = new_document()
    title_block(document, "MARAC minutes — {{ area.name }}")
    conference_table(document)
    statement_box(document)
    heading(document, "Attendance", 1)
    loop_table(
        document,
        ("Name", "Agency", "Attendance"),
        "person in attendance",
        [
            "{{ person.name }}",
            "{{ person.agency }}",
            "{{ person.status }}{% if person.deputy_for %} for {{ person.deputy_for }}{% endif %}",
        ],
        empty="No attendance recorded.",
        widths=(Cm(6.0), Cm(6.0), Cm(5.0)),
    )
    tag(document, "{%p for case in cases %}")
    heading(document, "Case {{ case.reference }} — {{ case.section }}", 1)
    field_table(document, [("Case reference", "{{ case.reference }}"), ("Outcome", "{{ case.outcome }}")])
    heading(document, "Minutes", 2)
    document.add_paragraph("{{ case.notes }}")
    heading(document, "Actions agreed", 2)
    action_rows(document, "action in case.actions", "action", empty="No actions agreed.")
    tag(document, "{%p endfor %}")
    mark_every_page(document)
    return document


def build_action_log() -> Doc:
    document = new_document(landscape=True)
    title_block(document, "MARAC action log — {{ area.name }}")
    document.add_paragraph("{{ title }} — as at {{ as_of }}")
    loop_table(
        document,
        ("Ref", "Case", "Description", "Owner agency", "Person", "Deadline", "Status", "Last report"),
        "action in actions",
        [
            "{{ action.reference }}",
            "{{ action.case_reference }}",
            "{{ action.description }}",
            "{{ action.owner_agency }}",
            "{{ action.owner_person }}",
            "{{ action.deadline }}",
            "{{ action.status }}",
            "{% if action.last_report %}{{ action.last_report }}{% else %}none{% endif %}",
        ],
        empty="No actions.",
        widths=(Cm(1.8), Cm(3.0), Cm(7.6), Cm(3.2), Cm(3.0), Cm(2.4), Cm(2.2), Cm(2.4)),
    )
    mark_every_page(document)
    return document


BUILDERS = {
    "agenda.docx": build_agenda,
    "briefing_pack.docx": build_briefing_pack,
    "minutes.docx": build_minutes,
    "action_log.docx": build_action_log,
}


# Parts of python-docx's default template that only add weight: a stock thumbnail that would show
# another document in file browsers, Word 2010's duplicate style sheet and an empty custom-XML item.
UNUSED_RELATIONSHIPS = ("/thumbnail", "/stylesWithEffects", "/customXml")


def drop_unused_parts(document: Doc) -> None:
    """Remove parts that every render would otherwise carry (and zip) for nothing."""
    package = document.part.package
    for rels in (package.rels, document.part.rels):
        for rel_id, rel in list(rels.items()):
            if rel.reltype.endswith(UNUSED_RELATIONSHIPS):
                del rels[rel_id]


def stable_bytes(document: Doc) -> bytes:
    """The saved document with fixed zip timestamps: rebuilding unchanged templates changes no byte."""
    saved = io.BytesIO()
    document.save(saved)
    stable = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(stable, "w") as target:
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=(2024, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(item))
    return stable.getvalue()


def main(argv: Sequence[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        document = build()
        drop_unused_parts(document)
        properties = document.core_properties
        properties.title = f"MARAC {name.removesuffix('.docx').replace('_', ' ')}"
        properties.author = "marac"
        # No braces here: docxtpl fills the document properties in as templates too.
        properties.comments = "Template: edit freely in Word, but keep the tags in double braces."
        properties.created = properties.modified = datetime(2024, 1, 1, tzinfo=UTC)
        (out / name).write_bytes(stable_bytes(document))
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
