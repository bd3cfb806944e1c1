"""Benchmark: briefing packs against the targets of DESIGN §6.

- one 40-case pack for one agency: at most 0.25 s, and at most 3x the time python-docx takes merely to
  load and save the same finished document;
- every pack of a 25-case conference, for 12 agencies: at most 2 s in all.

Run: ``.venv/bin/python bench/bench_packs.py [--repeat N]``.  Times are medians of N runs after one warm-up
render (the first render of a template also compiles it; that cold figure is printed too); the ratio is
the median of N pairs of render and load+save run one after the other.  Exits 1 when a
target is missed.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Keys from the environment, so that reading settings writes nothing under var/.
os.environ.setdefault("MARAC_SECRET_KEY", "bench")
os.environ.setdefault("MARAC_DATA_KEY", "bench")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docx import Document

from marac.agenda.documents import (
    ActionEntry,
    AgendaEntry,
    AgendaSection,
    AreaInfo,
    Attendee,
    ConferenceInfo,
    PackCase,
    PackDoc,
    Recipient,
    ResearchEntry,
)
from marac.agenda.docx import render

AGENCIES = [
    "Police",
    "Children's social care",
    "Adult social care",
    "Health visiting",
    "Acute hospital",
    "Mental health",
    "Housing",
    "Probation",
    "Education",
    "IDVA service",
    "Substance misuse",
    "Refuge",
]
STARTS = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
NOTE = (
    "Victim attended the emergency department twice in the last month; safeguarding referral made. "
    "GP aware and has arranged a follow-up appointment.\nNo contact with the perpetrator recorded."
)


def case(number: int) -> PackCase:
    slot = STARTS + timedelta(minutes=10 + 12 * number)
    return PackCase(
        reference=f"NS-2024-{number:04d}",
        section="Children in household" if number % 2 else "Adult only",
        referring_agency=AGENCIES[number % len(AGENCIES)],
        referred_on=date(2024, 2, 20),
        criteria=("Visible high risk", "Repeat") if number % 4 == 0 else ("Visible high risk",),
        instrument="DASH-style checklist v1",
        result=f"{14 + number % 10} of 24 yes",
        band="high",
        repeat=number % 4 == 0,
        previous_marac_dates=(date(2023, 5, 9), date(2023, 9, 12)) if number % 4 == 0 else (),
        children_in_household=number % 3,
        actions=tuple(
            ActionEntry(
                reference=f"A{number}-{k}",
                case_reference=f"NS-2024-{number:04d}",
                description="Arrange a joint safety-planning visit with the IDVA and review locks",
                owner_agency=AGENCIES[(number + k) % len(AGENCIES)],
                owner_person="Ali Khan",
                deadline=date(2024, 3, 26),
                status="open",
            )
            for k in range(3)
        ),
        research=tuple(
            ResearchEntry(agency, "information held" if k % 3 else "nothing held", NOTE if k % 3 else None)
            for k, agency in enumerate(AGENCIES)
        ),
        starts_at=slot,
    )


def pack(cases: int, agency: str) -> PackDoc:
    entries = tuple(
        AgendaEntry(
            f"NS-2024-{n:04d}",
            AGENCIES[n % len(AGENCIES)],
            STARTS + timedelta(minutes=10 + 12 * n),
            STARTS + timedelta(minutes=22 + 12 * n),
        )
        for n in range(1, cases + 1)
    )
    return PackDoc(
        area=AreaInfo("Northshire", "Europe/London", "Information shared at this MARAC is confidential."),
        conference=ConferenceInfo(STARTS, STARTS + timedelta(hours=8), "Civic Centre", "DI Jane Marsh"),
        recipient=Recipient("Sam Jones", agency, f"MARAC-20240312-{AGENCIES.index(agency):02d}"),
        agenda_version=3,
        attendees=tuple(Attendee(f"Representative {k}", agency) for k, agency in enumerate(AGENCIES)),
        sections=(
            AgendaSection("Introductions and confidentiality statement", STARTS),
            AgendaSection("Cases", STARTS + timedelta(minutes=10), entries),
        ),
        cases=tuple(case(n) for n in range(1, cases + 1)),
        generated_at=STARTS - timedelta(days=2),
    )


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def load_and_save(data: bytes) -> None:
    Document(io.BytesIO(data)).save(io.BytesIO())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    repeat = parser.parse_args().repeat

    big = pack(40, "Police")
    started = time.perf_counter()
    finished = render("briefing_pack", big)
    cold = time.perf_counter() - started
    # Alternate the two so that load from other work on the machine affects both alike.
    pairs = [
        (
            median_seconds(lambda: render("briefing_pack", big), 1),
            median_seconds(lambda: load_and_save(finished), 1),
        )
        for _ in range(repeat)
    ]
    one = statistics.median(render_time for render_time, _ in pairs)
    baseline = statistics.median(load_save for _, load_save in pairs)
    ratio = statistics.median(render_time / load_save for render_time, load_save in pairs)

    conference = [pack(25, agency) for agency in AGENCIES]
    every = median_seconds(lambda: [render("briefing_pack", doc) for doc in conference], max(3, repeat // 2))

    results = [
        ("40-case pack, one agency", one, 0.25),
        ("40-case pack / load+save of the same .docx", ratio, 3.0),
        ("25-case conference, 12 agency packs", every, 2.0),
    ]
    print(f"40-case pack: {len(finished) / 1024:.0f} KiB, first render (compiles the template) {cold:.3f} s")
    print(f"load+save of the finished pack (python-docx): {baseline:.3f} s")
    print(f"12 packs of 25 cases: {every / len(conference):.3f} s per pack, serially in one process")
    missed = 0
    for label, value, target in results:
        unit = "x" if "/" in label else " s"
        verdict = "ok" if value <= target else "MISSED"
        missed += value > target
        print(f"{label:45s} {value:7.3f}{unit}  (target <= {target:g}{unit.strip()})  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
