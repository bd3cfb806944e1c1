"""A MARAC cycle in Chromium, every step through the pages by the person whose job it is.

A police referrer and a children's services referrer each refer a victim; the coordinator accepts both,
which queues them into December's conference, and publishes its agenda; the agencies' representatives
record what they hold; on the day the chair runs the meeting, hears both cases and agrees an action on
each and closes it; a representative reports their agency's action completed, the chair sees it
counted, and the referrer sees their referral was heard.

Only the standing arrangements are set up directly: North Shire's monthly series (police and children's
services invited) and the people who do the work.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from marac.access import schemas, services
from marac.access.guards import Actor
from marac.access.models import Role
from marac.agenda.models import Conference
from marac.cases.instruments.dash import QUESTIONS
from marac.runtime import Runtime
from tests.agenda.factories import conferences_of, monthly_series
from tests.factories import PASSWORD
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser

LoginAs = Callable[[str], Awaitable[Page]]
Screenshot = Callable[[Page, str], Awaitable[Path]]
SOCIAL_REFERRER = "sam.referrer@children.north.example"
POLICE_REPRESENTATIVE = "pat.representative@police.north.example"
CONFERENCE_DAY = "8 December 2026"


async def arrange(live: LiveServer) -> uuid.UUID:
    """The monthly series, a children's services referrer and a police representative; December's
    conference id."""
    world = live.world
    assert world is not None

    async def build(runtime: Runtime) -> uuid.UUID:
        system = Actor.system("test")
        async with runtime.transaction() as session:
            await services.create_user(
                session,
                runtime.clock,
                system,
                world.area.id,
                schemas.UserCreate(
                    email=SOCIAL_REFERRER,
                    name="Sam Referrer",
                    agency_id=world.social_care.id,
                    roles=[Role.REFERRER],
                    password=PASSWORD,
                ),
            )
            police_rep = await services.create_user(
                session,
                runtime.clock,
                system,
                world.area.id,
                schemas.UserCreate(
                    email=POLICE_REPRESENTATIVE,
                    name="Pat Representative",
                    agency_id=world.police.id,
                    roles=[Role.REPRESENTATIVE],
                    password=PASSWORD,
                ),
            )
        series = await monthly_series(
            runtime,
            world.area,
            [world.police, world.social_care],
            representative_ids=[world.users["representative"].id, police_rep.id],
            chair_id=world.users["chair"].id,
        )
        conferences = await conferences_of(runtime, series.series.id)
        return next(c.id for c in conferences if c.starts_at > runtime.clock.now())

    return await live.arun(build)


async def log_in(page: Page, live: LiveServer, email: str) -> None:
    await page.goto("/login")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"{live.base_url}/")


async def log_out(page: Page) -> None:
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()


def nav(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


async def refer(page: Page, victim: tuple[str, str], children: int) -> str:
    """Fill a DASH referral that meets the criteria on visible high risk; returns its reference."""
    await nav(page, "New referral").click()
    await page.get_by_label("DASH-style risk checklist").check()
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_label("Victim forename").fill(victim[0])
    await page.get_by_label("Victim surname").fill(victim[1])
    await page.get_by_label("Victim date of birth").fill("1991-02-03")
    await page.get_by_label("Perpetrator forename").fill("Notareal")
    await page.get_by_label("Perpetrator surname").fill("Person")
    await page.get_by_label("Children in the household").fill(str(children))
    for number, question in enumerate(QUESTIONS, start=1):
        group = page.get_by_role("group", name=f"{number}. {question.label}", exact=True)
        await group.get_by_label("Yes" if number <= 14 else "No", exact=True).check()
    await expect(page.locator("#live-eligibility")).to_have_text("Meets the MARAC referral criteria")
    await page.get_by_label("The victim knows about this referral").check()
    await page.get_by_label("The victim consents to the referral").check()
    await page.get_by_role("button", name="Submit referral").click()
    status = page.get_by_role("status")
    await expect(status).to_have_text(re.compile(r"^Referral R-\d{4}-\d{4} submitted\.$"))
    found = re.search(r"R-\d{4}-\d{4}", await status.inner_text())
    assert found is not None
    assert victim[1] not in page.url
    return found.group(0)


async def test_two_referrals_go_from_referral_to_a_completed_action(
    page: Page, login_as: LoginAs, live: LiveServer, screenshot: Screenshot
) -> None:
    conference_id = await arrange(live)

    # Referrers: police, then children's services.
    await login_as("referrer")
    police_referral = await refer(page, ("Testina", "Fictionalova"), children=0)
    await log_out(page)
    await log_in(page, live, SOCIAL_REFERRER)
    social_referral = await refer(page, ("Imaginary", "Exampleton"), children=2)
    await nav(page, "My referrals").click()
    row = page.get_by_role("row").filter(has_text=social_referral)
    await expect(row.get_by_role("cell").nth(3)).to_have_text("Submitted")
    await expect(page.get_by_role("row").filter(has_text=police_referral)).to_have_count(0)  # not theirs
    await log_out(page)

    # Coordinator: decide both, which queues them, then publish December's agenda.
    await login_as("coordinator")
    await expect(page.locator("#panel-referrals-to-decide-section .panel-headline")).to_have_text(
        "2 referrals to decide"
    )
    for reference in (police_referral, social_referral):
        await nav(page, "Referrals").click()
        await page.get_by_role("link", name=reference).click()
        await page.get_by_role("button", name="Accept referral").click()
        await expect(page.get_by_role("status")).to_have_text(
            f"Referral {reference} accepted: queued for the conference on {CONFERENCE_DAY}."
        )
    await nav(page, "Conferences").click()
    await page.goto(f"/conferences/{conference_id}")
    await page.get_by_role("link", name="Agenda", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Agenda for {CONFERENCE_DAY}")
    children_rows = page.get_by_role("table", name="Cases with children in the household")
    adult_rows = page.get_by_role("table", name="Adult-only cases")
    await expect(children_rows.locator("tbody th[scope=row]")).to_have_count(1)
    await expect(adult_rows.locator("tbody th[scope=row]")).to_have_count(1)
    # Each row is headed by the case reference, with the referral's own reference beneath it.
    case_references = [
        (await table.locator("tbody th[scope=row]").inner_text()).split()[0]
        for table in (children_rows, adult_rows)
    ]
    await expect(children_rows).to_contain_text(social_referral)
    await expect(adult_rows).to_contain_text(police_referral)
    await page.get_by_role("button", name="Publish agenda").click()
    await expect(page.get_by_role("status")).to_have_text("Agenda published: version 1.")
    await screenshot(page, "end-to-end-agenda")
    await log_out(page)

    # Representatives research every case on the list.
    for email, note in (
        (POLICE_REPRESENTATIVE, "Two call-outs since August"),
        (live.email("representative"), "Children on a child protection plan"),
    ):
        await log_in(page, live, email)
        await nav(page, "Case list").click()
        for reference in case_references:
            await page.get_by_label(f"Note to share about {reference}").fill(note)
            await page.get_by_role("button", name=f"Information held for {reference}").click()
            await expect(page.get_by_role("status")).to_have_text(f"{reference}: information held, saved.")
        await screenshot(page, "end-to-end-case-list")
        await log_out(page)

    # The day of the meeting: the chair hears both cases and agrees an action on each.
    starts_at = await live.arun(lambda runtime: _starts_at(runtime, conference_id))
    live.clock.set(starts_at + timedelta(minutes=10))
    await login_as("chair")
    await nav(page, "Meeting").click()
    await page.get_by_role("link", name=f"Open the meeting of {CONFERENCE_DAY}").click()
    for agency in ("North Police", "North Children's Services"):
        group = page.get_by_role("group", name=agency)
        await group.get_by_label("Present").check()
        await group.get_by_role("button", name=f"Save attendance of {agency}").click()
        await expect(group.get_by_role("status")).to_have_text("Saved: Present")
    agreed = (
        ("Apply for a non-molestation order with the victim", "North Police"),
        ("Share the safety plan with the school", "North Children's Services"),
    )
    for number, (action, owner) in enumerate(agreed, start=1):
        case = page.locator(f"article#case-{number}")
        await case.get_by_label("Heard").check()
        await case.get_by_label("Minutes").fill("Risks discussed; safety plan agreed.")
        await case.get_by_role("button", name="Save outcome and minutes").click()
        await expect(case.get_by_role("status")).to_have_text("Saved: Heard")
        await case.get_by_label("Action", exact=True).fill(action)
        await case.get_by_label("Owner agency").select_option(label=owner)
        await case.get_by_label("Action", exact=True).press("Enter")
        await expect(case.get_by_text(f"Action A-000{number} added.")).to_be_visible()
    await expect(page.locator("#without-outcome")).to_have_text("")  # every case has its outcome
    await screenshot(page, "end-to-end-meeting")
    await page.get_by_role("button", name="Close the meeting").click()
    await expect(page.get_by_text("This meeting is closed. Its record is final.")).to_be_visible()
    await log_out(page)

    # Children's services report their action done; the chair sees it counted.
    await login_as("representative")
    await nav(page, "Our actions").click()
    card = page.get_by_role("article").filter(has_text="Share the safety plan with the school")
    await expect(page.get_by_role("article")).to_have_count(1)
    await card.get_by_label("Status").select_option(label="Completed")
    await card.get_by_label("Note").fill("Plan shared with the head teacher")
    await card.get_by_role("button", name=re.compile(r"^Report status of A-000\d$")).click()
    await expect(card.get_by_role("status")).to_have_text("Reported: Completed. The action is closed.")
    await log_out(page)

    await login_as("chair")
    await nav(page, "Actions by agency").click()
    chart = page.get_by_role("list", name="Completion by agency")
    await expect(chart.get_by_role("listitem").filter(has_text="North Children's Services")).to_contain_text(
        "100%"
    )
    await screenshot(page, "end-to-end-actions-by-agency")
    await log_out(page)

    # The police referrer sees what became of their referral.
    await login_as("referrer")
    await nav(page, "My referrals").click()
    row = page.get_by_role("row").filter(has_text=police_referral)
    await expect(row.get_by_role("cell").nth(3)).to_have_text(f"Heard on {CONFERENCE_DAY}")


async def _starts_at(runtime: Runtime, conference_id: uuid.UUID) -> datetime:
    async with runtime.transaction() as session:
        conference = await session.get(Conference, conference_id)
        assert conference is not None
        return conference.starts_at
