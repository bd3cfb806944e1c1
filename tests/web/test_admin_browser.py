"""A coordinator manages agencies and users through the forms; people in two areas switch between them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser

LoginAs = Callable[[str], Awaitable[Page]]
Screenshot = Callable[[Page, str], Awaitable[Path]]


async def test_a_coordinator_adds_and_edits_an_agency(
    page: Page, login_as: LoginAs, screenshot: Screenshot
) -> None:
    await login_as("coordinator")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Agencies").click()
    await page.get_by_label("Name", exact=True).fill("Riverside Housing")
    await page.get_by_label("Kind of agency").select_option(label="Housing")
    await page.get_by_label("Contact email").fill("marac@riverside.example")
    await page.get_by_role("button", name="Add agency").click()

    await expect(page.get_by_role("status")).to_have_text("Riverside Housing added.")
    row = page.get_by_role("row").filter(has_text="Riverside Housing")
    await expect(row.get_by_role("cell")).to_have_text(
        ["Riverside Housing", "Housing", "marac@riverside.example", "Active", "Edit Riverside Housing"]
    )
    await screenshot(page, "agencies")

    await row.get_by_role("link", name="Edit Riverside Housing").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Edit Riverside Housing")
    await page.get_by_label("Contact email").fill("")
    await page.get_by_label("Active").uncheck()
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Riverside Housing saved.")
    await expect(row.get_by_role("cell")).to_have_text(
        ["Riverside Housing", "Housing", "", "Inactive", "Edit Riverside Housing"]
    )


async def test_a_coordinator_adds_a_user_who_can_then_log_in(
    page: Page, login_as: LoginAs, live: LiveServer, screenshot: Screenshot
) -> None:
    await login_as("coordinator")
    await page.goto("/users")
    await page.get_by_label("Full name").fill("Sam Newcomer")
    await page.get_by_label("Email address").fill("Sam.Newcomer@North.example")
    await page.get_by_label("Agency (optional)").select_option(label="North Police")
    await page.get_by_role("group", name="Roles in North Shire").get_by_label("Referrer").check()
    await page.get_by_label("First password").fill("a long enough first password")
    await page.get_by_role("button", name="Add user").click()

    await expect(page.get_by_role("status")).to_have_text("Sam Newcomer added.")
    row = page.get_by_role("row").filter(has_text="Sam Newcomer")
    await expect(row.get_by_role("cell").nth(1)).to_have_text("sam.newcomer@north.example")
    await expect(row.get_by_role("cell").nth(3)).to_have_text("Referrer")
    await screenshot(page, "users")

    await page.get_by_role("button", name="Log out").click()
    await page.get_by_label("Email address").fill("sam.newcomer@north.example")
    await page.get_by_label("Password").fill("a long enough first password")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_text("You are signed in as referrer.")).to_be_visible()
    await expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Users")).to_have_count(
        0
    )


async def test_a_bad_email_is_explained_next_to_the_field(
    page: Page, login_as: LoginAs, screenshot: Screenshot
) -> None:
    await login_as("coordinator")
    await page.goto("/users")
    await page.get_by_label("Full name").fill("Sam Newcomer")
    await page.get_by_label("Email address").fill("sam at north")
    await page.get_by_role("button", name="Add user").click()

    email = page.get_by_label("Email address")
    await expect(email).to_have_attribute("aria-invalid", "true")
    await expect(email).to_have_value("sam at north")
    error = page.locator("#f-email-error")
    await expect(error).to_have_text("Error: Enter an email address, like name@agency.example.org")
    described_by = await email.get_attribute("aria-describedby") or ""
    assert "f-email-error" in described_by.split()
    # The error sits right above its own input, and the summary links to the field.
    assert await error.evaluate("e => e.nextElementSibling.id") == "f-email"
    await page.get_by_role("alert").get_by_role("link", name="Enter an email address").click()
    await expect(email).to_be_focused()
    await expect(page.get_by_label("Full name")).to_have_value("Sam Newcomer")
    await screenshot(page, "users-error")
    await expect(page.get_by_role("row").filter(has_text="sam at north")).to_have_count(0)


async def test_someone_in_two_areas_switches_area_and_sees_that_areas_roles(
    page: Page, login_as: LoginAs, screenshot: Screenshot
) -> None:
    await login_as("multi_area")
    nav = page.get_by_role("navigation", name="Main")
    await expect(page.get_by_role("heading", level=1)).to_have_text("North Shire")
    await expect(nav.get_by_role("link", name="Agencies")).to_be_visible()

    await page.get_by_label("Area").select_option(label="South Vale")
    await page.get_by_role("button", name="Switch").click()
    await expect(page.get_by_role("status")).to_have_text("You are now working in South Vale.")
    await expect(page.get_by_role("heading", level=1)).to_have_text("South Vale")
    await expect(page.get_by_text("You are signed in as chair.")).to_be_visible()
    await expect(nav.get_by_role("link", name="Agencies")).to_have_count(0)
    await screenshot(page, "dashboard-chair-other-area")
    await page.goto("/agencies")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Permission denied")
