"""Personal API tokens, and the frame every page shares: phone width, keyboard focus, marking."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser

LoginAs = Callable[[str], Awaitable[Page]]
Screenshot = Callable[[Page, str], Awaitable[Path]]
# Elements sticking out of the viewport (tables scroll inside their own box, so they are left out).
TOO_WIDE = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.table-wrap'))
  .map(e => `${e.tagName}.${e.className}`)"""


async def test_a_token_is_shown_once_works_and_stops_when_revoked_in_place(
    page: Page, login_as: LoginAs, live: LiveServer, screenshot: Screenshot
) -> None:
    await login_as("representative")
    await page.get_by_role("link", name="API tokens").click()
    await page.get_by_label("Name", exact=True).fill("case system sync")
    await page.get_by_label("Expires on").fill("2026-12-31")
    await page.get_by_role("button", name="Create token").click()

    secret = await page.locator("#token-secret").inner_text()
    assert secret.startswith("marac_")
    row = page.get_by_role("row").filter(has_text="case system sync")
    await expect(row.get_by_role("cell").nth(3)).to_have_text("01 Jan 2027 00:00")
    await screenshot(page, "tokens")
    async with httpx.AsyncClient(base_url=live.base_url) as api:
        headers = {"Authorization": f"Bearer {secret}"}
        assert (await api.get("/api/v1/auth/me", headers=headers)).status_code == 200

        await row.get_by_role("button", name="Revoke case system sync").click()
        await expect(row.get_by_role("cell").nth(5)).to_have_text("Revoked 23 Nov 2026 09:00")
        # Swapped in place by htmx: the page was not reloaded, so the one-time secret is still on screen.
        await expect(page.locator("#token-secret")).to_have_text(secret)
        assert (await api.get("/api/v1/auth/me", headers=headers)).status_code == 401
    await page.goto("/account/tokens")
    await expect(page.locator("#token-secret")).to_have_count(0)


async def test_pages_fit_a_phone_and_carry_the_marking_top_and_bottom(
    page: Page, login_as: LoginAs, screenshot: Screenshot
) -> None:
    await login_as("coordinator")
    await page.set_viewport_size({"width": 375, "height": 740})
    for path, name in [("/", "phone-dashboard"), ("/agencies", "phone-agencies"), ("/users", "phone-users")]:
        await page.goto(path)
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a phone: {await page.evaluate(TOO_WIDE)}"
        await expect(page.locator(".marking")).to_have_text(["OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"])
        await screenshot(page, name)


async def test_keyboard_users_can_skip_to_content_and_always_see_focus(page: Page, live: LiveServer) -> None:
    await page.goto("/login")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    await expect(skip).to_be_focused()
    assert await skip.evaluate("e => e.getBoundingClientRect().left") >= 0  # shown when focused
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")
    email = page.get_by_label("Email address")
    await expect(email).to_be_focused()
    outline = await email.evaluate(
        "e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth"
    )
    assert outline == "solid 3px"


async def test_an_unknown_page_is_a_page_not_json(page: Page, login_as: LoginAs, live: LiveServer) -> None:
    await login_as("coordinator")
    response = await page.goto("/agencies/00000000-0000-0000-0000-000000000000/edit")
    assert response is not None
    assert response.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    await expect(page.get_by_role("link", name="Back to your dashboard")).to_be_visible()
