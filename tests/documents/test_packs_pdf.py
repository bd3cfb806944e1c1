"""Every issued document converts with LibreOffice, and the PDF still shows its cases and its marking.

Skipped where LibreOffice is not installed; CI installs ``libreoffice-writer-nogui``.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from pypdf import PdfReader
from sqlalchemy import select

from marac.agenda.documents_models import BriefingPack
from marac.agenda.packs_jobs import issue_briefing_packs
from marac.agenda.pdf import pdf_available, to_pdf
from marac.audit import AuditEvent
from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.documents.pack_builders import PackWorld, build_pack_world
from tests.documents.test_meeting_documents import hold_meeting

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(not pdf_available(), reason="LibreOffice (soffice) is not installed"),
]
Client = AsyncTestClient[Any]


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
async def world(runtime: Runtime, clock: FixedClock) -> PackWorld:
    built = await build_pack_world(runtime)
    clock.set(built.conference.packs_at)
    await issue_briefing_packs(runtime)
    return built


async def test_every_copy_converts_and_its_pdf_shows_its_cases_and_marking_on_every_page(
    runtime: Runtime, world: PackWorld
) -> None:
    async with runtime.transaction() as session:
        packs = list(await session.scalars(select(BriefingPack)))
    assert len(packs) == 5

    pdfs = await asyncio.gather(*(asyncio.to_thread(to_pdf, pack.content) for pack in packs))

    rep2 = world.users["police.rep2"].id
    for pack, pdf in zip(packs, pdfs, strict=True):
        pages = pdf_pages(pdf)
        text = "\n".join(pages)
        for letter, reference in world.references.items():
            kept_from_them = pack.recipient_user_id == rep2 and letter == "A"
            assert (reference in text) is not kept_from_them, (pack.reference, letter)
        for number, page in enumerate(pages, start=1):
            assert "OFFICIAL-SENSITIVE" in page, f"page {number}"
            assert f"ref {pack.reference}" in page, f"page {number}"
            assert f"Page {number} of {len(pages)}" in page


async def test_the_pdf_copy_is_downloaded_through_the_api_and_audited_as_pdf(
    runtime: Runtime, client: Client, world: PackWorld
) -> None:
    async with runtime.transaction() as session:
        pack = await session.scalar(
            select(BriefingPack).where(BriefingPack.recipient_user_id == world.users["housing.rep"].id)
        )
    assert pack is not None

    response = await client.get(
        f"/api/v1/packs/{pack.id}/download", params={"format": "pdf"}, headers=world.auth("housing.rep")
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].endswith(f'-{pack.reference}.pdf"')
    text = "\n".join(pdf_pages(response.content))
    assert all(reference in text for reference in world.references.values())
    async with runtime.transaction() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "pack.download"))
    assert event is not None
    assert event.detail["format"] == "pdf"


@pytest.mark.parametrize("document", ["minutes", "action-log"])
async def test_the_minutes_and_the_action_log_convert_and_show_their_cases(
    runtime: Runtime, client: Client, clock: FixedClock, world: PackWorld, document: str
) -> None:
    await hold_meeting(runtime, clock, world)

    response = await client.get(
        f"/api/v1/conferences/{world.conference.id}/{document}/download",
        params={"format": "pdf"},
        headers=world.auth("coordinator"),
    )

    assert response.status_code == 200
    pages = pdf_pages(response.content)
    text = "\n".join(pages)
    assert world.references["A"] in text
    assert world.references["B"] in text
    assert all("OFFICIAL-SENSITIVE" in page for page in pages)
