"""The referral form: built from the chosen instrument, a live score that saves nothing, errors next to
their fields, and submission through the intake service."""

from __future__ import annotations

import re
import uuid
from html import unescape
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from marac.audit import AuditEvent
from marac.cases.models import Referral
from marac.runtime import Runtime
from tests.factories import World
from tests.web.test_access import SignIn

Client = AsyncTestClient[Litestar]
VICTIM = {"victim.forename": "Testina", "victim.surname": "Fictionalova", "victim.birth_date": "1990-04-12"}
PERPETRATOR = {
    "perpetrators.0.forename": "Madeup",
    "perpetrators.0.surname": "Placeholderson",
    "perpetrators.0.birth_date": "1987-09-30",
}
HTMX = {"HX-Request": "true"}


def dash_fields(yes: int = 14, *, answered: int = 24, **extra: str) -> dict[str, str]:
    """A DASH referral form: the first ``yes`` questions answered yes, the rest up to ``answered`` no."""
    fields = {"instrument_id": "dash", "referred_on": "2026-11-23", **VICTIM, **PERPETRATOR}
    fields.update({f"answers.q{n}": "yes" if n <= yes else "no" for n in range(1, answered + 1)})
    fields.update({"victim_aware": "on", "consent": "on"})
    fields.update(extra)
    return fields


async def submit_form(client: Client, csrf: str, fields: dict[str, str]) -> Any:
    return await client.post("/referrals/new", data={**fields, "_csrf": csrf}, follow_redirects=False)


async def live_result(client: Client, csrf: str, fields: dict[str, str]) -> str:
    response = await client.post("/referrals/new/score", data={**fields, "_csrf": csrf}, headers=HTMX)
    assert response.status_code == 200, response.text
    return response.text


def text_of(html: str, element_id: str) -> str:
    """The visible text of the element with this id (tags dropped, spaces collapsed)."""
    found = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', html, re.S)
    assert found is not None, f"no #{element_id} in the page"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(2))).split())


async def count(runtime: Runtime, model: Any) -> int:
    async with runtime.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_form_asks_the_chosen_instruments_questions(
    client: Client, world: World, sign_in: SignIn
) -> None:
    await sign_in("referrer")
    choose = await client.get("/referrals/new")
    assert 'value="dash"' in choose.text
    assert "DASH-style risk checklist" in choose.text
    # Licensed weights not loaded: shown, but it cannot be chosen.
    assert re.search(r'value="danger"[^>]*disabled', choose.text)

    dash = (await client.get("/referrals/new?instrument=dash")).text
    assert len(re.findall(r'<fieldset class="field question', dash)) == 24
    assert "1. Injury in the current incident" in dash
    assert 'name="answers.q24" value="dont_know"' in dash
    lethality = (await client.get("/referrals/new?instrument=lethality")).text
    assert len(re.findall(r'<fieldset class="field question', lethality)) == 11
    assert 'value="dont_know"' not in lethality

    unknown = await client.get("/referrals/new?instrument=nonesuch")
    assert unknown.status_code == 422
    assert text_of(unknown.text, "f-instrument-error") == "Error: there is no instrument nonesuch"


async def test_the_live_score_follows_the_answers(client: Client, world: World, sign_in: SignIn) -> None:
    csrf = await sign_in("referrer")
    partial = await live_result(client, csrf, dash_fields(5, answered=8))
    assert text_of(partial, "live-score") == "5"
    assert text_of(partial, "live-progress") == "8 of 24 questions answered."
    assert text_of(partial, "live-eligibility") == "Does not meet the criteria so far"

    medium = await live_result(client, csrf, dash_fields(11, answered=24))
    assert (text_of(medium, "live-score"), text_of(medium, "live-band")) == ("11", "Medium")
    assert text_of(medium, "live-progress") == "24 of 24 questions answered: 11 of 24 yes."
    assert text_of(medium, "live-reasons") == "no referral criterion is met: 11 of 24 yes (medium)"

    high = await live_result(client, csrf, dash_fields(14))
    assert (text_of(high, "live-score"), text_of(high, "live-band")) == ("14", "High")
    assert text_of(high, "live-eligibility") == "Meets the MARAC referral criteria"
    assert text_of(high, "live-reasons") == "14 of 24 yes — visible high risk"

    raised = await live_result(client, csrf, dash_fields(3, assessor_rating="high"))
    assert text_of(raised, "live-band") == "High"


async def test_judgement_and_police_incidents_count_in_the_live_result(
    client: Client, world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("referrer")
    unexplained = await live_result(client, csrf, dash_fields(2, professional_judgement="on"))
    assert "Still needed: your written reasons for professional judgement." in unexplained
    assert text_of(unexplained, "live-eligibility") == "Does not meet the criteria so far"

    reasons = "Testina said he has bought a knife"
    judged = await live_result(
        client, csrf, dash_fields(2, professional_judgement="on", judgement_reasons=reasons)
    )
    assert text_of(judged, "live-reasons") == "professional judgement (written reasons given)"
    assert "knife" not in judged  # the narrative is never echoed back

    incidents = {
        f"police_incidents.{n}.occurred_on": day for n, day in enumerate(["2026-02-01", "2026-06-10"])
    }
    two = await live_result(client, csrf, dash_fields(2, **incidents))
    assert text_of(two, "live-eligibility") == "Does not meet the criteria so far"
    three = await live_result(
        client, csrf, dash_fields(2, **incidents, **{"police_incidents.2.occurred_on": "2026-11-01"})
    )
    assert text_of(three, "live-reasons") == "3 police incidents in 12 months — potential escalation"


async def test_the_live_score_saves_and_audits_nothing(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("referrer")
    audited, referrals = await count(runtime, AuditEvent), await count(runtime, Referral)
    await live_result(client, csrf, dash_fields(15))
    await live_result(client, csrf, dash_fields(3, professional_judgement="on", judgement_reasons="reasons"))
    assert (await count(runtime, AuditEvent), await count(runtime, Referral)) == (audited, referrals)


async def test_without_script_checking_the_score_shows_the_whole_form_again(
    client: Client, world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("referrer")
    response = await client.post("/referrals/new/score", data={**dash_fields(14), "_csrf": csrf})
    assert response.status_code == 200
    assert "<h1>New referral</h1>" in response.text
    assert text_of(response.text, "live-band") == "High"
    assert 'value="Fictionalova"' in response.text
    assert re.search(r'name="answers.q14" value="yes" checked', response.text)
    assert re.search(r'name="answers.q15" value="no" checked', response.text)


async def test_a_misshapen_form_is_explained_next_to_each_field(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("referrer")
    fields = dash_fields(14, **{"victim.forename": "", "victim.birth_date": "1990-02-30"})
    fields["children_in_household"] = "lots"
    response = await submit_form(client, csrf, fields)

    assert response.status_code == 422
    page = response.text
    assert text_of(page, "f-victim.forename-error") == "Error: Enter the forename"
    assert text_of(page, "f-victim.birth_date-error") == "Error: Enter a real date, like 23/11/2026"
    assert text_of(page, "f-children_in_household-error") == "Error: Enter a whole number from 0 to 30"
    assert re.search(r'id="f-victim.forename"[^>]*aria-invalid="true"', page)
    assert 'href="#f-victim.forename"' in page  # the summary links to the field
    assert 'value="Fictionalova"' in page  # what was typed is kept
    assert await count(runtime, Referral) == 0


async def test_the_intake_services_objections_land_next_to_their_fields(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("referrer")
    fields = dash_fields(15, professional_judgement="on", referred_on="2026-12-01")
    del fields["answers.q5"]
    response = await submit_form(client, csrf, fields)

    assert response.status_code == 422
    page = response.text
    assert text_of(page, "f-answers.q5-error") == "Error: an answer is required"
    assert text_of(page, "f-judgement_reasons-error") == (
        "Error: professional judgement needs the referrer's written reasons"
    )
    assert text_of(page, "f-referred_on-error") == "Error: cannot be in the future"
    assert text_of(page, "live-band") == "High"  # the result so far is shown with the errors
    assert await count(runtime, Referral) == 0


async def test_submitting_records_the_referral_and_confirms_its_reference(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("referrer")
    response = await submit_form(client, csrf, dash_fields(15, urgent="on", children_in_household="2"))

    assert response.status_code == 303
    location = response.headers["location"]
    match = re.fullmatch(r"/referrals/([0-9a-f-]{36})/submitted", location)
    assert match is not None, location  # an id, nothing about the people
    async with runtime.transaction() as session:
        referral = await session.get(Referral, uuid.UUID(match.group(1)))
        assert referral is not None
        assert (referral.reference, referral.referring_agency_id) == ("R-2026-0001", world.police.id)
        assert (referral.eligible, referral.urgent, referral.has_children) == (True, True, True)
        assert referral.answers["q15"] == "yes"

    confirmation = (await client.get(location)).text
    assert text_of(confirmation, "referral-status") == "Submitted: Waiting for the coordinator's decision"
    assert "<h1>Referral R-2026-0001</h1>" in confirmation
    assert text_of(confirmation, "referral-reasons") == "15 of 24 yes — visible high risk"
    assert "Referral R-2026-0001 submitted." in confirmation

    mine = (await client.get("/referrals/mine")).text
    assert "R-2026-0001" in mine
    assert "Waiting for the coordinator&#39;s decision" in mine


async def test_a_referral_below_the_threshold_is_recorded_and_says_so(
    client: Client, world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("referrer")
    response = await submit_form(client, csrf, dash_fields(9))
    confirmation = (await client.get(response.headers["location"])).text
    assert text_of(confirmation, "referral-reasons") == "no referral criterion is met: 9 of 24 yes (standard)"
    assert "refer again on professional judgement" in confirmation


async def test_an_assessor_rated_instrument_waits_for_the_rating(
    client: Client, world: World, sign_in: SignIn
) -> None:
    csrf = await sign_in("referrer")
    form = (await client.get("/referrals/new?instrument=bsafer")).text
    assert 'name="answers.f1_now" value="possibly"' in form
    assert re.search(r'<select id="f-assessor_rating" name="assessor_rating"', form)

    fields = {"instrument_id": "bsafer", **VICTIM, "answers.f1_now": "present"}
    waiting = await live_result(client, csrf, fields)
    assert "Still needed: the assessor&#39;s rating." in waiting
    assert text_of(waiting, "live-band") == "Not known yet"
    rated = await live_result(client, csrf, {**fields, "assessor_rating": "high"})
    assert (text_of(rated, "live-score"), text_of(rated, "live-band")) == ("Assessor's rating", "High")
    assert text_of(rated, "live-eligibility") == "Meets the MARAC referral criteria"
