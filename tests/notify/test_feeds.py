"""Private calendar feeds over HTTP: made, fetched, cached, rotated, revoked, audited."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime

import icalendar
import pytest
import vobject
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from marac.app import create_app
from marac.audit import AuditEvent
from marac.clock import FixedClock
from marac.db import create_engine
from marac.notify import feeds
from marac.notify.feeds import FeedDeadline
from marac.runtime import Runtime
from tests.factories import World

from .conference_helpers import LONDON, cancel, make_conference, make_series
from .outbox_helpers import VICTIM, make_case

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def app_client(runtime: Runtime, db_url: str) -> AsyncIterator[Client]:
    """The application with the public feed route mounted at the root, as the service mounts it (on an
    engine of its own: the test client serves from another event loop, see tests/conftest.py)."""
    engine = create_engine(db_url)
    app = create_app(Runtime.build(runtime.settings, engine=engine, clock=runtime.clock))
    async with AsyncTestClient(app=app) as client:
        yield client
    await engine.dispose()


@pytest.fixture
async def deadlines(monkeypatch: pytest.MonkeyPatch, runtime: Runtime, world: World) -> list[FeedDeadline]:
    """Two actions owned by the representative's agency; the second is about a case they must not see."""
    visible = await make_case(runtime, world.area, "MC-0101", VICTIM)
    barred = await make_case(runtime, world.area, "MC-0102", VICTIM, excluded=[world.users["representative"]])
    owned = [
        FeedDeadline(uuid.uuid4(), "A-0007", visible.id, "MC-0101", date(2027, 1, 20)),
        FeedDeadline(uuid.uuid4(), "A-0008", barred.id, "MC-0102", date(2027, 1, 21)),
    ]

    async def source(session: object, agency_id: uuid.UUID, since: date) -> Sequence[FeedDeadline]:
        return owned if agency_id == world.social_care.id else []

    monkeypatch.setattr(feeds, "agency_deadlines", source)
    return owned


async def feed_url(client: Client, world: World, who: str = "representative") -> str:
    made = await client.post("/api/v1/me/calendar-feed", headers=world.auth(who))
    assert made.status_code == 201, made.text
    url, webcal = str(made.json()["url"]), str(made.json()["webcal_url"])
    assert webcal == "webcal://" + url.split("://", 1)[1]
    return "/" + url.split("/", 3)[3]


async def test_feed_holds_conferences_and_deadlines_as_references(
    app_client: Client, runtime: Runtime, world: World, deadlines: list[FeedDeadline]
) -> None:
    rep = world.users["representative"]
    series = await make_series(runtime, world.area, [rep])
    conference = await make_conference(runtime, series, datetime(2027, 3, 30, 10, 0))  # BST
    url = await feed_url(app_client, world)

    fetched = await app_client.get(url)

    assert fetched.status_code == 200
    assert fetched.headers["content-type"].startswith("text/calendar")
    assert "no-cache" in fetched.headers["cache-control"]
    calendar = icalendar.Calendar.from_ical(fetched.content)
    assert "METHOD" not in calendar
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    meeting = events[conference.ical_uid]
    assert meeting.decoded("DTSTART") == datetime(2027, 3, 30, 10, 0, tzinfo=LONDON)
    assert "ATTENDEE" not in meeting
    summaries = sorted(str(e["SUMMARY"]) for e in events.values())
    assert summaries == ["Action A-0007 due (case MC-0101)", "North Shire MARAC"]  # not the barred case
    readings = list(vobject.readComponents(fetched.content.decode()))
    assert len(readings[0].vevent_list) == 2


async def test_unchanged_feed_answers_304_and_a_change_gives_a_new_etag(
    app_client: Client, runtime: Runtime, clock: FixedClock, world: World
) -> None:
    series = await make_series(runtime, world.area, [world.users["representative"]])
    conference = await make_conference(runtime, series, datetime(2027, 1, 12, 10, 0))
    url = await feed_url(app_client, world)
    first = await app_client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]

    clock.advance(hours=2)
    by_etag = await app_client.get(url, headers={"If-None-Match": etag})
    by_date = await app_client.get(url, headers={"If-Modified-Since": modified})
    await cancel(runtime, conference)
    changed = await app_client.get(url, headers={"If-None-Match": etag})

    assert (by_etag.status_code, by_date.status_code) == (304, 304)
    assert by_etag.content == b""
    assert by_etag.headers["etag"] == etag
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    (event,) = icalendar.Calendar.from_ical(changed.content).walk("VEVENT")
    assert event["STATUS"] == "CANCELLED"
    assert event.decoded("DTSTAMP") == clock.now().replace(microsecond=0)  # when the content changed


async def test_rotating_kills_the_old_url_and_revoking_the_new(
    app_client: Client, runtime: Runtime, world: World
) -> None:
    old = await feed_url(app_client, world)
    new = await feed_url(app_client, world)

    assert (await app_client.get(old)).status_code == 404
    assert (await app_client.get(new)).status_code == 200
    assert (
        await app_client.delete("/api/v1/me/calendar-feed", headers=world.auth("representative"))
    ).status_code == 204
    assert (await app_client.get(new)).status_code == 404
    status = await app_client.get("/api/v1/me/calendar-feed", headers=world.auth("representative"))
    assert status.json()["active"] is False
    assert status.json()["prefix"] == new.rsplit("/", 1)[1][:10]
    assert (await app_client.get("/feeds/mf_made-up-token.ics")).status_code == 404
    assert (await app_client.get(new.removesuffix(".ics"))).status_code == 404


async def test_every_fetch_is_audited(app_client: Client, runtime: Runtime, world: World) -> None:
    url = await feed_url(app_client, world)
    first = await app_client.get(url)
    await app_client.get(url, headers={"If-None-Match": first.headers["etag"]})
    await app_client.delete("/api/v1/me/calendar-feed", headers=world.auth("representative"))
    await app_client.get(url)

    async with runtime.sessions() as session:
        events = (
            await session.scalars(select(AuditEvent).where(AuditEvent.object_type == "feed_token"))
        ).all()
    trail = [(e.action, e.detail.get("status"), e.actor_id) for e in events]
    rep = world.users["representative"].id
    assert trail == [
        ("feed_token.create", None, rep),
        ("feed.fetch", 200, rep),
        ("feed.fetch", 304, rep),
        ("feed_token.revoke", None, rep),
        ("feed.fetch_refused", None, rep),
    ]


async def test_coordinators_see_every_conference_of_their_area(
    app_client: Client, runtime: Runtime, clock: FixedClock, world: World
) -> None:
    series = await make_series(runtime, world.area, [])
    await make_conference(runtime, series, datetime(2027, 1, 12, 10, 0))
    await make_conference(runtime, series, datetime(2027, 2, 9, 10, 0))
    clock.set(datetime(2026, 12, 1, tzinfo=UTC))

    coordinator = await app_client.get(await feed_url(app_client, world, "coordinator"))
    representative = await app_client.get(await feed_url(app_client, world, "representative"))
    outsider = await app_client.get(await feed_url(app_client, world, "other_coordinator"))

    assert len(icalendar.Calendar.from_ical(coordinator.content).walk("VEVENT")) == 2
    assert icalendar.Calendar.from_ical(representative.content).walk("VEVENT") == []  # not on this series
    assert icalendar.Calendar.from_ical(outsider.content).walk("VEVENT") == []
