"""Minutes and the action log after the meeting: Word and Excel, for coordinators and chairs only."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook
from sqlalchemy import select

from marac.agenda import schemas
from marac.agenda.meeting import record_attendance, record_outcome
from marac.agenda.models import AttendanceStatus, Outcome
from marac.audit import AuditEvent
from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.documents.pack_builders import (
    SYSTEM,
    PackWorld,
    agree_action,
    build_pack_world,
    exclude,
    item_of,
    protector,
)
from tests.documents.reading import assert_marked_and_addressed, body_text, open_docx

Client = AsyncTestClient[Any]
MINUTES_A = "Safety plan agreed.\nIDVA to make contact within two days."
FORMULA = '=HYPERLINK("http://example.org") check the tenancy'


async def hold_meeting(runtime: Runtime, clock: FixedClock, world: PackWorld) -> None:
    """Police present, children's services' apologies, a housing deputy; A heard, B deferred; actions."""
    clock.set(world.conference.starts_at + timedelta(minutes=30))
    attendance = [
        ("police", AttendanceStatus.PRESENT, world.users["police.rep"].id, None),
        ("care", AttendanceStatus.APOLOGIES, world.users["care.rep"].id, None),
        ("housing", AttendanceStatus.DEPUTY, world.users["housing.rep"].id, "Dana Deputy"),
    ]
    async with runtime.transaction() as session:
        for agency, status, user_id, deputy in attendance:
            await record_attendance(
                session,
                clock,
                SYSTEM,
                world.conference.id,
                world.agencies[agency].id,
                schemas.AttendanceUpdate(status=status, user_id=user_id, deputy_name=deputy),
            )
    for letter, outcome, minutes in (("A", Outcome.HEARD, MINUTES_A), ("B", Outcome.DEFERRED, "Deferred.")):
        item = await item_of(runtime, world.conference, world.cases[letter])
        async with runtime.transaction() as session:
            await record_outcome(
                session,
                clock,
                SYSTEM,
                item.id,
                schemas.OutcomeUpdate(version=item.version, outcome=outcome, minutes=minutes),
                protector(runtime).cipher,
            )
    deadline = date(2026, 12, 22)
    await agree_action(
        runtime, world.conference.id, world.cases["A"], world.agencies["police"], "Flag the address", deadline
    )
    await agree_action(
        runtime, world.conference.id, world.cases["B"], world.agencies["housing"], FORMULA, deadline
    )


@pytest.fixture
async def world(runtime: Runtime, clock: FixedClock) -> PackWorld:
    built = await build_pack_world(runtime)
    await hold_meeting(runtime, clock, built)
    return built


def path(world: PackWorld, document: str) -> str:
    return f"/api/v1/conferences/{world.conference.id}/{document}/download"


async def test_the_minutes_record_attendance_outcomes_minutes_and_actions_agreed(
    runtime: Runtime, client: Client, world: PackWorld
) -> None:
    response = await client.get(path(world, "minutes"), headers=world.auth("chair"))

    assert response.status_code == 200
    document = open_docx(response.content)
    async with runtime.transaction() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "minutes.download"))
    assert event is not None
    reference = event.detail["reference"]
    assert reference.startswith("MIN-20261208-")
    assert_marked_and_addressed(
        document, "OFFICIAL-SENSITIVE", f"Prepared for {world.users['chair'].name}, North Children's Services"
    )
    text = body_text(document)
    assert world.users["police.rep"].name in text
    assert "present" in text
    assert world.users["care.rep"].name in text
    assert "apologies" in text
    assert f"Dana Deputy\nNorth Housing\ndeputy for {world.users['housing.rep'].name}" in text
    assert "Heard" in text
    assert "Deferred to a later conference" in text
    assert "Not reached" in text
    assert "Safety plan agreed." in text
    assert "IDVA to make contact within two days." in text
    assert "Flag the address" in text
    assert FORMULA in text
    assert f'filename="marac-minutes-2026-12-08-{reference}.docx"' in response.headers["content-disposition"]


async def test_the_minutes_leave_out_a_case_kept_from_the_reader(
    runtime: Runtime, client: Client, world: PackWorld
) -> None:
    await exclude(runtime, world.cases["A"], world.users["chair"])

    text = body_text(
        open_docx((await client.get(path(world, "minutes"), headers=world.auth("chair"))).content)
    )

    assert world.references["A"] not in text
    assert "Safety plan agreed." not in text
    assert "Flag the address" not in text
    assert world.references["B"] in text


@pytest.mark.parametrize("document", ["minutes", "action-log"])
async def test_representatives_may_not_download_meeting_documents(
    client: Client, world: PackWorld, document: str
) -> None:
    response = await client.get(path(world, document), headers=world.auth("police.rep"))

    assert response.status_code == 403


async def test_there_are_no_minutes_before_the_meeting(
    runtime: Runtime, client: Client, clock: FixedClock
) -> None:
    world = await build_pack_world(runtime)

    response = await client.get(path(world, "minutes"), headers=world.auth("coordinator"))

    assert response.status_code == 409


async def test_the_action_log_lists_every_action_agreed_in_word(client: Client, world: PackWorld) -> None:
    response = await client.get(path(world, "action-log"), headers=world.auth("coordinator"))

    assert response.status_code == 200
    document = open_docx(response.content)
    assert_marked_and_addressed(
        document, "OFFICIAL-SENSITIVE", f"Prepared for {world.users['coordinator'].name}"
    )
    text = body_text(document)
    assert "Actions agreed at the MARAC of 8 December 2026" in text
    for reference in (
        world.references["A"],
        world.references["B"],
        "Flag the address",
        FORMULA,
        "22 December 2026",
    ):
        assert reference in text


async def test_the_action_log_as_a_spreadsheet_is_marked_and_keeps_text_as_text(
    client: Client, world: PackWorld
) -> None:
    response = await client.get(
        path(world, "action-log"), params={"format": "xlsx"}, headers=world.auth("chair")
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet["A1"].value == "OFFICIAL-SENSITIVE"
    assert sheet.oddHeader.center.text == "OFFICIAL-SENSITIVE"
    assert sheet.oddFooter.center.text.startswith("OFFICIAL-SENSITIVE")
    assert sheet.oddFooter.left.text.startswith(f"Prepared for {world.users['chair'].name}")
    rows = [row for row in sheet.iter_rows(min_row=8, values_only=True) if row[0]]
    assert {row[1] for row in rows} == {world.references["A"], world.references["B"]}
    formula_cells = [cell for row in sheet.iter_rows(min_row=8) for cell in row if cell.value == FORMULA]
    assert [cell.data_type for cell in formula_cells] == ["s"]  # shown, never evaluated
    # Real dates (openpyxl reads them back as datetimes): the sheet sorts and filters by deadline.
    assert {row[5] for row in rows} == {datetime(2026, 12, 22)}
