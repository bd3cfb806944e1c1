"""The coordinator decides referrals and confirms suggested matches; the referrer sees what happened."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.agenda.models import ConferenceStatus, Outcome
from marac.cases import schemas
from marac.cases.models import ReferralStatus
from marac.runtime import Runtime
from marac.web.referrals_status import Listing, progress_of
from tests.agenda.factories import monthly_series
from tests.cases.builders import VICTIM, decide, referral_body, submit
from tests.factories import World
from tests.web.test_access import SignIn
from tests.web.test_referrals_form import text_of

Client = AsyncTestClient[Litestar]
NEAR = {"forename": "Testinna", "surname": "Fictionalowa", "birth_date": VICTIM["birth_date"]}


async def log_out(client: Client, csrf: str) -> None:
    response = await client.post("/logout", data={"_csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303


def flash(html: str) -> str:
    found = re.search(r'<div class="flash flash-\w+" role="status">(.*?)</div>', html, re.S)
    return " ".join(found.group(1).split()) if found else ""


async def post(client: Client, csrf: str, path: str, **fields: str) -> Any:
    response = await client.post(path, data={**fields, "_csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return await client.get(response.headers["location"])


async def test_the_coordinator_sees_what_to_decide_and_accepts_into_the_next_conference(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    await monthly_series(runtime, world.area, [world.police, world.social_care])
    first = await submit(client, world, referral_body(yes=15, urgent=True))
    await submit(
        client, world, referral_body(yes=2, victim={**NEAR, "forename": "Other", "birth_date": "1980-01-01"})
    )
    csrf = await sign_in("coordinator")

    home = (await client.get("/")).text
    assert "2 referrals to decide" in home
    assert f'href="/referrals/{first["id"]}"' in home
    listing = (await client.get("/referrals")).text
    assert "To decide (2)" in listing
    assert "Urgent" in listing
    assert "No criterion met" in listing

    detail = (await client.get(f"/referrals/{first['id']}")).text
    assert "Testina Fictionalova" in detail  # the coordinator needs to know who it is
    assert text_of(detail, "referral-status") == "Submitted"
    page = await post(client, csrf, f"/referrals/{first['id']}/accept", version=str(first["version"]))
    assert flash(page.text) == "Referral R-2026-0001 accepted: queued for the conference on 8 December 2026."
    assert text_of(page.text, "referral-status") == "Queued for conference 8 December 2026"
    assert "Accept referral" not in page.text

    assert "1 referral to decide" in (await client.get("/")).text
    await log_out(client, csrf)
    await sign_in("referrer")
    mine = (await client.get("/referrals/mine")).text
    assert "Queued for conference 8 December 2026" in mine


async def test_not_accepting_needs_a_reason_which_the_referrer_then_sees(
    client: Client, world: World, sign_in: SignIn
) -> None:
    referral = await submit(client, world, referral_body(yes=9))
    csrf = await sign_in("coordinator")
    detail = (await client.get(f"/referrals/{referral['id']}")).text
    assert "Accept referral" not in detail  # it meets no criterion
    assert "meets no criterion, so it cannot be accepted" in detail

    blank = await client.post(
        f"/referrals/{referral['id']}/return", data={"version": "1", "reason": " ", "_csrf": csrf}
    )
    assert blank.status_code == 400
    assert text_of(blank.text, "f-reason-error") == "Error: Say why the referral is not accepted"
    assert text_of(blank.text, "referral-status") == "Submitted"

    page = await post(
        client,
        csrf,
        f"/referrals/{referral['id']}/return",
        version="1",
        reason="Below threshold: no criterion met",
    )
    assert flash(page.text) == "Referral R-2026-0001 not accepted. The referrer can see why."
    assert "Reason given: Below threshold: no criterion met" in page.text
    await log_out(client, csrf)
    await sign_in("referrer")
    mine = (await client.get("/referrals/mine")).text
    assert "Not accepted" in mine
    assert "Below threshold: no criterion met" in mine


async def test_a_decision_on_a_referral_changed_meanwhile_saves_nothing_and_says_so(
    client: Client, world: World, sign_in: SignIn
) -> None:
    referral = await submit(client, world)
    csrf = await sign_in("coordinator")
    seen = (await client.get(f"/referrals/{referral['id']}")).text
    assert 'name="version" value="1"' in seen
    # Meanwhile the referring agency withdraws it.
    await decide(client, world, referral, "withdraw", key="referrer", reason="Victim moved away")

    page = await post(client, csrf, f"/referrals/{referral['id']}/accept", version="1")
    assert "changed by someone else" in flash(page.text)
    assert text_of(page.text, "referral-status") == "Withdrawn"
    assert (
        await client.get(f"/api/v1/referrals/{referral['id']}", headers=world.auth("coordinator"))
    ).json()["status"] == ReferralStatus.WITHDRAWN.value

    accepting_twice = await submit(client, world, referral_body(victim=NEAR | {"birth_date": "1970-01-01"}))
    await post(client, csrf, f"/referrals/{accepting_twice['id']}/accept", version="1")
    again = await post(client, csrf, f"/referrals/{accepting_twice['id']}/return", version="1", reason="late")
    assert "changed by someone else" in flash(again.text)
    assert text_of(again.text, "referral-status").startswith("Accepted")


async def test_a_suggested_match_is_confirmed_with_both_victims_shown(
    client: Client, world: World, sign_in: SignIn
) -> None:
    earlier = await submit(client, world)
    near = await submit(client, world, referral_body(yes=3, victim=NEAR))
    assert near["eligible"] is False
    csrf = await sign_in("coordinator")
    listing = (await client.get("/referrals")).text
    assert "Possible match" in listing

    detail = (await client.get(f"/referrals/{near['id']}")).text
    assert "Possible earlier case" in detail
    assert "Testinna Fictionalowa" in detail
    assert "Testina Fictionalova" in detail
    suggestion = re.search(r'action="(/referrals/[^"]+/matches/[^"]+/confirm)"', detail)
    assert suggestion is not None
    page = await post(client, csrf, suggestion.group(1))
    assert flash(page.text) == (
        f"Match confirmed: referral {near['reference']} now belongs to case {earlier['case_reference']}."
    )
    assert f"<dt>Case</dt><dd>{earlier['case_reference']}</dd>" in page.text
    assert "Same person" in page.text
    assert "Same person as case" not in page.text

    replay = await post(client, csrf, suggestion.group(1))
    assert flash(replay.text) == "This suggestion has already been confirmed"


async def test_a_suggested_match_is_rejected_and_the_cases_stay_apart(
    client: Client, world: World, sign_in: SignIn
) -> None:
    earlier = await submit(client, world)
    near = await submit(client, world, referral_body(victim=NEAR))
    csrf = await sign_in("coordinator")
    detail = (await client.get(f"/referrals/{near['id']}")).text
    reject = re.search(r'action="(/referrals/[^"]+/matches/[^"]+/reject)"', detail)
    assert reject is not None

    # A suggestion answered under another referral's address is refused and stays undecided.
    wrong = reject.group(1).replace(near["id"], earlier["id"]).replace("/reject", "/confirm")
    refused = await client.post(wrong, data={"_csrf": csrf}, follow_redirects=False)
    assert refused.status_code == 404
    assert reject.group(1) in (await client.get(f"/referrals/{near['id']}")).text

    page = await post(client, csrf, reject.group(1))
    assert flash(page.text) == "Not the same person: the cases stay apart."
    assert f"<dt>Case</dt><dd>{near['case_reference']}</dd>" in page.text
    assert near["case_reference"] != earlier["case_reference"]
    assert "Possible match" not in (await client.get("/referrals")).text


async def test_a_further_referral_for_a_waiting_victim_is_folded_into_the_first(
    client: Client, world: World, sign_in: SignIn
) -> None:
    first = await submit(client, world)
    second = await submit(client, world, referral_body(yes=3))
    assert second["linked_to_id"] == first["id"]
    await sign_in("coordinator")
    listing = (await client.get("/referrals")).text
    assert "To decide (1)" in listing
    assert "1 further referral linked" in listing
    detail = (await client.get(f"/referrals/{first['id']}")).text
    assert f'<a href="/referrals/{second["id"]}">{second["reference"]}</a>' in detail
    linked = (await client.get(f"/referrals/{second['id']}")).text
    assert text_of(linked, "referral-status") == "Submitted"
    assert "Added to the referral already waiting for this victim" in linked


async def test_the_referrers_panel_and_list_follow_each_referral(
    client: Client, world: World, sign_in: SignIn
) -> None:
    for n in range(27):
        await submit(client, world, referral_body(victim={**VICTIM, "birth_date": f"1990-01-{n + 1:02d}"}))
    await sign_in("referrer")
    home = (await client.get("/")).text
    assert "27 referrals from your agency, 27 waiting for a decision" in home
    first_page = (await client.get("/referrals/mine")).text
    assert "Page 1 of 2 (27 referrals)" in first_page
    assert "R-2026-0027" in first_page
    assert "R-2026-0001" not in first_page
    second = (await client.get("/referrals/mine?p=2")).text
    assert "R-2026-0001" in second
    assert "R-2026-0027" not in second


def test_progress_in_words() -> None:
    def summary(status: ReferralStatus, **fields: Any) -> schemas.ReferralSummary:
        base: dict[str, Any] = {
            "id": "00000000-0000-0000-0000-000000000001",
            "reference": "R-1",
            "area_id": "00000000-0000-0000-0000-000000000002",
            "case_id": "00000000-0000-0000-0000-000000000003",
            "case_reference": "MC-1",
            "status": status,
            "referring_agency_id": "00000000-0000-0000-0000-000000000004",
            "referred_on": date(2026, 11, 2),
            "submitted_at": "2026-11-02T10:00:00Z",
            "eligible": True,
            "criteria": [],
            "is_repeat": False,
            "urgent": False,
            "has_children": False,
            "risk_rank": 0,
            "linked_to_id": None,
            "linked_count": 0,
            "heard_on": None,
            "version": 2,
        }
        return msgspec.convert({**base, **fields}, schemas.ReferralSummary, strict=False)

    listed = Listing(
        conference_id=uuid.uuid4(),
        local_date=date(2026, 12, 8),
        status=ConferenceStatus.PUBLISHED,
        outcome=None,
    )
    deferred = Listing(listed.conference_id, date(2026, 12, 8), ConferenceStatus.CLOSED, Outcome.DEFERRED)
    accepted = summary(ReferralStatus.ACCEPTED)
    assert progress_of(summary(ReferralStatus.SUBMITTED), None, None).text == (
        "Submitted: Waiting for the coordinator's decision"
    )
    assert progress_of(accepted, None, None).text == "Accepted: Waiting for a conference with room"
    assert progress_of(accepted, listed, None).text == "Queued for conference 8 December 2026"
    assert progress_of(accepted, deferred, None).text == "Accepted: Deferred: waiting for the next conference"
    assert progress_of(summary(ReferralStatus.RETURNED), None, "Below threshold").text == (
        "Not accepted: Below threshold"
    )
    heard = summary(ReferralStatus.ACCEPTED, heard_on=date(2026, 12, 8))
    assert progress_of(heard, listed, None).text == "Heard on 8 December 2026"
