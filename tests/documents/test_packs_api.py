"""The briefing-pack API: who may list and download which copy, audited downloads, PDF, relevance marks."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from marac.agenda import packs_downloads, schemas
from marac.agenda.agenda_items import defer_item
from marac.agenda.documents_models import BriefingPack
from marac.agenda.packs_jobs import issue_briefing_packs
from marac.audit import AuditEvent
from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.documents.pack_builders import SYSTEM, PackWorld, build_pack_world, exclude, item_of
from tests.documents.reading import open_docx

Client = AsyncTestClient[Any]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
async def world(runtime: Runtime, clock: FixedClock) -> PackWorld:
    """The pack world with its copies issued at the pack moment."""
    built = await build_pack_world(runtime)
    clock.set(built.conference.packs_at)
    await issue_briefing_packs(runtime)
    return built


async def copy_of(runtime: Runtime, world: PackWorld, key: str) -> BriefingPack:
    async with runtime.transaction() as session:
        pack = await session.scalar(
            select(BriefingPack).where(
                BriefingPack.recipient_user_id == world.users[key].id,
                BriefingPack.conference_id == world.conference.id,
                BriefingPack.superseded_at.is_(None),
            )
        )
    assert pack is not None
    return pack


async def downloads(runtime: Runtime) -> list[AuditEvent]:
    async with runtime.transaction() as session:
        return list(await session.scalars(select(AuditEvent).where(AuditEvent.action == "pack.download")))


async def test_the_recipient_downloads_their_copy_as_issued_and_the_download_is_audited(
    runtime: Runtime, client: Client, world: PackWorld
) -> None:
    pack = await copy_of(runtime, world, "police.rep")

    response = await client.get(f"/api/v1/packs/{pack.id}/download", headers=world.auth("police.rep"))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(DOCX)
    filename = f"marac-pack-2026-12-08-north-police-{pack.reference}.docx"
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert response.headers["cache-control"] == "no-store"
    assert response.content == pack.content
    open_docx(response.content)
    [event] = await downloads(runtime)
    assert event.actor_id == world.users["police.rep"].id
    assert event.detail["reference"] == pack.reference
    assert event.detail["format"] == "docx"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("police.rep", 200),
        ("coordinator", 200),
        ("chair", 200),
        ("housing.rep", 403),
        ("police.rep2", 404),  # the copy holds case A, kept from them: for them it does not exist
    ],
)
async def test_only_the_recipient_and_the_coordinators_and_chairs_may_download_a_copy(
    runtime: Runtime, client: Client, world: PackWorld, who: str, status: int
) -> None:
    pack = await copy_of(runtime, world, "police.rep")

    response = await client.get(f"/api/v1/packs/{pack.id}/download", headers=world.auth(who))

    assert response.status_code == status
    assert len(await downloads(runtime)) == (1 if status == 200 else 0)


async def test_nobody_downloads_or_sees_a_copy_holding_a_case_kept_from_them(
    runtime: Runtime, client: Client, world: PackWorld
) -> None:
    await exclude(runtime, world.cases["B"], world.users["coordinator"])
    holding_b = await copy_of(runtime, world, "police.rep")

    response = await client.get(f"/api/v1/packs/{holding_b.id}/download", headers=world.auth("coordinator"))
    listed = await client.get(
        f"/api/v1/conferences/{world.conference.id}/packs", headers=world.auth("coordinator")
    )

    assert response.status_code == 404
    assert listed.status_code == 200
    assert listed.json() == []  # every copy holds case B


async def test_a_replaced_copy_is_no_longer_the_recipients_to_download(
    runtime: Runtime, client: Client, clock: FixedClock, world: PackWorld
) -> None:
    first = await copy_of(runtime, world, "police.rep")
    item = await item_of(runtime, world.conference, world.cases["D"])
    async with runtime.transaction() as session:
        await defer_item(session, clock, SYSTEM, item.id, schemas.AgendaItemDefer(version=item.version))
    await issue_briefing_packs(runtime)

    by_recipient = await client.get(f"/api/v1/packs/{first.id}/download", headers=world.auth("police.rep"))
    by_coordinator = await client.get(f"/api/v1/packs/{first.id}/download", headers=world.auth("coordinator"))

    assert by_recipient.status_code == 409
    assert "replaced by a newer version" in by_recipient.json()["detail"]
    assert by_coordinator.status_code == 200


async def test_a_representative_lists_their_own_copy_and_the_coordinator_every_copy(
    client: Client, world: PackWorld
) -> None:
    path = f"/api/v1/conferences/{world.conference.id}/packs"

    own = (await client.get(path, headers=world.auth("housing.rep"))).json()
    every = (await client.get(path, headers=world.auth("coordinator"))).json()

    assert [(p["recipient_name"], p["agency_name"], p["version"]) for p in own] == [
        (world.users["housing.rep"].name, "North Housing", 1)
    ]
    assert own[0]["download_path"] == f"/api/v1/packs/{own[0]['id']}/download"
    assert own[0]["case_count"] == 4
    assert own[0]["current"] is True
    assert len(every) == 5


async def test_pdf_without_libreoffice_is_a_clear_unavailable_problem(
    runtime: Runtime, client: Client, world: PackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(packs_downloads, "pdf_available", lambda: False)
    pack = await copy_of(runtime, world, "police.rep")

    response = await client.get(
        f"/api/v1/packs/{pack.id}/download", params={"format": "pdf"}, headers=world.auth("police.rep")
    )

    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "LibreOffice is not installed" in response.json()["detail"]
    assert await downloads(runtime) == []


async def test_an_unknown_format_is_refused(runtime: Runtime, client: Client, world: PackWorld) -> None:
    pack = await copy_of(runtime, world, "police.rep")

    response = await client.get(
        f"/api/v1/packs/{pack.id}/download", params={"format": "odt"}, headers=world.auth("police.rep")
    )

    assert response.status_code in (400, 422)


async def test_the_coordinator_issues_packs_on_demand_and_representatives_may_not(
    client: Client, world: PackWorld
) -> None:
    path = f"/api/v1/conferences/{world.conference.id}/packs"

    refused = await client.post(path, headers=world.auth("police.rep"))
    issued = await client.post(path, headers=world.auth("coordinator"))

    assert refused.status_code == 403
    assert issued.status_code == 200
    assert issued.json() | {"conference_id": None} == {
        "conference_id": None,
        "agenda_version": 1,
        "issued": 0,
        "announced": 0,
        "unchanged": 5,
        "withdrawn": 0,
    }


async def test_the_coordinator_marks_and_unmarks_which_agencies_a_case_is_relevant_to(
    runtime: Runtime, client: Client, world: PackWorld
) -> None:
    item = await item_of(runtime, world.conference, world.cases["C"])
    housing = world.agencies["housing"].id
    path = f"/api/v1/agenda-items/{item.id}/pack-relevance/{housing}"
    listing = f"/api/v1/conferences/{world.conference.id}/pack-relevance"

    refused = await client.put(path, headers=world.auth("housing.rep"))
    marked = await client.put(path, headers=world.auth("coordinator"))
    listed = (await client.get(listing, headers=world.auth("coordinator"))).json()
    removed = await client.delete(path, headers=world.auth("coordinator"))
    after = (await client.get(listing, headers=world.auth("coordinator"))).json()

    assert refused.status_code == 403
    assert marked.status_code == 200
    assert marked.json()["case_reference"] == world.references["C"]
    assert marked.json()["agency_name"] == "North Housing"
    assert [(m["agenda_item_id"], m["agency_id"]) for m in listed] == [(str(item.id), str(housing))]
    assert removed.status_code == 204
    assert after == []


async def test_a_case_cannot_be_marked_relevant_to_an_agency_that_does_not_attend(
    runtime: Runtime, client: Client, world: PackWorld
) -> None:
    item = await item_of(runtime, world.conference, world.cases["C"])

    response = await client.put(
        f"/api/v1/agenda-items/{item.id}/pack-relevance/{world.area.id}", headers=world.auth("coordinator")
    )

    assert response.status_code == 404
