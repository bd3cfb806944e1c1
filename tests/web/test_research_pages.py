"""The representatives' case list: only what their agency may see, and their research status per case."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.access.models import AgencyKind, Role
from marac.runtime import Runtime
from tests.documents.pack_builders import PackWorld, build_pack_world
from tests.factories import make_agency, make_user
from tests.web.agenda_builders import audited, case_order, item_ids, sign_in_as
from tests.web.conftest import sign_in_client

Client = AsyncTestClient[Litestar]
HTMX = {"HX-Request": "true"}


async def item_of(runtime: Runtime, world: PackWorld, letter: str) -> str:
    items = await item_ids(runtime, world.conference.id)
    return str(items[world.cases[letter].id].id)


def row_of(html: str, item_id: str) -> str:
    start = html.index(f'id="case-{item_id}"')
    return html[start : html.index("</form>", start)]


async def test_the_case_list_shows_the_published_agenda_by_section(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    await sign_in_as(client, world, "police.rep")
    response = await client.get("/cases")
    assert response.status_code == 200
    html = response.text
    refs = world.references
    assert case_order(html) == [refs["B"], *case_order(html)[1:]]
    assert set(case_order(html)) == set(refs.values())
    assert html.index("Cases with children in the household") < html.index("Adult-only cases")
    assert "Agenda version 1" in html
    assert f'<strong id="outstanding-{world.conference.id}">4</strong> of 4 cases not started' in html
    for label in ("Nothing held", "Information held", "Shared"):
        assert f'{label}<span class="visually-hidden"> for {refs["A"]}</span>' in html


async def test_a_case_the_person_must_not_receive_is_not_shown(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "police.rep2")
    html = (await client.get("/cases")).text
    assert world.references["A"] not in html
    assert {world.references[k] for k in "BCD"} == set(case_order(html))
    response = await client.post(
        f"/cases/{await item_of(runtime, world, 'A')}/research",
        data={"status": "nothing_held", "version": "0", "_csrf": csrf},
    )
    assert response.status_code == 404
    assert world.references["A"] not in response.text


async def test_an_agency_not_attending_sees_no_cases(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    probation = await make_agency(runtime, world.area, "North Probation", AgencyKind.PROBATION)
    user, _ = await make_user(
        runtime, world.area, f"probation.rep@{world.area.slug}.example", [Role.REPRESENTATIVE], probation
    )
    await sign_in_client(client, user.email)
    html = (await client.get("/cases")).text
    assert case_order(html) == []
    assert "No published agenda for your agency yet." in html


async def test_recording_research_with_a_note(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "police.rep")
    item_id = await item_of(runtime, world, "A")

    response = await client.post(
        f"/cases/{item_id}/research",
        data={"status": "information_held", "note": "Two call-outs this year", "version": "0", "_csrf": csrf},
    )

    assert response.status_code == 200
    row = row_of(response.text, item_id)
    assert ">Information held</strong> \u2013 \u201cTwo call-outs this year\u201d" in row
    assert 'value="information_held" id="research-' in row
    assert f"{world.references['A']}: information held, saved." in response.text
    assert (
        f'<strong id="outstanding-{world.conference.id}">3</strong> of 4 cases not started' in response.text
    )
    [entry] = await audited(runtime, "research.update")
    assert entry.detail == {
        "agency_id": str(world.agencies["police"].id),
        "status": "information_held",
        "note": True,
    }

    # The coordinator and the chair see it against the police.
    await sign_in_as(client, world, "coordinator")
    agenda = (await client.get(f"/conferences/{world.conference.id}/agenda")).text
    research = agenda[agenda.index('id="research"') :]
    assert 'Information held<br><span class="small">Two call-outs this year</span>' in research


async def test_recording_research_with_htmx_answers_the_case_alone(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "police.rep")
    item_id = await item_of(runtime, world, "B")

    response = await client.post(
        f"/cases/{item_id}/research",
        data={"status": "nothing_held", "note": "", "version": "0", "_csrf": csrf},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert f'<li class="case-row" id="case-{item_id}">' in response.text
    assert (
        f'id="research-{item_id}-nothing_held"\n            class="button button-small" aria-pressed="true"'
        in (response.text)
    )
    assert 'name="version" value="1"' in response.text  # ready for the next change
    assert 'hx-swap-oob="innerHTML"' in response.text
    # the count of cases not started, swapped out of band
    assert f'<strong id="outstanding-{world.conference.id}" hx-swap-oob="true">3</strong>' in response.text


async def test_a_note_too_long_is_refused_next_to_the_field(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "police.rep")
    item_id = await item_of(runtime, world, "C")

    response = await client.post(
        f"/cases/{item_id}/research",
        data={"status": "shared", "note": "x" * 501, "version": "0", "_csrf": csrf},
    )

    assert response.status_code == 422
    row = row_of(response.text, item_id)
    assert f'id="note-{item_id}-error"' in row
    assert "Use at most 500 characters" in row
    assert "x" * 501 in row  # what was typed is kept
    assert ">Not started</strong>" in row
    assert await audited(runtime, "research.update") == []


async def test_research_recorded_meanwhile_is_not_overwritten(client: Client, runtime: Runtime) -> None:
    world = await build_pack_world(runtime)
    csrf = await sign_in_as(client, world, "police.rep")
    item_id = await item_of(runtime, world, "D")
    url = f"/cases/{item_id}/research"
    first = await client.post(url, data={"status": "shared", "version": "0", "_csrf": csrf})
    assert first.status_code == 200

    second = await client.post(url, data={"status": "nothing_held", "version": "0", "_csrf": csrf})

    assert second.status_code == 409
    assert "Someone else in your agency recorded research on this case" in second.text
    assert ">Shared</strong>" in row_of((await client.get("/cases")).text, item_id)
