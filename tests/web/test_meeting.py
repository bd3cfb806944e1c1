"""The meeting screen in-process, on both databases: attendance, outcome and minutes, actions, closing."""

from __future__ import annotations

import html as html_module
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from marac.actions.models import Action
from marac.agenda.models import AgendaItem, Attendance, Conference, ConferenceStatus
from marac.clock import FixedClock
from marac.runtime import Runtime
from tests.agenda.factories import accepted_referral, conferences_of, items_of, monthly_series, sweep
from tests.factories import World
from tests.web.test_access import SignIn

ACCEPTED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
# Cases accepted before this are queued for December and its agenda published by the sweep.
DECEMBER_CUT_OFF = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
HTMX = {"HX-Request": "true"}


@dataclass
class Agenda:
    conference: Conference
    items: list[AgendaItem]
    january: Conference

    @property
    def path(self) -> str:
        return f"/meeting/{self.conference.id}"


async def published_agenda(runtime: Runtime, clock: FixedClock, world: World, cases: int = 2) -> Agenda:
    """December's conference of a monthly series attended by police and children's services, its agenda
    published with ``cases`` cases (police referred the first, children's services the second…)."""
    series = await monthly_series(
        runtime,
        world.area,
        [world.police, world.social_care],
        representative_ids=[world.users["representative"].id],
        chair_id=world.users["chair"].id,
    )
    for n in range(cases):
        agency = world.police if n % 2 == 0 else world.social_care
        await accepted_referral(
            runtime, world.area, agency, ACCEPTED + timedelta(minutes=n), risk_rank=20 - n
        )
    clock.set(DECEMBER_CUT_OFF)
    await sweep(runtime)
    december, january = (await conferences_of(runtime, series.series.id))[:2]
    return Agenda(december, await items_of(runtime, december.id), january)


async def start_meeting(clock: FixedClock, agenda: Agenda) -> None:
    clock.set(agenda.conference.starts_at + timedelta(minutes=10))


def csrf_of(html: str) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def actions_of(runtime: Runtime, conference_id: uuid.UUID) -> list[Action]:
    async with runtime.transaction() as session:
        return list(
            await session.scalars(
                select(Action).where(Action.conference_id == conference_id).order_by(Action.reference)
            )
        )


def text_of(html: str) -> str:
    """The visible words of a page, for asserting what a person reads."""
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


async def test_the_chooser_offers_the_published_conference_and_the_screen_lists_its_cases(
    client: AsyncTestClient[Litestar], runtime: Runtime, clock: FixedClock, world: World, sign_in: SignIn
) -> None:
    agenda = await published_agenda(runtime, clock, world)
    await sign_in("coordinator")
    chooser = await client.get("/meeting")
    assert chooser.status_code == 200
    assert "Open the meeting of 8 December 2026" in chooser.text
    assert f'href="{agenda.path}"' in chooser.text
    screen = await client.get(agenda.path)
    assert screen.status_code == 200, screen.text
    words = text_of(screen.text)
    assert "Meeting of 8 December 2026" in words
    assert "North Police" in words
    assert "North Children's Services" in words
    assert words.count("Save outcome and minutes") == 0  # the record opens an hour before the start
    assert "The record opens an hour before the meeting starts" in words
    await start_meeting(clock, agenda)
    await sign_in("coordinator")  # twelve days on, the earlier session has timed out
    screen = await client.get(agenda.path)
    assert text_of(screen.text).count("Save outcome and minutes") == 2
    # The add-action form proposes the referring agency and the next conference as the deadline.
    first = screen.text.split('id="actions-' + str(agenda.items[0].id))[1]
    assert f'<option value="{world.police.id}" selected>' in first
    assert f'value="{agenda.january.local_date.isoformat()}"' in first


async def test_attendance_outcome_minutes_and_actions_are_recorded_through_htmx_fragments(
    client: AsyncTestClient[Litestar], runtime: Runtime, clock: FixedClock, world: World, sign_in: SignIn
) -> None:
    agenda = await published_agenda(runtime, clock, world)
    await start_meeting(clock, agenda)
    csrf = await sign_in("chair")
    item = agenda.items[0]

    present = await client.post(
        f"{agenda.path}/attendance/{world.police.id}", data={"status": "present", "_csrf": csrf}, headers=HTMX
    )
    assert present.status_code == 200, present.text
    assert "Saved: Present" in present.text
    deputy = await client.post(
        f"{agenda.path}/attendance/{world.social_care.id}",
        data={"status": "deputy", "_csrf": csrf},
        headers=HTMX,
    )
    assert deputy.status_code == 422
    assert "name the deputy who attended" in deputy.text
    assert 'id="att-' + str(world.social_care.id) + '-deputy-error"' in deputy.text

    minutes = "Safety plan agreed; the locks are to be changed."
    heard = await client.post(
        f"{agenda.path}/cases/{item.id}/record",
        data={"outcome": "heard", "minutes": minutes, "version": "1", "_csrf": csrf},
        headers=HTMX,
    )
    assert heard.status_code == 200, heard.text
    assert "Saved: Heard" in heard.text
    assert minutes in heard.text
    assert 'name="version" value="2"' in heard.text
    # The rest of the screen follows: the meeting is under way, one case is left without an outcome.
    assert '<span id="conference-status" hx-swap-oob="true">Meeting in progress</span>' in heard.text
    assert "1 case has no outcome" in text_of(heard.text)

    for description in ("Fit new locks at the home", "Share the safety plan with the school"):
        added = await client.post(
            f"{agenda.path}/cases/{item.id}/actions",
            data={
                "description": description,
                "owner_agency_id": str(world.police.id),
                "owner_user_id": "",
                "deadline": agenda.january.local_date.isoformat(),
                "_csrf": csrf,
            },
            headers=HTMX,
        )
        assert added.status_code == 200, added.text
        assert description in added.text
    assert "Action A-0002 added." in added.text
    assert added.text.count("<li") == 2
    # The form comes back empty, with the cursor in it, ready for the next action.
    description_input = added.text.split('name="description"')[1].split(">")[0]
    assert 'value=""' in description_input
    assert "autofocus" in description_input

    async with runtime.transaction() as session:
        rows = list(
            await session.scalars(select(Attendance).where(Attendance.conference_id == agenda.conference.id))
        )
    assert [row.status for row in rows] == ["present"]
    saved = await actions_of(runtime, agenda.conference.id)
    assert [a.reference for a in saved] == ["A-0001", "A-0002"]
    assert {a.owner_agency_id for a in saved} == {world.police.id}
    assert all(a.agenda_item_id == item.id for a in saved)

    page = text_of((await client.get(agenda.path)).text)
    assert "Fit new locks at the home" in page
    assert "Share the safety plan with the school" in page


async def test_a_bad_deadline_is_shown_next_to_its_field_and_nothing_is_added(
    client: AsyncTestClient[Litestar], runtime: Runtime, clock: FixedClock, world: World, sign_in: SignIn
) -> None:
    agenda = await published_agenda(runtime, clock, world, cases=1)
    await start_meeting(clock, agenda)
    csrf = await sign_in("coordinator")
    path = f"{agenda.path}/cases/{agenda.items[0].id}/actions"
    fields = {
        "description": "Refer to the housing panel",
        "owner_agency_id": str(world.social_care.id),
        "_csrf": csrf,
    }
    for deadline, message in (
        ("2026-13-40", "Enter a date as year-month-day"),
        ("2026-11-01", "must not be before the conference that agreed the action"),
    ):
        for headers in (HTMX, {}):
            response = await client.post(path, data={**fields, "deadline": deadline}, headers=headers)
            assert response.status_code == 422, response.text
            error = response.text.split(f'id="act-{agenda.items[0].id}-deadline-error"')
            assert len(error) == 2, response.text
            assert message in error[1][:300]
            assert 'value="Refer to the housing panel"' in response.text  # what was typed stays
    assert await actions_of(runtime, agenda.conference.id) == []
    blank = await client.post(
        path, data={**fields, "description": "", "deadline": "2026-12-20"}, headers=HTMX
    )
    assert blank.status_code == 422
    assert f'id="act-{agenda.items[0].id}-description-error"' in blank.text


async def test_a_record_saved_by_someone_else_is_shown_and_what_was_typed_is_kept(
    client: AsyncTestClient[Litestar], runtime: Runtime, clock: FixedClock, world: World, sign_in: SignIn
) -> None:
    agenda = await published_agenda(runtime, clock, world, cases=1)
    await start_meeting(clock, agenda)
    csrf = await sign_in("chair")
    path = f"{agenda.path}/cases/{agenda.items[0].id}/record"
    first = await client.post(
        path,
        data={"outcome": "heard", "minutes": "The coordinator's note", "version": "1", "_csrf": csrf},
        follow_redirects=False,
    )
    assert first.status_code == 303
    mine = "Fuller minutes from the chair"
    for headers in (HTMX, {}):
        stale = await client.post(
            path,
            data={"outcome": "deferred", "minutes": mine, "version": "1", "_csrf": csrf},
            headers=headers,
        )
        assert stale.status_code == 409, stale.text
        words = text_of(stale.text)
        assert "Someone else saved this case's record" in words
        assert "Saved by someone else" in words
        assert "The coordinator's note" in words
        assert f">{mine}</textarea>" in stale.text
        assert 'name="version" value="2"' in stale.text
    again = await client.post(
        path, data={"outcome": "deferred", "minutes": mine, "version": "2", "_csrf": csrf}, headers=HTMX
    )
    assert again.status_code == 200
    async with runtime.transaction() as session:
        item = await session.get(AgendaItem, agenda.items[0].id)
    assert item is not None
    assert item.outcome == "deferred"


async def test_closing_the_meeting_makes_the_record_final(
    client: AsyncTestClient[Litestar], runtime: Runtime, clock: FixedClock, world: World, sign_in: SignIn
) -> None:
    agenda = await published_agenda(runtime, clock, world)
    await start_meeting(clock, agenda)
    csrf = await sign_in("chair")
    await client.post(
        f"{agenda.path}/cases/{agenda.items[0].id}/record",
        data={"outcome": "heard", "minutes": "", "version": "1", "_csrf": csrf},
    )
    screen = await client.get(agenda.path)
    assert "1 case has no outcome" in text_of(screen.text)
    stale = await client.post(f"{agenda.path}/close", data={"version": "99", "_csrf": csrf})
    assert stale.status_code == 409
    assert "Someone else changed this meeting" in text_of(stale.text)
    version = re.search(
        r'name="version" value="(\d+)">\s*<button type="submit" class="button button-warning">', screen.text
    )
    assert version is not None
    closed = await client.post(
        f"{agenda.path}/close", data={"version": version.group(1), "_csrf": csrf}, follow_redirects=False
    )
    assert closed.status_code == 303, closed.text
    after = text_of((await client.get(agenda.path)).text)
    assert "Meeting closed: 1 of 2 cases heard" in after
    assert "This meeting is closed" in after
    assert "Save outcome and minutes" not in after
    assert "Add action" not in after
    async with runtime.transaction() as session:
        conference = await session.get(Conference, agenda.conference.id)
    assert conference is not None
    assert conference.status == ConferenceStatus.CLOSED
