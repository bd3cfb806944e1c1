"""Logging in and out, the idle timeout and CSRF, in headless Chromium."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.factories import PASSWORD
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser

LoginAs = Callable[[str], Awaitable[Page]]
Screenshot = Callable[[Page, str], Awaitable[Path]]


async def test_login_shows_the_role_navigation_and_logout_ends_the_session(
    page: Page, login_as: LoginAs, live: LiveServer, screenshot: Screenshot
) -> None:
    await page.goto("/login")
    await expect(page.locator(".marking").first).to_have_text("OFFICIAL-SENSITIVE")
    await screenshot(page, "login")
    await login_as("coordinator")
    nav = page.get_by_role("navigation", name="Main")
    await expect(nav.get_by_role("link")).to_have_text(
        ["Dashboard", "Referrals", "Conferences", "Meeting", "Actions", "Agencies", "Users", "Outbox"]
    )
    await expect(nav.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    await expect(page.get_by_role("heading", level=1)).to_have_text("North Shire")
    await screenshot(page, "dashboard-coordinator")

    await page.get_by_role("button", name="Log out").click()
    await expect(page).to_have_url(f"{live.base_url}/login")
    await expect(page.get_by_role("status")).to_have_text("You have logged out.")
    await page.goto("/agencies")
    await expect(page).to_have_url(f"{live.base_url}/login?next=%2Fagencies")
    await expect(page.get_by_text("Your session has ended")).to_have_count(0)


async def test_a_wrong_password_is_refused_on_the_login_page(page: Page, live: LiveServer) -> None:
    await page.goto("/login")
    await page.get_by_label("Email address").fill("chair@north.example")
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_contain_text("Email or password is incorrect")
    await expect(page.get_by_label("Email address")).to_have_value("chair@north.example")
    await expect(page.get_by_label("Password")).to_have_value("")


async def test_an_idle_session_ends_with_a_clear_message_and_login_returns_to_the_page(
    page: Page, login_as: LoginAs, live: LiveServer, screenshot: Screenshot
) -> None:
    await login_as("chair")
    await page.goto("/account/tokens")
    live.clock.advance(minutes=29)
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your API tokens")

    live.clock.advance(minutes=31)
    await page.reload()
    await expect(page).to_have_url(f"{live.base_url}/login?next=%2Faccount%2Ftokens")
    await expect(page.get_by_role("status")).to_have_text("Your session has ended. Log in again to continue.")
    await screenshot(page, "session-ended")
    await page.get_by_label("Email address").fill("chair@north.example")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(f"{live.base_url}/account/tokens")


async def test_a_form_posted_without_the_csrf_token_is_refused(
    page: Page, login_as: LoginAs, screenshot: Screenshot
) -> None:
    await login_as("coordinator")
    await page.goto("/agencies")
    await page.get_by_label("Name", exact=True).fill("Forged Agency")
    await page.get_by_label("Kind of agency").select_option("housing")
    await page.locator('form[action="/agencies"] input[name="_csrf"]').evaluate("input => input.remove()")
    await page.get_by_role("button", name="Add agency").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Permission denied")
    await expect(page.get_by_text("Missing or wrong CSRF token")).to_be_visible()
    await screenshot(page, "refused-csrf")
    await page.goto("/agencies")
    await expect(page.get_by_role("cell", name="Forged Agency")).to_have_count(0)
