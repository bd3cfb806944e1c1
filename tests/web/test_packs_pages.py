"""Briefing packs for representatives: their own current copy, downloaded as Word, every download audited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.agenda.pdf import pdf_available
from marac.runtime import Runtime
from tests.documents.pack_builders import build_pack_world
from tests.documents.reading import body_text, open_docx
from tests.web.agenda_builders import audited, issue_packs, sign_in_as

Client = AsyncTestClient[Litestar]
_PACK_LINK = re.compile(r'href="(/packs/[0-9a-f-]+/download)"')


async def test_before_packs_are_issued_the_page_says_so(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    await sign_in_as(client, world, "police.rep")
    response = await client.get("/packs")
    assert response.status_code == 200
    assert "No briefing pack has been issued to you yet." in response.text


async def test_a_representative_downloads_their_pack_as_word(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    await issue_packs(runtime, world)
    await sign_in_as(client, world, "police.rep")

    page = await client.get("/packs")

    assert page.status_code == 200
    assert "8 December 2026" in page.text
    [link] = _PACK_LINK.findall(page.text)
    download = await client.get(link)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert re.fullmatch(
        r'attachment; filename="marac-pack-2026-12-08-north-police-[A-Z0-9]+\.docx"',
        download.headers["content-disposition"],
    ), download.headers["content-disposition"]
    text = body_text(open_docx(download.content))  # python-docx opens it: a real Word file
    assert world.references["A"] in text
    [entry] = await audited(runtime, "pack.download")
    assert entry.actor_id == world.users["police.rep"].id
    assert entry.detail["format"] == "docx"
    assert entry.detail["reference"] in page.text


async def test_another_persons_pack_is_refused(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    await issue_packs(runtime, world)
    await sign_in_as(client, world, "care.rep")
    [link] = _PACK_LINK.findall((await client.get("/packs")).text)
    await sign_in_as(client, world, "police.rep")
    response = await client.get(link)
    assert response.status_code == 403
    assert await audited(runtime, "pack.download") == []


async def test_the_pdf_copy_is_unavailable_without_libreoffice(
    client: Client, runtime: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    world = await build_pack_world(runtime)
    await issue_packs(runtime, world)
    await sign_in_as(client, world, "police.rep")
    monkeypatch.setenv("PATH", str(tmp_path))  # a server without LibreOffice
    page = (await client.get("/packs")).text
    assert "PDF unavailable: LibreOffice is not installed on this server." in page
    assert "?format=pdf" not in page
    [link] = _PACK_LINK.findall(page)
    response = await client.get(f"{link}?format=pdf")
    assert response.status_code == 503
    assert "LibreOffice is not installed" in response.text


async def test_with_libreoffice_a_pdf_copy_is_offered(client: Client, runtime: Runtime) -> None:
    if not pdf_available():
        pytest.skip("LibreOffice is not installed here")
    world = await build_pack_world(runtime)
    await issue_packs(runtime, world)
    await sign_in_as(client, world, "police.rep")
    page = (await client.get("/packs")).text
    assert "PDF unavailable" not in page
    [link] = _PACK_LINK.findall(page)
    assert f'href="{link}?format=pdf"' in page
