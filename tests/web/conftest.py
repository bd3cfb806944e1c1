"""The page test rig.

In-process (both database backends): ``sign_in(client, key)`` logs a ``client`` in through the login form.

In a real browser (``@pytest.mark.browser``, SQLite): the real application runs under uvicorn in a
background thread on 127.0.0.1, on a fresh copy of a migrated and seeded SQLite file for every test,
with a :class:`FixedClock` the test moves (``live.clock``).  One headless Chromium (Debian's, at
``/usr/bin/chromium``) serves the whole session; every test gets its own browser context.

    @pytest.mark.browser
    async def test_something(login_as, live, screenshot):
        page = await login_as("coordinator")    # any key of tests.factories.World.users, or "multi_area"
        await page.get_by_role("link", name="Agencies").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Agencies")
        live.clock.advance(minutes=31)          # time moves only when told
        await live.arun(run_all_once)           # async code on the server's loop, e.g. scheduler sweeps
        await screenshot(page, "agencies")      # test-artifacts/screenshots/agencies.png

Browser tests are async (Playwright's async API) and run on one session-wide event loop; the marker
is added for any test using ``page``, ``login_as`` or ``browser``.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest
import pytest_asyncio
import uvicorn
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.access import schemas, services
from marac.access.guards import Actor
from marac.access.models import Role
from marac.app import create_app
from marac.clock import FixedClock
from marac.db import create_engine
from marac.runtime import Runtime
from marac.settings import get_settings
from tests.conftest import START
from tests.factories import PASSWORD, World, build_world

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

T = TypeVar("T")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_CHROMIUM = "Debian's chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)"
MULTI_AREA_EMAIL = "multi.area@north.example"
_CSRF_INPUT = re.compile(r'name="_csrf" value="([^"]+)"')


# --- in-process ----------------------------------------------------------------------------------------


def email_of(world: World, key: str) -> str:
    return MULTI_AREA_EMAIL if key == "multi_area" else world.users[key].email


async def sign_in_client(client: AsyncTestClient[Litestar], email: str, password: str = PASSWORD) -> str:
    """Log ``client`` in through the login form; returns the session's CSRF token for later posts."""
    form = await client.get("/login")
    token = _CSRF_INPUT.search(form.text)
    assert token is not None, "the login page has no CSRF field"
    response = await client.post(
        "/login",
        data={"email": email, "password": password, "_csrf": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    home = await client.get("/")
    found = _CSRF_INPUT.search(home.text)
    assert found is not None
    return found.group(1)


@pytest.fixture
def sign_in(client: AsyncTestClient[Litestar], world: World) -> Callable[[str], Awaitable[str]]:
    """``csrf = await sign_in("chair")``: the client is now logged in as that World user."""

    async def go(key: str) -> str:
        return await sign_in_client(client, email_of(world, key))

    return go


# --- live server ---------------------------------------------------------------------------------------


async def seed(runtime: Runtime) -> World:
    """tests.factories.build_world, plus one person working in both areas (for the area switcher)."""
    world = await build_world(runtime)
    async with runtime.transaction() as session:
        system = Actor.system("test")
        user = await services.create_user(
            session,
            runtime.clock,
            system,
            world.area.id,
            schemas.UserCreate(
                email=MULTI_AREA_EMAIL, name="Morgan Twoareas", roles=[Role.COORDINATOR], password=PASSWORD
            ),
        )
        await services.set_roles(session, runtime.clock, system, user.id, world.other_area.id, [Role.CHAIR])
    return world


@dataclass
class LiveServer:
    """The application served over HTTP from a background thread, with its own event loop."""

    template: Path
    workdir: Path
    base_url: str = ""
    clock: FixedClock = field(default_factory=lambda: FixedClock(START))
    world: World | None = None
    app: Litestar | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _runs: int = 0

    @property
    def runtime(self) -> Runtime:
        assert self.app is not None
        runtime: Runtime = self.app.state.runtime
        return runtime

    def email(self, key: str) -> str:
        assert self.world is not None
        return email_of(self.world, key)

    def run(self, work: Callable[[Runtime], Awaitable[T]], timeout: float = 30) -> T:
        """Run async code (a service call, a scheduler sweep) on the server's loop, against its database."""
        assert self._loop is not None

        async def call() -> T:
            return await work(self.runtime)

        future: Future[T] = asyncio.run_coroutine_threadsafe(call(), self._loop)
        return future.result(timeout)

    async def arun(self, work: Callable[[Runtime], Awaitable[T]]) -> T:
        """:meth:`run` from an async test, without blocking the test's own loop."""
        assert self._loop is not None

        async def call() -> T:
            return await work(self.runtime)

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call(), self._loop))

    def _fresh_runtime(self) -> Runtime:
        self._runs += 1
        path = self.workdir / f"live-{self._runs}.db"
        shutil.copy(self.template, path)
        self.clock = FixedClock(START)
        return Runtime.build(
            get_settings(), engine=create_engine(f"sqlite+aiosqlite:///{path}"), clock=self.clock
        )

    def start(self) -> None:
        seeded_runtime = self._fresh_runtime()
        self.app = create_app(seeded_runtime)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)  # connections wait in the backlog until uvicorn accepts: no start-up polling
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self._loop = asyncio.new_event_loop()
        server, loop = self._server, self._loop

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(server.serve(sockets=[sock]))
            loop.close()

        self._thread = threading.Thread(target=serve, name="live-server", daemon=True)
        self._thread.start()
        # Seed once; every test then starts from a copy of this file.
        self.world = self.run(seed)
        self.run(lambda runtime: runtime.engine.dispose())
        shutil.copy(Path(seeded_runtime.engine.url.database or ""), self.template)

    def reset(self) -> None:
        """A fresh copy of the seeded database and a fresh clock, for the next test."""
        assert self.app is not None
        old = self.runtime
        fresh = self._fresh_runtime()
        self.app.state.runtime = fresh
        self.app.state.credentials.clear()
        self.run(lambda _: old.engine.dispose())

    def stop(self) -> None:
        if self._server is not None:
            self.run(lambda runtime: runtime.engine.dispose())
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(15)


@pytest.fixture(scope="session")
def live_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("live")
    template = workdir / "seeded.db"
    shutil.copy(sqlite_template, template)
    server = LiveServer(template, workdir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live(live_server: LiveServer) -> LiveServer:
    """The live server on a fresh database and clock (the seeded World: ``live.world``)."""
    live_server.reset()
    return live_server


# --- browser -------------------------------------------------------------------------------------------
# Playwright's async API, on one event loop for the whole session (its sync API would leave a loop running
# in the main thread and break every later asyncio test of the same process).
SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests (marked, or using the browser fixtures) run on the session loop, or are skipped."""
    for item in items:
        uses_browser = {"browser", "page", "login_as"} & set(getattr(item, "fixturenames", ()))
        if uses_browser and item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("browser") is None:
            continue
        item.add_marker(SESSION_LOOP, append=False)
        if not CHROMIUM.exists():
            item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser, live: LiveServer) -> AsyncIterator[Page]:
    """A new, anonymous browser context on the live server (relative URLs work: ``page.goto("/")``)."""
    context = await browser.new_context(base_url=live.base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(5_000)
    tab = await context.new_page()
    yield tab
    await context.close()


@pytest.fixture
def login_as(page: Page, live: LiveServer) -> Callable[[str], Awaitable[Page]]:
    """``await login_as("chair")`` logs the page in through the form and lands on the dashboard."""

    async def go(key: str) -> Page:
        await page.goto("/login")
        await page.get_by_label("Email address").fill(live.email(key))
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(f"{live.base_url}/")
        return page

    return go


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig: pytest.Config) -> Path:
    folder = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(screenshot_dir: Path) -> Callable[[Page, str], Awaitable[Path]]:
    """``await screenshot(page, "agencies")`` keeps a full-page PNG under test-artifacts/screenshots/."""

    async def take(page: Page, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        return path

    return take
