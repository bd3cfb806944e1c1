"""The frame around every page: dashboard panels by role, the login page's own checks, htmx answers."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.access import schemas, services
from marac.access.guards import Actor
from marac.clock import FixedClock
from marac.runtime import Runtime
from marac.web import dashboard
from marac.web.dashboard import Panel, PanelContent, PanelRequest, PanelRow
from marac.web.nav import COORDINATORS
from tests.factories import PASSWORD, World
from tests.web.conftest import sign_in_client

_PANEL_TITLES = re.compile(r'<h2 id="panel-[^"]+">([^<]+)</h2>')

SignIn = Callable[[str], Awaitable[str]]


@pytest.mark.parametrize(
    ("key", "titles"),
    [
        (
            "coordinator",
            [
                "Referrals to decide",
                "Next conference",
                "Research responses missing",
                "Undelivered emails",
                "Agencies and users",
            ],
        ),
        ("referrer", ["My referrals"]),
        ("representative", ["My conferences", "Cases to research", "Our open actions"]),
        ("chair", ["Agenda to review", "Overdue and escalated actions"]),
    ],
)
async def test_the_dashboard_shows_the_panels_of_the_role(
    client: AsyncTestClient[Litestar],
    world: World,
    sign_in: SignIn,
    key: str,
    titles: list[str],
) -> None:
    await sign_in(key)
    html = (await client.get("/")).text
    assert _PANEL_TITLES.findall(html) == titles


async def test_a_panel_source_fills_its_panel(
    client: AsyncTestClient[Litestar],
    world: World,
    sign_in: SignIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def three_waiting(request: PanelRequest) -> PanelContent:
        assert request.area_id == world.area.id
        return PanelContent("3 referrals waiting", [PanelRow("Oldest first", "/referrals")])

    monkeypatch.setattr(dashboard, "three_waiting", three_waiting, raising=False)
    monkeypatch.setattr(
        dashboard, "PANELS", [Panel("waiting", "Waiting", COORDINATORS, "marac.web.dashboard:three_waiting")]
    )
    await sign_in("coordinator")
    html = (await client.get("/")).text
    assert "3 referrals waiting" in html
    assert '<a href="/referrals">Oldest first</a>' in html


async def test_someone_without_a_role_is_told_so(
    client: AsyncTestClient[Litestar], world: World, runtime: Runtime
) -> None:
    async with runtime.transaction() as session:
        await services.create_user(
            session,
            runtime.clock,
            Actor.system("test"),
            world.area.id,
            schemas.UserCreate(email="nobody@north.example", name="No Role", password=PASSWORD),
        )
    await sign_in_client(client, "nobody@north.example")
    html = (await client.get("/")).text
    assert "You have no role in any area yet" in html
    assert (await client.get("/agencies")).status_code == 403


async def test_the_login_form_needs_its_own_token(client: AsyncTestClient[Litestar], world: World) -> None:
    response = await client.post(
        "/login", data={"email": "chair@north.example", "password": PASSWORD, "_csrf": "guessed"}
    )
    assert response.status_code == 400
    assert "The login form had expired" in response.text
    assert "marac_session" not in response.cookies


async def test_repeated_failures_lock_the_account_and_the_page_says_so(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    for _ in range(5):
        form = await client.get("/login")
        token = re.search(r'name="_csrf" value="([^"]+)"', form.text)
        assert token is not None
        refused = await client.post(
            "/login", data={"email": "chair@north.example", "password": "wrong", "_csrf": token.group(1)}
        )
        assert refused.status_code == 401
    form = await client.get("/login")
    token = re.search(r'name="_csrf" value="([^"]+)"', form.text)
    assert token is not None
    locked = await client.post(
        "/login", data={"email": "chair@north.example", "password": PASSWORD, "_csrf": token.group(1)}
    )
    assert locked.status_code == 429
    assert "this account is locked for a few minutes" in locked.text


async def test_htmx_requests_get_fragments_for_errors_and_a_redirect_when_the_session_ends(
    client: AsyncTestClient[Litestar], world: World, sign_in: SignIn, clock: FixedClock
) -> None:
    csrf = await sign_in("chair")
    htmx = {"HX-Request": "true", "X-CSRF-Token": csrf}
    missing = await client.post("/account/tokens/00000000-0000-0000-0000-000000000000/revoke", headers=htmx)
    assert missing.status_code == 404
    assert missing.headers["hx-retarget"] == "#messages"
    assert missing.text.startswith('<div class="flash flash-error" role="alert">')

    clock.advance(minutes=31)
    ended = await client.post("/account/tokens/00000000-0000-0000-0000-000000000000/revoke", headers=htmx)
    assert ended.status_code == 200
    assert ended.headers["hx-redirect"] == "/login"


async def test_logging_in_again_while_signed_in_switches_person(
    client: AsyncTestClient[Litestar], world: World, sign_in: SignIn
) -> None:
    await sign_in("chair")
    # The login form of another tab, still on screen: its token is in the cookie and the field.
    client.cookies.set("marac_login", "still-on-screen", domain="testserver.local", path="/login")
    response = await client.post(
        "/login",
        data={"email": "coordinator@north.example", "password": PASSWORD, "_csrf": "still-on-screen"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert (await client.get("/agencies")).status_code == 200
