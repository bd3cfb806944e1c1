"""In Chromium: a police referrer refers with a DASH checklist watching the score; the coordinator
accepts it into the next conference; the referrer sees where it stands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from marac.cases.instruments.dash import QUESTIONS
from marac.runtime import Runtime
from tests.agenda.factories import monthly_series
from tests.cases.builders import referral_body
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser

LoginAs = Callable[[str], Awaitable[Page]]
Screenshot = Callable[[Page, str], Awaitable[Path]]
# The same layout check as the shared frame's phone test (tables scroll inside their own box).
TOO_WIDE = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.table-wrap'))
  .map(e => `${e.tagName}.${e.className}`)"""


async def answer(page: Page, number: int, choice: str) -> None:
    question = page.get_by_role("group", name=f"{number}. {QUESTIONS[number - 1].label}", exact=True)
    await question.get_by_label(choice, exact=True).check()


async def with_series(live: LiveServer) -> None:
    """North Shire's monthly conference: the second Tuesday, so 8 December 2026 is the next one."""
    world = live.world
    assert world is not None

    async def create(runtime: Runtime) -> None:
        await monthly_series(runtime, world.area, [world.police, world.social_care])

    await live.arun(create)


async def log_out(page: Page) -> None:
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()


async def test_a_police_referral_is_scored_live_submitted_accepted_and_followed(
    page: Page, login_as: LoginAs, live: LiveServer, screenshot: Screenshot
) -> None:
    await with_series(live)
    await login_as("referrer")
    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name="New referral").click()
    await page.get_by_label("DASH-style risk checklist").check()
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("New referral")

    await page.get_by_label("Victim forename").fill("Testina")
    await page.get_by_label("Victim surname").fill("Fictionalova")
    await page.get_by_label("Victim date of birth").fill("1990-04-12")
    await page.get_by_label("Perpetrator forename").fill("Madeup")
    await page.get_by_label("Perpetrator surname").fill("Placeholderson")
    await page.get_by_label("Children in the household").fill("2")

    score, band = page.locator("#live-score"), page.locator("#live-band")
    eligibility = page.locator("#live-eligibility")
    for number in range(1, 14):
        await answer(page, number, "Yes")
    await expect(score).to_have_text("13")
    await expect(band).to_have_text("Medium")
    await expect(eligibility).to_have_text("Does not meet the criteria so far")
    for number in range(15, 25):
        await answer(page, number, "No")
    await expect(page.locator("#live-progress")).to_have_text("23 of 24 questions answered.")
    await answer(page, 14, "Yes")
    await expect(score).to_have_text("14")
    await expect(band).to_have_text("High")
    await expect(eligibility).to_have_text("Meets the MARAC referral criteria")
    await expect(page.locator("#live-reasons")).to_have_text("14 of 24 yes — visible high risk")
    await page.get_by_label("The victim knows about this referral").check()
    await page.get_by_label("The victim consents to the referral").check()
    await page.evaluate("window.scrollTo(0, 0)")
    await screenshot(page, "referral-form")

    await page.get_by_role("button", name="Submit referral").click()
    await expect(page.get_by_role("status")).to_have_text("Referral R-2026-0001 submitted.")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Referral R-2026-0001")
    assert "Testina" not in page.url
    await nav.get_by_role("link", name="My referrals").click()
    row = page.get_by_role("row").filter(has_text="R-2026-0001")
    await expect(row.get_by_role("cell").nth(3)).to_have_text("Submitted")
    await screenshot(page, "my-referrals")

    await log_out(page)
    await login_as("coordinator")
    panel = page.locator("#panel-referrals-to-decide-section")
    await expect(panel.locator(".panel-headline")).to_have_text("1 referral to decide")
    await nav.get_by_role("link", name="Referrals", exact=True).click()
    await expect(page.get_by_role("heading", name="To decide (1)")).to_be_visible()
    await screenshot(page, "referrals-to-decide")
    await page.get_by_role("link", name="R-2026-0001").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Referral R-2026-0001")
    await expect(page.get_by_role("cell", name="Testina Fictionalova")).to_be_visible()
    await screenshot(page, "referral-detail")
    await page.get_by_role("button", name="Accept referral").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Referral R-2026-0001 accepted: queued for the conference on 8 December 2026."
    )
    await expect(page.locator("#referral-status")).to_have_text("Queued for conference 8 December 2026")

    await log_out(page)
    await login_as("referrer")
    await nav.get_by_role("link", name="My referrals").click()
    await expect(row.get_by_role("cell").nth(3)).to_have_text("Queued for conference 8 December 2026")


async def test_a_referral_not_accepted_shows_the_reason_and_the_form_fits_a_phone(
    page: Page, login_as: LoginAs, live: LiveServer
) -> None:
    world = live.world
    assert world is not None
    async with httpx.AsyncClient(base_url=live.base_url) as api:
        response = await api.post(
            f"/api/v1/areas/{world.area.id}/referrals",
            json=referral_body(yes=9),
            headers={"Authorization": f"Bearer {world.tokens['referrer']}"},
        )
        assert response.status_code == 201, response.text
    await login_as("coordinator")
    await page.goto(f"/referrals/{response.json()['id']}")
    await expect(page.get_by_role("button", name="Accept referral")).to_have_count(0)
    await page.get_by_role("button", name="Do not accept").click()
    reason = page.get_by_label("Reason for not accepting")
    await expect(reason).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-reason-error")).to_have_text("Error: Say why the referral is not accepted")
    await reason.fill("Below threshold; refer again on professional judgement if the risk rises")
    await page.get_by_role("button", name="Do not accept").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Referral R-2026-0001 not accepted. The referrer can see why."
    )

    await log_out(page)
    await login_as("referrer")
    await page.set_viewport_size({"width": 375, "height": 740})
    await page.goto("/referrals/mine")
    row = page.get_by_role("row").filter(has_text="R-2026-0001")
    await expect(row.get_by_role("cell").nth(3)).to_have_text("Not accepted")
    await expect(row.get_by_role("cell").nth(4)).to_have_text(
        "Below threshold; refer again on professional judgement if the risk rises"
    )
    for path in ("/referrals/mine", "/referrals/new?instrument=dash"):
        await page.goto(path)
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px too wide: {await page.evaluate(TOO_WIDE)}"
