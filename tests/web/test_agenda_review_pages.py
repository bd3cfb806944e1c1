"""The chair's agenda review and the dashboard panels about agendas and research."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.agenda.models import ResearchState
from marac.app import create_app
from marac.clock import FixedClock
from marac.db import create_engine
from marac.runtime import Runtime
from marac.settings import get_settings
from tests.documents.pack_builders import build_pack_world, note_research
from tests.web.agenda_builders import audited, case_order, sign_in_as

Client = AsyncTestClient[Litestar]


def panel(html: str, key: str) -> str:
    start = html.index(f'id="panel-{key}-section"')
    return html[start : html.index("</section>", start)]


async def test_the_chair_reviews_the_next_agenda_with_research_by_agency(
    client: Client, runtime: Runtime
) -> None:
    world = await build_pack_world(runtime)
    await note_research(runtime, world, "B", "police", ResearchState.INFORMATION_HELD, "Known since 2025")
    await sign_in_as(client, world, "chair")
    views = len(await audited(runtime, "research.view"))

    response = await client.get("/agenda/review")

    assert response.status_code == 200
    html = response.text
    assert "<h1>Agenda for 8 December 2026</h1>" in html
    assert "Published: version 1" in html
    assert case_order(html)[0] == world.references["B"]
    assert set(case_order(html)) == set(world.references.values())
    for agency in ("North Police", "North Housing"):
        assert f'<th scope="col">{agency}</th>' in html
    assert (
        'research-information_held">Information held<br><span class="small">Known since 2025</span>' in html
    )
    assert "Move up" not in html  # read only
    assert "Publish agenda" not in html
    assert len(await audited(runtime, "research.view")) == views + 1


async def test_dashboard_panels_for_coordinator_representative_and_chair(
    client: Client, runtime: Runtime
) -> None:
    world = await build_pack_world(runtime)
    await note_research(runtime, world, "C", "police", ResearchState.NOTHING_HELD, None)

    await sign_in_as(client, world, "coordinator")
    views = len(await audited(runtime, "research.view"))
    missing = panel((await client.get("/")).text, "research-missing")
    assert "11 research responses missing for 8 December 2026" in missing
    assert "4 of 4 cases not started" in missing  # housing, children's services
    assert "3 of 4 cases not started" in missing  # police
    assert f'href="/conferences/{world.conference.id}/agenda#research"' in missing

    await sign_in_as(client, world, "police.rep")
    todo = panel((await client.get("/")).text, "cases-to-research")
    assert "3 cases to research" in todo
    assert "8 December 2026" in todo

    await sign_in_as(client, world, "chair")
    review = panel((await client.get("/")).text, "agenda-review")
    assert "8 December 2026: 4 cases listed (published, version 1)" in review
    assert 'href="/agenda/review"' in review
    # Counts show no case and no note: the dashboards read them without a case-data view to audit.
    assert len(await audited(runtime, "research.view")) == views


@pytest.fixture
async def own_keys(db_url: str, clock: FixedClock) -> AsyncIterator[Runtime]:
    """A service configured with data keys of its own, unlike the process-wide default settings."""
    settings = get_settings()
    security = dataclasses.replace(settings.security, data_keys=("a-data-key-only-this-service-holds",))
    engine = create_engine(db_url)
    yield Runtime.build(dataclasses.replace(settings, security=security), engine=engine, clock=clock)
    await engine.dispose()


async def test_dashboard_panels_read_research_notes_with_the_service_own_keys(
    own_keys: Runtime, db_url: str
) -> None:
    world = await build_pack_world(own_keys)
    await note_research(own_keys, world, "C", "police", ResearchState.INFORMATION_HELD, "Known since 2025")
    engine = create_engine(db_url)
    app = create_app(Runtime.build(own_keys.settings, engine=engine, clock=own_keys.clock))
    try:
        async with AsyncTestClient(app=app) as client:
            await sign_in_as(client, world, "coordinator")
            response = await client.get("/")
            assert response.status_code == 200
            assert "11 research responses missing for 8 December 2026" in panel(
                response.text, "research-missing"
            )
            await sign_in_as(client, world, "police.rep")
            assert "3 cases to research" in panel((await client.get("/")).text, "cases-to-research")
    finally:
        await engine.dispose()
