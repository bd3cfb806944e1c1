"""Small factories for document contexts: a realistic conference in Europe/London."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from marac.agenda.documents import (
    ActionEntry,
    ActionLogDoc,
    AgendaDoc,
    AgendaEntry,
    AgendaSection,
    AreaInfo,
    AttendanceEntry,
    Attendee,
    ConferenceInfo,
    MinutesCase,
    MinutesDoc,
    PackCase,
    PackDoc,
    Recipient,
    ResearchEntry,
)
from marac.settings import get_settings

STARTS = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)  # 10:00 GMT, before the clocks change
GENERATED = datetime(2024, 3, 8, 9, 30, tzinfo=UTC)
SHIPPED = Path(__file__).resolve().parents[2] / "templates" / "docx"
STATEMENT = "Information shared at this MARAC is confidential and used only to keep victims safe."


@pytest.fixture(autouse=True)
def _settings_without_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keys from the environment, so that reading settings writes nothing under ``var/``."""
    monkeypatch.setenv("MARAC_SECRET_KEY", "test-secret")
    monkeypatch.setenv("MARAC_DATA_KEY", "test-data-key")
    monkeypatch.delenv("MARAC_TEMPLATES_DIR", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def area() -> AreaInfo:
    return AreaInfo(name="Northshire", timezone="Europe/London", confidentiality_statement=STATEMENT)


def conference() -> ConferenceInfo:
    return ConferenceInfo(
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=4),
        location="Room 2, Civic Centre",
        chair="DI Jane Marsh",
        online_link="https://meet.example.org/marac",
    )


def recipient(agency: str = "Police") -> Recipient:
    return Recipient(name="Sam Jones", agency=agency, reference=f"MARAC-20240312-{agency[:3].upper()}-01")


def case_ref(number: int) -> str:
    return f"NS-2024-{number:04d}"


def action(number: int, case_number: int, *, description: str = "Make a safety visit") -> ActionEntry:
    return ActionEntry(
        reference=f"A{number}",
        case_reference=case_ref(case_number),
        description=description,
        owner_agency="Housing",
        owner_person="Ali Khan" if number % 2 else None,
        deadline=date(2024, 3, 26),
        status="open",
        last_report=date(2024, 3, 1) if number % 3 == 0 else None,
    )


def pack_case(number: int, *, note: str = "Known to the service since 2022.") -> PackCase:
    return PackCase(
        reference=case_ref(number),
        section="Children in household" if number % 2 else "Adult only",
        referring_agency="Police",
        referred_on=date(2024, 2, 20),
        criteria=("Visible high risk", "Repeat") if number % 3 == 0 else ("Visible high risk",),
        instrument="DASH-style checklist v1",
        result="16 of 24 yes",
        band="high",
        repeat=number % 3 == 0,
        previous_marac_dates=(date(2023, 6, 13),) if number % 3 == 0 else (),
        children_in_household=number % 3,
        actions=(action(number * 10, number), action(number * 10 + 1, number)),
        research=(
            ResearchEntry(agency="Health", status="information held", note=note),
            ResearchEntry(agency="Education", status="nothing held"),
        ),
        starts_at=STARTS + timedelta(minutes=15 * number),
    )


def sections(case_numbers: list[int], notification: list[int] | None = None) -> tuple[AgendaSection, ...]:
    def entry(number: int) -> AgendaEntry:
        slot = STARTS + timedelta(minutes=15 * number)
        return AgendaEntry(case_ref(number), "Police", slot, slot + timedelta(minutes=15), repeat=number == 3)

    after = STARTS + timedelta(minutes=15 * (max(case_numbers, default=0) + 1))
    return (
        AgendaSection("Introductions and confidentiality statement", STARTS),
        AgendaSection("Cases", STARTS + timedelta(minutes=10), tuple(entry(n) for n in case_numbers)),
        AgendaSection(
            "Notification only",
            after,
            tuple(AgendaEntry(case_ref(n), "Probation", None, None) for n in notification or []),
            notification_only=True,
        ),
        AgendaSection("Any other business", after + timedelta(minutes=5)),
    )


def agenda_doc(case_numbers: list[int], notification: list[int] | None = None) -> AgendaDoc:
    return AgendaDoc(
        area=area(),
        conference=conference(),
        recipient=recipient(),
        version=2,
        sections=sections(case_numbers, notification),
        generated_at=GENERATED,
    )


def pack_doc(case_numbers: list[int], *, agency: str = "Police") -> PackDoc:
    return PackDoc(
        area=area(),
        conference=conference(),
        recipient=recipient(agency),
        agenda_version=2,
        attendees=(Attendee("DI Jane Marsh", "Police", "Chair"), Attendee("Ann Lee", "IDVA service")),
        sections=sections(case_numbers),
        cases=tuple(pack_case(n) for n in case_numbers),
        generated_at=GENERATED,
    )


def minutes_doc(case_numbers: list[int], *, notes: str = "Discussed; safety plan agreed.") -> MinutesDoc:
    return MinutesDoc(
        area=area(),
        conference=conference(),
        recipient=recipient(),
        attendance=(
            AttendanceEntry("DI Jane Marsh", "Police", "present"),
            AttendanceEntry("Pat Reid", "Health", "apologies"),
            AttendanceEntry("Chris Ode", "Housing", "deputy", deputy_for="Ali Khan"),
        ),
        cases=tuple(
            MinutesCase(case_ref(n), "Adult only", "Discussed", notes, (action(n * 10, n),))
            for n in case_numbers
        ),
        generated_at=GENERATED,
    )


def action_log_doc(case_numbers: list[int]) -> ActionLogDoc:
    return ActionLogDoc(
        area=area(),
        recipient=recipient(),
        title="Open actions, all agencies",
        as_of=GENERATED,
        actions=tuple(action(n * 10 + k, n) for n in case_numbers for k in range(2)),
        generated_at=GENERATED,
    )


def open_docx(data: bytes) -> DocxDocument:
    """The rendered document as python-docx sees it (which also proves it is a valid .docx)."""
    return Document(io.BytesIO(data))


def shipped(kind: str) -> Path:
    return SHIPPED / f"{kind}.docx"


def edit_template(source: Path, target: Path, replacements: dict[str, str]) -> None:
    """Save a copy of ``source`` with text replaced in every run, as a coordinator editing in Word would."""
    document = open_docx(source.read_bytes())
    elements = [document.element.body]
    for section in document.sections:
        elements += [section.header.part.element, section.footer.part.element]
    for element in elements:
        for text in element.iter(qn("w:t")):
            for old, new in replacements.items():
                text.text = (text.text or "").replace(old, new)
    document.save(str(target))
