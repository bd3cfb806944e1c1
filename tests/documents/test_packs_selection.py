"""Which cases a copy holds, decided without the database; fingerprints and file names."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from marac.agenda.packs import (
    ConferencePacks,
    ListedCase,
    PackRecipient,
    cases_for,
    fingerprint,
    pack_context,
    pack_filename,
    slug,
)
from tests.documents.conftest import GENERATED, area, conference, pack_case

POLICE, HOUSING, HEALTH = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
REP = PackRecipient(uuid.uuid4(), "Pat Police", "pat@example.org", POLICE, "Police", "Representative")
EXCLUDED = PackRecipient(uuid.uuid4(), "Kim Police", "kim@example.org", POLICE, "Police", "Representative")
HOUSING_REP = PackRecipient(
    uuid.uuid4(), "Hal Housing", "hal@example.org", HOUSING, "Housing", "Representative"
)
CHAIR = replace(REP, user_id=uuid.uuid4(), name="Chris Chair", role="Chair", sees_every_case=True)
NO_AGENCY = PackRecipient(uuid.uuid4(), "Ari Area", "ari@example.org", None, "Northshire", "Representative")


def listed(
    number: int, referred_by: uuid.UUID, relevant_to: frozenset[uuid.UUID] = frozenset()
) -> ListedCase:
    return ListedCase(uuid.uuid4(), uuid.uuid4(), referred_by, relevant_to, pack_case(number))


CASES = (listed(1, POLICE), listed(2, HEALTH, frozenset({HOUSING})), listed(3, HEALTH), listed(4, HOUSING))


def packs(scope: str) -> ConferencePacks:
    start = datetime(2024, 3, 12, 10, tzinfo=UTC)
    snapshot = {
        "sections": [
            {
                "key": "adults",
                "title": "Adult-only cases",
                "starts_at": start.isoformat(),
                "items": [
                    {
                        "case_id": str(case.case_id),
                        "case_reference": case.detail.reference,
                        "referring_agency": "Police",
                        "starts_at": (start + timedelta(minutes=10 * n)).isoformat(),
                        "ends_at": (start + timedelta(minutes=10 * n + 10)).isoformat(),
                        "repeat": False,
                    }
                    for n, case in enumerate(CASES)
                ],
            }
        ],
        "previous_actions": [],
    }
    return ConferencePacks(
        conference_id=uuid.uuid4(),
        area_id=uuid.uuid4(),
        local_date=date(2024, 3, 12),
        agenda_version=2,
        series_name="Northshire MARAC",
        scope=scope,  # type: ignore[arg-type]
        area=area(),
        conference=conference(),
        marking="OFFICIAL-SENSITIVE",
        template_dir=None,
        attendees=(),
        snapshot=snapshot,
        cases=CASES,
        recipients=(REP, EXCLUDED, HOUSING_REP, CHAIR, NO_AGENCY),
        exclusions={CASES[0].case_id: frozenset({EXCLUDED.user_id, CHAIR.user_id})},
    )


def held(scope: str, recipient: PackRecipient) -> list[int]:
    return [CASES.index(case) + 1 for case in cases_for(packs(scope), recipient)]


@pytest.mark.parametrize(
    ("scope", "recipient", "expected"),
    [
        ("all", REP, [1, 2, 3, 4]),
        ("all", EXCLUDED, [2, 3, 4]),
        ("all", CHAIR, [2, 3, 4]),  # sees every case, but an exclusion still wins
        ("relevant", REP, [1]),  # referred it
        ("relevant", EXCLUDED, []),
        ("relevant", HOUSING_REP, [2, 4]),  # marked relevant; referred
        ("relevant", CHAIR, [2, 3, 4]),
        ("relevant", NO_AGENCY, []),
    ],
)
def test_a_copy_holds_what_the_scope_allows_less_what_is_kept_from_its_recipient(
    scope: str, recipient: PackRecipient, expected: list[int]
) -> None:
    assert held(scope, recipient) == expected


def test_a_case_kept_from_the_recipient_is_left_out_of_the_agenda_summary_too() -> None:
    context = pack_context(packs("all"), EXCLUDED, reference="R1", generated_at=GENERATED)

    listed_refs = [entry.case_reference for section in context.sections for entry in section.entries]
    assert CASES[0].detail.reference not in listed_refs
    assert len(listed_refs) == 3


def test_the_fingerprint_ignores_the_reference_and_time_but_not_the_content() -> None:
    one = pack_context(packs("all"), REP, reference="AAAA", generated_at=GENERATED)
    same = pack_context(packs("all"), REP, reference="BBBB", generated_at=GENERATED + timedelta(days=1))
    other = pack_context(packs("relevant"), REP, reference="AAAA", generated_at=GENERATED)

    assert fingerprint(one) == fingerprint(same)
    assert fingerprint(one) != fingerprint(other)


@pytest.mark.parametrize(
    ("agency", "expected"),
    [
        ("North Shire Children's Social Care", "north-shire-childrens-social-care"),
        ("St Mary\u2019s Hospital (A&E)", "st-marys-hospital-a-e"),  # a typographic apostrophe
        ("***", "marac"),
    ],
)
def test_file_names_carry_date_agency_and_reference_only(agency: str, expected: str) -> None:
    assert slug(agency) == expected
    assert (
        pack_filename(date(2026, 12, 8), agency, "K7RM2QXA")
        == f"marac-pack-2026-12-08-{expected}-K7RM2QXA.docx"
    )
