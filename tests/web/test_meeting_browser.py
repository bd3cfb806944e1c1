"""In Chromium: the chair runs a meeting and agrees two actions from the keyboard; a representative
reports one completed; the chair sees the completion rate change.  And the coordinator's action pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from marac.runtime import Runtime
from tests.actions.conftest import build_meeting
from tests.web.conftest import LiveServer
from tests.web.test_meeting import Agenda, published_agenda, start_meeting

pytestmark = pytest.mark.browser

LoginAs = Callable[[str], Awaitable[Page]]
Screenshot = Callable[[Page, str], Awaitable[Path]]


async def log_out(page: Page) -> None:
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()


async def test_the_chair_runs_a_meeting_and_follows_an_action_to_completion(
    page: Page, login_as: LoginAs, live: LiveServer, screenshot: Screenshot
) -> None:
    world = live.world
    assert world is not None

    async def build(runtime: Runtime) -> Agenda:
        return await published_agenda(runtime, live.clock, world)

    agenda = await live.arun(build)
    await start_meeting(live.clock, agenda)

    await login_as("chair")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Meeting").click()
    await page.get_by_role("link", name="Open the meeting of 8 December 2026").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Meeting of 8 December 2026")

    police = page.get_by_role("group", name="North Police")
    await police.get_by_label("Present").check()
    await police.get_by_role("button", name="Save attendance of North Police").click()
    await expect(police.get_by_role("status")).to_have_text("Saved: Present")
    social = page.get_by_role("group", name="North Children's Services")
    await social.get_by_label("Deputy attended").check()
    await social.get_by_label("Deputy's name").fill("Dee Puty")
    await social.get_by_role("button", name="Save attendance of North Children's Services").click()
    await expect(social.get_by_role("status")).to_have_text("Saved: Deputy attended")

    first = page.locator("article#case-1")
    await first.get_by_label("Heard").check()
    await first.get_by_label("Minutes").fill("Safety plan agreed; the locks are to be changed.")
    await first.get_by_role("button", name="Save outcome and minutes").click()
    await expect(first.get_by_role("status")).to_have_text("Saved: Heard")
    await expect(page.locator("#conference-status")).to_have_text("Meeting in progress")
    await expect(page.locator("#without-outcome")).to_contain_text("1 case has no outcome")

    # Two actions from the keyboard: type, Enter, and the cursor is back in an empty field.
    await first.get_by_label("Action", exact=True).fill("Fit new locks at the home")
    await first.get_by_label("Action", exact=True).press("Enter")
    await expect(first.get_by_text("Action A-0001 added.")).to_be_visible()
    description = first.get_by_label("Action", exact=True)
    await expect(description).to_be_focused()
    await expect(description).to_have_value("")
    await page.keyboard.type("Share the safety plan with the school")
    await first.get_by_label("Owner agency").select_option(label="North Children's Services")
    await description.press("Enter")
    await expect(first.get_by_text("Action A-0002 added.")).to_be_visible()
    await expect(first.locator(".action-list li")).to_have_count(2)
    await expect(first.locator(".action-list")).to_contain_text("North Children's Services")
    await screenshot(page, "meeting")

    # A deadline before the meeting is refused next to the field, which gets the focus back.
    await description.fill("Refer to the housing panel")
    await first.get_by_label("Deadline").fill("2026-11-01")
    await first.get_by_label("Deadline").press("Enter")
    deadline = first.get_by_label("Deadline")
    await expect(first.locator(".field-error")).to_have_text(
        "Error: must not be before the conference that agreed the action"
    )
    await expect(deadline).to_be_focused()
    await expect(description).to_have_value("Refer to the housing panel")
    await expect(first.locator(".action-list li")).to_have_count(2)

    await page.goto("/actions/by-agency")
    await expect(page.locator("#overall-rate")).to_have_text("none due")
    await log_out(page)

    await login_as("representative")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Our actions").click()
    card = page.get_by_role("article").filter(has_text="A-0002")
    await expect(page.get_by_role("article")).to_have_count(1)  # the police action is not theirs
    await card.get_by_label("Status").select_option(label="Completed")
    await card.get_by_label("Note").fill("Plan shared with the head teacher")
    await screenshot(page, "agency-actions")
    await card.get_by_role("button", name="Report status of A-0002").click()
    await expect(card.get_by_role("status")).to_have_text("Reported: Completed. The action is closed.")
    await log_out(page)

    await login_as("chair")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Actions by agency").click()
    await expect(page.locator("#overall-rate")).to_have_text("100%")
    chart = page.get_by_role("list", name="Completion by agency")
    await expect(chart.get_by_role("listitem").filter(has_text="North Children's Services")).to_contain_text(
        "100%"
    )
    await screenshot(page, "actions-by-agency")


async def test_the_coordinator_finds_an_overdue_action_and_gives_it_a_new_deadline(
    page: Page, login_as: LoginAs, live: LiveServer, screenshot: Screenshot
) -> None:
    world = live.world
    assert world is not None

    async def agree(runtime: Runtime) -> None:
        meeting = await build_meeting(runtime, world, live.clock)
        await meeting.agree(description="Review the safety plan", deadline=date(2026, 11, 20))
        await meeting.agree(agency=world.social_care, description="Visit the school", case=1)

    await live.arun(agree)
    await login_as("coordinator")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Actions").click()
    await page.get_by_label("Overdue only").check()
    await page.get_by_role("button", name="Show actions").click()
    rows = page.get_by_role("row").filter(has_text="A-0")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Overdue 3 days")
    await rows.first.get_by_role("link", name="A-0001").click()

    await page.get_by_label("Deadline", exact=True).fill("2026-11-01")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.locator("#f-deadline-error")).to_contain_text("must not be before the conference")
    await page.get_by_label("Deadline", exact=True).fill("2026-12-18")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("status")).to_have_text("Action A-0001 saved.")
    await expect(page.locator(".facts")).to_contain_text("18 December 2026")
    await screenshot(page, "action")
    await page.goto("/actions")
    await screenshot(page, "actions")
