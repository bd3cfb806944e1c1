"""The coordinator's agenda page: sections, capacity, reorder, defer, move, publish, documents."""

from __future__ import annotations

import io

from docx import Document
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.documents.pack_builders import PackWorld, build_pack_world
from tests.documents.reading import body_text, open_docx
from tests.documents.test_meeting_documents import hold_meeting
from tests.web.agenda_builders import (
    audited,
    case_order,
    item_ids,
    later_conference,
    sign_in_as,
)

Client = AsyncTestClient[Litestar]
HTMX = {"HX-Request": "true"}


def agenda_url(world: PackWorld) -> str:
    return f"/conferences/{world.conference.id}/agenda"


def listed(html: str) -> list[str]:
    """Case references in agenda order, as the cases section shows them."""
    start = html.index("discussion slots used")
    end = html.index('id="previous-actions"') if 'id="previous-actions"' in html else len(html)
    return case_order(html[start:end])


async def item_of(runtime: Runtime, world: PackWorld, letter: str) -> tuple[str, int]:
    items = await item_ids(runtime, world.conference.id)
    item = items[world.cases[letter].id]
    return str(item.id), item.version


async def test_the_agenda_lists_children_first_with_capacity_and_version(
    client: Client, runtime: Runtime
) -> None:
    world = await build_pack_world(runtime)
    await sign_in_as(client, world, "coordinator")
    response = await client.get(agenda_url(world))
    assert response.status_code == 200
    html = response.text
    refs = world.references
    assert listed(html)[0] == refs["B"]  # the only case with children
    assert set(listed(html)) == set(refs.values())
    assert html.index("Cases with children in the household") < html.index("Adult-only cases")
    assert "<strong>4 of 22</strong> discussion slots used." in html
    assert "Published: version 1" in html
    assert "Publish agenda" not in html  # already published: changes publish themselves
    assert [e.action for e in await audited(runtime, "agenda.view")] == ["agenda.view"]


async def test_moving_a_case_up_pins_it_and_publishes_a_new_version(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "coordinator")
    adults = listed((await client.get(agenda_url(world))).text)[1:]
    letter = next(k for k, v in world.references.items() if v == adults[1])
    item_id, version = await item_of(runtime, world, letter)

    response = await client.post(
        f"{agenda_url(world)}/items/{item_id}/up", data={"version": str(version), "_csrf": csrf}
    )

    assert response.status_code == 200
    assert listed(response.text)[1:] == [adults[1], adults[0], adults[2]]
    assert f"{adults[1]} moved up to place 1 in its section." in response.text
    assert "Published: version 2" in response.text
    assert f"{adults[1]}: New place in its section." in response.text


async def test_reordering_with_htmx_answers_the_agenda_alone(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "coordinator")
    adults = listed((await client.get(agenda_url(world))).text)[1:]
    letter = next(k for k, v in world.references.items() if v == adults[0])
    item_id, version = await item_of(runtime, world, letter)

    response = await client.post(
        f"{agenda_url(world)}/items/{item_id}/down",
        data={"version": str(version), "_csrf": csrf},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="agenda-board">')
    assert 'hx-swap-oob="innerHTML"' in response.text
    # the change made version 2, and the state at the top of the page says so
    assert '<span id="agenda-status" hx-swap-oob="true">Published: version 2</span>' in response.text
    assert f"{adults[0]} moved down to place 2 in its section." in response.text
    assert listed(response.text)[1:] == [adults[1], adults[0], adults[2]]
    # The button pressed is still there, with the same id, so the browser keeps focus on it.
    assert f'id="down-{item_id}"' in response.text


async def test_a_stale_version_is_refused_and_nothing_moves(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "coordinator")
    before = listed((await client.get(agenda_url(world))).text)
    item_id, version = await item_of(runtime, world, "D")

    response = await client.post(
        f"{agenda_url(world)}/items/{item_id}/up", data={"version": str(version + 5), "_csrf": csrf}
    )

    assert response.status_code == 409
    assert "Someone else changed this agenda since you opened it" in response.text
    assert listed((await client.get(agenda_url(world))).text) == before


async def test_the_first_case_cannot_move_up(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "coordinator")
    item_id, version = await item_of(runtime, world, "B")
    response = await client.post(
        f"{agenda_url(world)}/items/{item_id}/up", data={"version": str(version), "_csrf": csrf}
    )
    assert response.status_code == 409
    assert f"{world.references['B']} is already first in its section" in response.text


async def test_deferring_a_case_carries_it_to_the_next_conference(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "coordinator")
    item_id, version = await item_of(runtime, world, "D")
    reference = world.references["D"]

    response = await client.post(
        f"{agenda_url(world)}/items/{item_id}/defer", data={"version": str(version), "_csrf": csrf}
    )

    assert response.status_code == 200
    assert f"{reference} deferred to the next conference." in response.text
    assert reference not in listed(response.text)
    assert "Published: version 2" in response.text
    january = await later_conference(runtime, world)
    later = (await client.get(f"/conferences/{january.id}/agenda")).text
    assert listed(later) == [reference]
    assert "Carried over" in later
    assert "Draft: not published yet" in later


async def test_moving_a_case_to_another_conference_then_publishing_that_agenda(
    client: Client, runtime: Runtime
) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "coordinator")
    january = await later_conference(runtime, world)
    item_id, version = await item_of(runtime, world, "C")
    reference = world.references["C"]

    response = await client.post(
        f"{agenda_url(world)}/items/{item_id}/move",
        data={"version": str(version), "conference_id": str(january.id), "_csrf": csrf},
    )
    assert response.status_code == 200
    assert f"{reference} moved to the conference on 12 January 2027." in response.text
    assert reference not in listed(response.text)

    january_url = f"/conferences/{january.id}/agenda"
    draft = (await client.get(january_url)).text
    assert listed(draft) == [reference]
    assert "Publish agenda" in draft
    published = await client.post(f"{january_url}/publish", data={"_csrf": csrf})
    assert published.status_code == 200
    assert "Agenda published: version 1." in published.text
    assert "Published: version 1" in published.text
    assert [e.detail["version"] for e in await audited(runtime, "agenda.publish")][-1] == 1


async def test_moving_without_choosing_a_conference_says_so_next_to_the_field(
    client: Client, runtime: Runtime
) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "coordinator")
    item_id, version = await item_of(runtime, world, "C")
    response = await client.post(
        f"{agenda_url(world)}/items/{item_id}/move",
        data={"version": str(version), "conference_id": "", "_csrf": csrf},
    )
    assert response.status_code == 422
    assert 'id="f-conference_id-error"' in response.text
    assert "Choose the conference to move the case to" in response.text
    assert world.references["C"] in listed(response.text)


async def test_agenda_and_pack_downloads_are_audited(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "coordinator")
    agenda = await client.get(f"/conferences/{world.conference.id}/documents/agenda.docx")
    assert agenda.status_code == 200
    assert agenda.headers["content-disposition"] == 'attachment; filename="marac-agenda-2026-12-08-v1.docx"'
    text = "\n".join(p.text for p in Document(io.BytesIO(agenda.content)).paragraphs)
    assert "MARAC" in text
    assert len(await audited(runtime, "agenda.download")) == 1

    issued = await client.post(f"/conferences/{world.conference.id}/packs/issue", data={"_csrf": csrf})
    assert issued.status_code == 200
    assert "Briefing packs for agenda version 1:" in issued.text
    page = issued.text
    documents = page[page.index('id="documents"') :]
    for agency in ("North Police", "North Children&#39;s Services", "North Housing"):
        assert agency in documents
    pack_link = documents.index('href="/packs/')
    href = documents[pack_link + 6 : documents.index('"', pack_link + 6)]
    download = await client.get(href)
    assert download.status_code == 200
    Document(io.BytesIO(download.content))  # a real Word file
    [entry] = await audited(runtime, "pack.download")
    assert entry.actor_id == world.users["coordinator"].id


async def test_minutes_wait_for_the_meeting(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    await sign_in_as(client, world, "coordinator")
    page = (await client.get(agenda_url(world))).text
    assert "Minutes and the action log can be downloaded once the meeting has been held." in page
    response = await client.get(f"/conferences/{world.conference.id}/documents/minutes")
    assert response.status_code == 409
    assert "Minutes are made once the meeting has been held" in response.text


async def test_moving_next_to_a_case_placed_by_hand_swaps_the_two(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "coordinator")
    first, second, third = listed((await client.get(agenda_url(world))).text)[1:]
    letter = {reference: key for key, reference in world.references.items()}
    item_id, version = await item_of(runtime, world, letter[first])
    await client.post(
        f"{agenda_url(world)}/items/{item_id}/down", data={"version": str(version), "_csrf": csrf}
    )
    item_id, version = await item_of(runtime, world, letter[third])

    response = await client.post(
        f"{agenda_url(world)}/items/{item_id}/up", data={"version": str(version), "_csrf": csrf}
    )

    assert listed(response.text)[1:] == [second, third, first]


async def test_after_the_meeting_the_minutes_and_action_log_are_offered(
    client: Client, runtime: Runtime, clock: FixedClock
) -> None:
    world = await build_pack_world(runtime)
    await hold_meeting(runtime, clock, world)
    await sign_in_as(client, world, "coordinator")

    page = (await client.get(agenda_url(world))).text

    assert "Held: version 1" in page
    assert "Move up" not in page  # a held meeting keeps the agenda it had
    assert "Issue briefing packs now" not in page
    base = f"/conferences/{world.conference.id}/documents"
    assert f'href="{base}/minutes?format=docx"' in page
    assert f'href="{base}/action-log?format=xlsx"' in page
    minutes = await client.get(f"{base}/minutes?format=docx")
    assert minutes.status_code == 200
    assert world.references["A"] in body_text(open_docx(minutes.content))
    log = await client.get(f"{base}/action-log?format=xlsx")
    assert log.status_code == 200
    assert log.headers["content-disposition"].endswith('.xlsx"')
    assert len(await audited(runtime, "minutes.download")) == 1
    assert len(await audited(runtime, "action_log.download")) == 1
