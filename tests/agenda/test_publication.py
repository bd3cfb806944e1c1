"""Publication through the API: frozen versions, what changed, who may see an agenda, the .docx."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from docx import Document
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from marac.actions.models import Action
from marac.agenda.models import Conference, ConferenceStatus
from marac.agenda.series import SeriesDetail
from marac.audit import AuditEvent
from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.agenda.factories import accepted_referral, case_of, conferences_of, exclude, items_of, sweep
from tests.agenda.test_queueing import DECEMBER_CUT_OFF
from tests.factories import World

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def test_the_agenda_is_published_at_the_cut_off_and_later_changes_make_numbered_versions(
    client: AsyncTestClient, runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail
) -> None:
    first = await accepted_referral(runtime, world.area, world.police, MONDAY, has_children=True)
    await sweep(runtime)
    december = (await conferences_of(runtime, series.series.id))[0]
    rep = world.auth("representative")
    early = await client.get(f"/api/v1/conferences/{december.id}/agenda", headers=rep)
    assert early.status_code == 409  # not published yet: representatives wait for the list

    clock.set(DECEMBER_CUT_OFF)
    await sweep(runtime)
    v1 = await client.get(f"/api/v1/conferences/{december.id}/agenda", headers=rep)
    assert v1.status_code == 200, v1.text
    body = v1.json()
    assert (body["version"], body["draft"], body["status"]) == (1, False, "published")
    assert [s["key"] for s in body["sections"]] == ["introductions", "confidentiality", "children", "aob"]
    [line] = body["sections"][2]["items"]
    first_case = await case_of(runtime, first)
    assert line["case_reference"] == first_case.reference
    assert line["starts_at"] == "2026-12-08T10:10:00Z"
    assert set(line) == {
        "item_id",
        "case_reference",
        "referral_reference",
        "referring_agency",
        "starts_at",
        "ends_at",
        "repeat",
        "carried_over",
        "notification_only",
    }  # references only: no names, dates of birth or addresses

    # A referral accepted before the cut-off but queued after publication joins the published agenda.
    late = await accepted_referral(runtime, world.area, world.police, DECEMBER_CUT_OFF - timedelta(hours=1))
    clock.advance(minutes=5)
    await sweep(runtime)
    v2 = (await client.get(f"/api/v1/conferences/{december.id}/agenda", headers=rep)).json()
    late_case = await case_of(runtime, late)
    assert v2["version"] == 2
    assert v2["changes"] == [
        {"change": "added", "detail": "Added under Adult-only cases.", "case_reference": late_case.reference}
    ]
    await sweep(runtime)  # nothing changed: no version 3
    versions = (await client.get(f"/api/v1/conferences/{december.id}/agenda/versions", headers=rep)).json()
    assert [v["number"] for v in versions] == [2, 1]
    frozen = (await client.get(f"/api/v1/conferences/{december.id}/agenda?version=1", headers=rep)).json()
    assert [len(s["items"]) for s in frozen["sections"]] == [0, 0, 1, 0]

    # The coordinator defers the late case: version 3 says it was removed.
    [_, late_item] = await items_of(runtime, december.id)
    deferred = await client.post(
        f"/api/v1/agenda-items/{late_item.id}/defer", json={"version": 1}, headers=world.auth("coordinator")
    )
    assert deferred.status_code == 200, deferred.text
    assert deferred.json()["carried_over"] is True
    v3 = (await client.get(f"/api/v1/conferences/{december.id}/agenda", headers=rep)).json()
    assert v3["version"] == 3
    assert [c["change"] for c in v3["changes"]] == ["removed"]


async def test_moving_a_published_meeting_makes_a_version_that_says_so(
    client: AsyncTestClient, runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail
) -> None:
    await accepted_referral(runtime, world.area, world.police, MONDAY)
    december = (await conferences_of(runtime, series.series.id))[0]
    coordinator = world.auth("coordinator")
    published = await client.post(f"/api/v1/conferences/{december.id}/publish", headers=coordinator)
    assert published.status_code == 200
    assert published.json()["number"] == 1
    moved = await client.post(
        f"/api/v1/conferences/{december.id}/move",
        json={"version": 1, "local_date": "2026-12-09", "location": "Town Hall"},
        headers=coordinator,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["sequence"] == 1
    agenda = (await client.get(f"/api/v1/conferences/{december.id}/agenda", headers=coordinator)).json()
    assert agenda["version"] == 2
    assert [c["change"] for c in agenda["changes"]] == ["time", "place"]
    assert agenda["location"] == "Town Hall"


async def test_who_may_see_an_agenda(
    client: AsyncTestClient, runtime: Runtime, world: World, series: SeriesDetail
) -> None:
    await accepted_referral(runtime, world.area, world.police, MONDAY)
    december = (await conferences_of(runtime, series.series.id))[0]
    await client.post(f"/api/v1/conferences/{december.id}/publish", headers=world.auth("coordinator"))
    path = f"/api/v1/conferences/{december.id}/agenda"
    statuses = {key: (await client.get(path, headers=world.auth(key))).status_code for key in world.tokens}
    assert statuses == {
        "admin": 200,
        "coordinator": 200,
        "chair": 200,
        "representative": 200,  # children's services attend this series
        "referrer": 403,
        "other_coordinator": 404,  # another area's conference does not exist for them
        "sysadmin": 200,
    }
    publish = await client.post(f"/api/v1/conferences/{december.id}/publish", headers=world.auth("chair"))
    assert publish.status_code == 403


async def test_a_must_not_receive_user_never_sees_the_case_on_the_agenda(
    client: AsyncTestClient, runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail
) -> None:
    shown = await accepted_referral(runtime, world.area, world.police, MONDAY)
    hidden = await accepted_referral(runtime, world.area, world.police, MONDAY + timedelta(minutes=1))
    await exclude(runtime, hidden.case_id, world.users["representative"].id, clock.now())
    await sweep(runtime)
    december = (await conferences_of(runtime, series.series.id))[0]
    await client.post(f"/api/v1/conferences/{december.id}/publish", headers=world.auth("coordinator"))
    rep = world.auth("representative")
    agenda = (await client.get(f"/api/v1/conferences/{december.id}/agenda", headers=rep)).json()
    listed = [line["case_reference"] for s in agenda["sections"] for line in s["items"]]
    assert listed == [(await case_of(runtime, shown)).reference]
    hidden_item = next(i for i in await items_of(runtime, december.id) if i.referral_id == hidden.id)
    research = await client.put(
        f"/api/v1/agenda-items/{hidden_item.id}/research/{world.social_care.id}",
        json={"status": "nothing_held"},
        headers=rep,
    )
    assert research.status_code == 404
    board = (await client.get(f"/api/v1/conferences/{december.id}/research", headers=rep)).json()
    assert str(hidden_item.id) not in {line["item_id"] for line in board["items"]}


async def test_the_agenda_downloads_as_a_marked_word_document_and_the_download_is_audited(
    client: AsyncTestClient, runtime: Runtime, world: World, series: SeriesDetail
) -> None:
    referral = await accepted_referral(runtime, world.area, world.police, MONDAY, is_repeat=True)
    await sweep(runtime)
    december = (await conferences_of(runtime, series.series.id))[0]
    path = f"/api/v1/conferences/{december.id}/agenda.docx"
    rep = world.auth("representative")
    assert (await client.get(path, headers=rep)).status_code == 409  # nothing published yet
    await client.post(f"/api/v1/conferences/{december.id}/publish", headers=world.auth("coordinator"))
    response = await client.get(path, headers=rep)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="marac-agenda-2026-12-08-v1.docx"' in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    document = Document(io.BytesIO(response.content))
    text = "\n".join(
        [p.text for p in document.paragraphs]
        + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    )
    assert f"Case {(await case_of(runtime, referral)).reference}" in text
    assert "Agenda version 1" in text
    assert "Representative" in text  # the copy names its recipient
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert "OFFICIAL-SENSITIVE" in header
    async with runtime.transaction() as session:
        downloads = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "agenda.download"))
        )
    assert [(e.actor_id, e.object_id) for e in downloads] == [
        (world.users["representative"].id, str(december.id))
    ]
    assert (await client.get(path)).status_code == 401


async def test_incomplete_actions_from_earlier_meetings_follow_the_confidentiality_statement(
    client: AsyncTestClient, runtime: Runtime, clock: FixedClock, world: World, series: SeriesDetail
) -> None:
    referral = await accepted_referral(runtime, world.area, world.police, MONDAY)
    await sweep(runtime)
    december, january = (await conferences_of(runtime, series.series.id))[:2]
    async with runtime.transaction() as session:
        held = await session.get(Conference, december.id)
        assert held is not None
        held.status = ConferenceStatus.CLOSED
        session.add(
            Action(
                area_id=world.area.id,
                case_id=referral.case_id,
                conference_id=december.id,
                reference="A-0001",
                description_enc="-",
                owner_agency_id=world.social_care.id,
                deadline=date(2026, 12, 22),
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    published = await client.post(
        f"/api/v1/conferences/{january.id}/publish", headers=world.auth("coordinator")
    )
    assert published.status_code == 200, published.text
    agenda = (
        await client.get(f"/api/v1/conferences/{january.id}/agenda", headers=world.auth("chair"))
    ).json()
    assert [s["key"] for s in agenda["sections"]][:3] == [
        "introductions",
        "confidentiality",
        "previous_actions",
    ]
    [action] = agenda["previous_actions"]
    case = await case_of(runtime, referral)
    assert (action["reference"], action["case_reference"], action["owner_agency"]) == (
        "A-0001",
        case.reference,
        "North Children's Services",
    )
    await exclude(runtime, referral.case_id, world.users["representative"].id, clock.now())
    rep = (
        await client.get(f"/api/v1/conferences/{january.id}/agenda", headers=world.auth("representative"))
    ).json()
    assert rep["previous_actions"] == []
