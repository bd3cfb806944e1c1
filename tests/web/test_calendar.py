"""The calendar feed page: make the private link (shown once), use it, make a new one, stop it."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.runtime import Runtime
from tests.factories import World
from tests.web.conference_pages import monthly_meetings, text_of
from tests.web.test_access import SignIn

Client = AsyncTestClient[Litestar]
_HTTPS = re.compile(r'id="feed-https" value="([^"]+)"')
_WEBCAL = re.compile(r'id="feed-webcal" value="([^"]+)"')


def feed_path(html: str) -> str:
    found = _HTTPS.search(html)
    assert found is not None, "no feed link shown"
    return "/" + found.group(1).split("/", 3)[3]


async def test_the_link_is_shown_once_as_webcal_and_https_and_the_feed_answers(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    await monthly_meetings(runtime, world)
    csrf = await sign_in("representative")

    before = text_of((await client.get("/account/calendar")).text)
    made = await client.post("/account/calendar", data={"_csrf": csrf})
    later = await client.get("/account/calendar")

    assert "You have no calendar link yet." in before
    assert made.status_code == 201
    https, webcal = _HTTPS.search(made.text), _WEBCAL.search(made.text)
    assert https is not None
    assert webcal is not None
    assert https.group(1).startswith(f"{runtime.settings.base_url}/feeds/mf_")
    assert webcal.group(1) == "webcal://" + https.group(1).split("://", 1)[1]
    assert "feed-https" not in later.text  # shown once only
    assert https.group(1).split("/feeds/")[1][:10] in later.text  # ...then known by its first letters
    feed = await client.get(feed_path(made.text))
    assert feed.status_code == 200
    assert "LOCATION:Civic Centre\\, Room 4" in feed.text  # the meetings of the series they attend


async def test_a_new_link_stops_the_old_one_and_stopping_ends_it(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("representative")
    first = feed_path((await client.post("/account/calendar", data={"_csrf": csrf})).text)
    second = feed_path((await client.post("/account/calendar", data={"_csrf": csrf})).text)

    stopped = await client.post("/account/calendar/revoke", data={"_csrf": csrf}, follow_redirects=False)
    again = await client.post("/account/calendar/revoke", data={"_csrf": csrf})

    assert (await client.get(first)).status_code == 404
    assert stopped.status_code == 303
    page = await client.get("/account/calendar")
    assert "Calendar link stopped." in page.text
    assert "was stopped 23 Nov 2026 09:00" in text_of(page.text)
    assert "Stop my calendar link" not in page.text
    assert (await client.get(second)).status_code == 404
    assert again.status_code == 404  # nothing left to stop: said plainly, nothing changed
