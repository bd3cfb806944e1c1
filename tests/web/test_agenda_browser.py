"""In Chromium: a coordinator reorders and publishes an agenda; a chair reviews it; a representative
records research with a note and downloads their briefing pack."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from marac.access.guards import Actor
from marac.agenda.packs_distribution import issue_packs_now
from marac.agenda.publication import publish_now
from marac.cases.models import Case
from marac.cases.people import Protector
from marac.runtime import Runtime
from tests.agenda.factories import accepted_referral, conferences_of, items_of, monthly_series, sweep
from tests.documents.reading import body_text, open_docx
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser

LoginAs = Callable[[str], Awaitable[Page]]
Screenshot = Callable[[Page, str], Awaitable[Path]]
SYSTEM = Actor.system("test")


@dataclass(frozen=True)
class Listed:
    conference_id: uuid.UUID
    references: list[str]  # in agenda order: the case with children first, then the adult-only cases
    item_ids: list[uuid.UUID]


async def list_cases(live: LiveServer, *, publish: bool = False, packs: bool = False) -> Listed:
    """The December conference of a monthly series attended by police and children's services, with four
    accepted referrals queued (one with children)."""
    world = live.world
    assert world is not None

    async def build(runtime: Runtime) -> Listed:
        series = await monthly_series(
            runtime,
            world.area,
            [world.police, world.social_care],
            representative_ids=[world.users["representative"].id],
            chair_id=world.users["chair"].id,
        )
        now = runtime.clock.now()
        await accepted_referral(runtime, world.area, world.social_care, now, has_children=True)
        for _ in range(3):
            await accepted_referral(runtime, world.area, world.police, now)
        await sweep(runtime)
        conference = next(c for c in await conferences_of(runtime, series.series.id) if c.starts_at > now)
        async with runtime.transaction() as session:
            if publish:
                await publish_now(session, runtime.clock, SYSTEM, conference.id)
        if packs:
            async with runtime.transaction() as session:
                protector = Protector.from_settings(runtime.settings.security)
                await issue_packs_now(
                    session, runtime.clock, SYSTEM, runtime.settings, protector, conference.id
                )
        items = await items_of(runtime, conference.id)
        references = []
        for item in items:
            async with runtime.transaction() as session:
                case = await session.get(Case, item.case_id)
                assert case is not None
                references.append(case.reference)
        return Listed(conference.id, references, [item.id for item in items])

    return await live.arun(build)


def rows(page: Page, section: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("table", name=section).locator("tbody th[scope=row]")


async def test_a_coordinator_reorders_and_publishes_an_agenda(
    page: Page, login_as: LoginAs, live: LiveServer, screenshot: Screenshot
) -> None:
    listed = await list_cases(live)
    children, first, second, third = listed.references
    await login_as("coordinator")
    await page.goto(f"/conferences/{listed.conference_id}/agenda")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Agenda for 8 December 2026")
    await expect(page.locator("#agenda-status")).to_have_text("Draft: not published yet")
    await expect(rows(page, "Cases with children in the household")).to_contain_text([children])
    adults = rows(page, "Adult-only cases")
    await expect(adults).to_contain_text([first, second, third])

    # By keyboard: focus the button, press Enter; the agenda is swapped in place and focus stays put.
    move_down = page.get_by_role("button", name=f"Move down {first}")
    await move_down.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_have_text(f"{first} moved down to place 2 in its section.")
    await expect(adults).to_contain_text([second, first, third])
    await expect(page.get_by_role("button", name=f"Move down {first}")).to_be_focused()

    await page.get_by_role("button", name=f"Move up {third}").click()
    await expect(adults).to_contain_text([second, third, first])

    await page.get_by_role("button", name="Publish agenda").click()
    await expect(page.get_by_role("status")).to_have_text("Agenda published: version 1.")
    await expect(page.locator("#agenda-status")).to_have_text("Published: version 1")
    await expect(adults).to_contain_text([second, third, first])
    await expect(page.get_by_role("link", name="Download agenda (Word)")).to_be_visible()
    await screenshot(page, "agenda")

    # On a phone the tables scroll inside their frame; the page itself does not scroll sideways.
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await page.set_viewport_size({"width": 1280, "height": 800})

    # The chair reviews what was published.
    await page.context.clear_cookies()
    await login_as("chair")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Agenda review").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Agenda for 8 December 2026")
    await expect(page.get_by_role("table", name="Adult-only cases").locator("tbody th")).to_have_text(
        [second, third, first]
    )
    await screenshot(page, "agenda-review")


async def test_a_representative_records_research_and_downloads_the_pack(
    page: Page, login_as: LoginAs, live: LiveServer, screenshot: Screenshot, tmp_path: Path
) -> None:
    listed = await list_cases(live, publish=True, packs=True)
    reference = listed.references[1]
    await login_as("representative")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Case list").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Case list")

    case = page.locator(f"#case-{listed.item_ids[1]}")
    await expect(case).to_contain_text("Your agency: Not started")
    await case.get_by_label(f"Note to share about {reference}").fill("Open to children's services since May")
    await case.get_by_role("button", name=f"Information held for {reference}").click()

    await expect(page.get_by_role("status")).to_have_text(f"{reference}: information held, saved.")
    case = page.locator(f"#case-{listed.item_ids[1]}")
    await expect(case).to_contain_text(
        "Your agency: Information held \u2013 \u201cOpen to children's services since May\u201d"
    )
    await expect(case.get_by_role("button", name=f"Information held for {reference}")).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(page.locator(f"#outstanding-{listed.conference_id}")).to_have_text("3")
    await screenshot(page, "case-list")

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Briefing packs").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Briefing packs")
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Word briefing pack for 8 December 2026").click()
    download = await waiting.value
    assert download.suggested_filename.endswith(".docx")
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    text = body_text(open_docx(saved.read_bytes()))
    assert reference in text
    await screenshot(page, "packs")
