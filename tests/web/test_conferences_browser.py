"""In Chromium: a coordinator sets up a series and moves a meeting; a representative answers and takes a
calendar link; a coordinator sends a parked email again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from marac.notify.delivery import DeliveryReport
from marac.runtime import Runtime
from tests.web.conference_pages import Meetings, deliver_refused, monthly_meetings
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser

LoginAs = Callable[[str], Awaitable[Page]]
Screenshot = Callable[[Page, str], Awaitable[Path]]
DASH = "\N{EN DASH}"  # between the start and end of a meeting
PHONE = {"width": 375, "height": 740}
# Elements sticking out of the viewport (tables scroll inside their own box, so they are left out).
TOO_WIDE = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.table-wrap'))
  .map(e => `${e.tagName}.${e.className}`)"""


async def fits_a_phone(page: Page, *paths: str) -> None:
    await page.set_viewport_size(PHONE)
    for path in paths:
        await page.goto(path)
        assert await page.evaluate(TOO_WIDE) == [], f"{path} is wider than a phone"


async def test_a_coordinator_sets_up_a_series_and_moves_a_meeting(
    page: Page, login_as: LoginAs, screenshot: Screenshot
) -> None:
    await login_as("coordinator")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Conferences").click()
    await page.get_by_role("link", name="Set up a series").click()
    await page.get_by_label("Name", exact=True).fill("Riverside MARAC")
    await page.get_by_label("Week of the month").select_option(label="Second")
    await page.get_by_label("Weekday").select_option(label="Tuesday")
    await page.get_by_label("First date").fill("2026-12-01")
    await page.get_by_label("Place", exact=True).fill("Riverside Hub, Room 1")
    await page.get_by_label("Minutes per case").fill("10")
    agencies = page.get_by_role("group", name="Standing agencies")
    await agencies.get_by_label("North Police").check()
    await page.get_by_role("group", name="Representatives").get_by_label("Representative").check()
    await page.get_by_role("button", name="Set up series").click()
    # The representative works for children's services, which is not ticked yet.
    await expect(page.locator("#f-representative_ids-error")).to_have_text(
        "Error: Each representative must work for one of the standing agencies ticked above"
    )
    await agencies.get_by_label("North Children's Services").check()
    await page.get_by_role("button", name="Set up series").click()

    await expect(page.get_by_role("status")).to_have_text("Riverside MARAC set up.")
    first = page.get_by_role("row").filter(has_text="Tue 08 Dec 2026")
    await expect(first.get_by_role("cell")).to_have_text(
        [
            "Tue 08 Dec 2026",
            f"10:00{DASH}13:00",
            "Riverside MARAC",
            "Riverside Hub, Room 1",
            "0 of 16",
            "None",
            "Scheduled",
            "Open the conference on Tue 08 Dec 2026",
        ]
    )
    await screenshot(page, "conferences")

    await first.get_by_role("link", name="Open the conference on Tue 08 Dec 2026").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Riverside MARAC on Tue 08 Dec 2026")
    await expect(page.locator("#cases-queued")).to_have_text("0 of 16")
    await screenshot(page, "conference-detail")
    await page.get_by_label("New date").fill("2026-12-15")
    await page.get_by_label("Start time").fill("14:00")
    await page.get_by_role("button", name="Move conference").click()

    await expect(page.get_by_role("status")).to_have_text(
        "Conference moved to 15 December 2026. Invitations will be updated."
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("Riverside MARAC on Tue 15 Dec 2026")
    await page.get_by_role("link", name="Back to conferences").click()
    moved = page.get_by_role("row").filter(has_text="Tue 15 Dec 2026")
    await expect(moved.get_by_role("cell").nth(1)).to_have_text(f"14:00{DASH}17:00")
    await expect(moved).to_contain_text("Moved")
    detail = await moved.get_by_role("link").get_attribute("href")
    assert detail is not None
    await fits_a_phone(page, "/conferences", detail, "/conferences/series/new", "/outbox")


async def test_a_representative_accepts_an_invitation_and_takes_a_calendar_link(
    page: Page, login_as: LoginAs, live: LiveServer, screenshot: Screenshot
) -> None:
    world = live.world
    assert world is not None

    async def meetings_of(runtime: Runtime) -> Meetings:
        return await monthly_meetings(runtime, world)

    await live.arun(meetings_of)
    await login_as("representative")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="My conferences").click()
    invitation = page.get_by_role("region", name="North Shire MARAC on Tue 08 Dec 2026")
    await invitation.get_by_label("I will come").check()
    await invitation.get_by_role("button", name="Send answer for Tue 08 Dec 2026").click()

    await expect(page.get_by_role("status")).to_have_text("You have accepted.")
    await expect(invitation.locator(".answer-now")).to_have_text("Your answer: Accepted")
    await screenshot(page, "my-conferences")

    await page.get_by_role("link", name="Add your conferences to your calendar").click()
    await page.get_by_role("button", name="Make my calendar link").click()
    https = await page.get_by_label("https link").input_value()
    webcal = await page.get_by_label("webcal link").input_value()
    assert webcal == "webcal://" + https.split("://", 1)[1]
    await screenshot(page, "calendar-feed")
    async with httpx.AsyncClient() as calendar:
        feed = await calendar.get(live.base_url + "/" + https.split("/", 3)[3])
    assert feed.status_code == 200
    assert "BEGIN:VEVENT" in feed.text

    await page.goto("/account/calendar")  # the link is never shown again
    await expect(page.get_by_label("https link")).to_have_count(0)
    await expect(page.locator("#feed-status")).to_contain_text("works")
    await fits_a_phone(page, "/conferences/mine", "/account/calendar")


async def test_a_coordinator_sends_a_parked_email_again(
    page: Page, login_as: LoginAs, live: LiveServer, screenshot: Screenshot
) -> None:
    world = live.world
    assert world is not None

    async def park(runtime: Runtime) -> DeliveryReport:
        await monthly_meetings(runtime, world)
        return await deliver_refused(runtime)

    report = await live.arun(park)
    assert len(report.parked) == 4
    await login_as("coordinator")
    await expect(page.locator("#panel-undelivered-email-section")).to_contain_text("4 parked after failing")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Outbox").click()
    rows = page.get_by_role("row").filter(has_text="Parked")
    await expect(rows).to_have_count(4)
    await screenshot(page, "outbox")

    chair_email = live.email("chair")
    await page.get_by_role("button", name=f"Retry the email to {chair_email}").first.click()
    await expect(page.get_by_role("status")).to_have_text(
        f"The email to {chair_email} will be sent again now."
    )
    await expect(rows).to_have_count(3)
    await page.get_by_role("button", name="Retry all parked emails (3)").click()
    await expect(page.get_by_role("status")).to_have_text("3 parked emails will be sent again now.")
    await expect(page.get_by_role("row").filter(has_text="Parked")).to_have_count(0)
    await expect(page.get_by_role("row").filter(has_text="Waiting")).to_have_count(4)
