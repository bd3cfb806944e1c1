"""The action log as an Excel workbook, for coordinators and chairs who track actions in a spreadsheet.

Made from the same :class:`~marac.agenda.documents.ActionLogDoc` as the Word action log, so both show
the same actions.  The sheet carries the protective marking in its printed header and footer and in
its first row, names the person it was prepared for with the copy reference (a leaked copy can be
traced), and holds the confidentiality statement.  Every text is stored as text, never as a formula,
so a description such as ``=HYPERLINK(…)`` is shown, not run.  Deadlines are real dates, so the
sheet sorts and filters.
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from marac.agenda.documents import ActionEntry, ActionLogDoc
from marac.clock import ensure_utc

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (heading, width in characters)
COLUMNS: tuple[tuple[str, int], ...] = (
    ("Ref", 10),
    ("Case", 14),
    ("Description", 60),
    ("Owner agency", 28),
    ("Person", 22),
    ("Deadline", 13),
    ("Status", 14),
    ("Last report", 13),
)
_DATE_FORMAT = "d mmm yyyy"
_BOLD = Font(bold=True)
_MARKING = Font(bold=True, color="C00000")
_HEADING_FILL = PatternFill("solid", fgColor="D9E1F2")


def _text(value: str) -> str:
    # Characters XML forbids would make the workbook unreadable; drop them as the Word renderer does.
    return str(ILLEGAL_CHARACTERS_RE.sub("", value))


def _row(action: ActionEntry) -> list[object]:
    return [
        action.reference,
        action.case_reference,
        action.description,
        action.owner_agency,
        action.owner_person or "",
        action.deadline,
        action.status,
        action.last_report,
    ]


def action_log_workbook(log: ActionLogDoc) -> bytes:
    """The action log as .xlsx bytes (one sheet, "Action log")."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "Action log"
    zone = ZoneInfo(log.area.timezone)
    as_of = ensure_utc(log.as_of).astimezone(zone)
    prepared = f"Prepared for {log.recipient.name}, {log.recipient.agency} — ref {log.recipient.reference}"
    lead = [
        (log.marking, _MARKING),
        (f"MARAC action log — {log.area.name}", Font(bold=True, size=14)),
        (f"{log.title} — as at {as_of.day} {as_of:%B %Y, %H:%M}", _BOLD),
        (prepared, None),
        (log.area.confidentiality_statement, None),
    ]
    for number, (text, font) in enumerate(lead, start=1):
        cell = sheet.cell(row=number, column=1, value=_text(text))
        cell.data_type = "s"
        if font is not None:
            cell.font = font
    header_row = len(lead) + 2
    for column, (heading, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=header_row, column=column, value=heading)
        cell.font, cell.fill = _BOLD, _HEADING_FILL
        sheet.column_dimensions[get_column_letter(column)].width = width
    for offset, action in enumerate(log.actions, start=1):
        for column, value in enumerate(_row(action), start=1):
            cell = sheet.cell(row=header_row + offset, column=column)
            if isinstance(value, str):
                cell.value = _text(value)
                cell.data_type = "s"  # text stays text: never evaluated as a formula
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.value = value
                cell.number_format = _DATE_FORMAT
                cell.alignment = Alignment(vertical="top")
    if not log.actions:
        sheet.cell(row=header_row + 1, column=1, value="No actions.")
    last_row = header_row + max(1, len(log.actions))
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(COLUMNS))}{last_row}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    # Printed on every page: the marking in header and footer, who it is for, page X of Y.
    marking = log.marking.replace("&", "&&")
    sheet.oddHeader.center.text = marking
    sheet.oddFooter.center.text = f"{marking} — page &P of &N"
    sheet.oddFooter.left.text = prepared.replace("&", "&&")
    book.properties.title = f"MARAC action log — {log.area.name}"
    book.properties.creator = "marac"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
