"""A representative answers their invitations: accept, decline, or send a colleague as deputy."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from marac.access.models import Role
from marac.notify.models import Invitation, Response
from marac.runtime import Runtime
from marac.web.conferences import my_conferences_panel
from tests.factories import World, make_user
from tests.web.conference_pages import Meetings, field_error, monthly_meetings, panel, text_of
from tests.web.test_access import SignIn

Client = AsyncTestClient[Litestar]


async def answer_of(runtime: Runtime, meetings: Meetings, user_id: object) -> Invitation:
    async with runtime.sessions() as session:
        found = await session.scalar(
            select(Invitation).where(
                Invitation.conference_id == meetings.first.id, Invitation.user_id == user_id
            )
        )
        assert found is not None
        return found


async def test_a_representative_sees_their_invitations_and_accepts_one(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    meetings = await monthly_meetings(runtime, world)
    csrf = await sign_in("representative")

    listing_html = (await client.get("/conferences/mine")).text
    listing = text_of(listing_html)
    accepted = await client.post(
        f"/conferences/{meetings.first.id}/response",
        data={"response": "accepted", "back": "/conferences/mine", "_csrf": csrf},
        follow_redirects=False,
    )

    assert "North Shire MARAC on Tue 08 Dec 2026 When Tue 08 Dec 2026, 10:00-13:00" in listing
    assert "North Shire MARAC on Tue 12 Jan 2027" in listing
    assert "Your answer: No answer yet" in listing
    assert '<a href="/cases">Case list</a>' in listing_html  # where a representative reads the cases
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/conferences/mine"
    after = await client.get("/conferences/mine")
    assert "You have accepted." in after.text
    assert "Your answer: Accepted" in text_of(after.text)
    stored = await answer_of(runtime, meetings, world.users["representative"].id)
    assert stored.response == Response.ACCEPTED
    await client.post("/logout", data={"_csrf": csrf})
    await sign_in("coordinator")
    detail = text_of((await client.get(f"/conferences/{meetings.first.id}")).text)
    assert f"{world.users['representative'].name} North Children's Services Representative Accepted" in detail


async def test_naming_a_deputy_needs_a_colleague_and_invites_them(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    colleague, _ = await make_user(
        runtime, world.area, "deputy.rep@north.example", [Role.REPRESENTATIVE], world.social_care
    )
    meetings = await monthly_meetings(runtime, world)
    csrf = await sign_in("representative")
    url = f"/conferences/{meetings.first.id}/response"

    form = (await client.get("/conferences/mine")).text
    missing = await client.post(url, data={"response": "delegated", "deputy_user_id": "", "_csrf": csrf})
    outsider = await client.post(
        url,
        data={"response": "delegated", "deputy_user_id": str(world.users["referrer"].id), "_csrf": csrf},
    )
    named = await client.post(
        url,
        data={
            "response": "delegated",
            "deputy_user_id": str(colleague.id),
            "note": "On leave",
            "_csrf": csrf,
        },
        follow_redirects=False,
    )

    assert f'<option value="{colleague.id}">Deputy.Rep</option>' in form
    assert missing.status_code == 422
    assert field_error(missing.text, "deputy_user_id") == "Error: Choose the colleague who goes instead"
    assert missing.text.count('id="f-deputy_user_id"') == 1  # only the form the message is about
    assert outsider.status_code == 422
    assert "the deputy must be an active colleague of your agency" in outsider.text
    assert named.status_code == 303
    assert "Your answer: Sending a deputy: Deputy.Rep" in text_of(
        (await client.get("/conferences/mine")).text
    )
    deputy = await answer_of(runtime, meetings, colleague.id)
    assert deputy.invited_as == "deputy"


async def test_an_answer_can_be_given_on_the_conference_page_the_invitation_links_to(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    meetings = await monthly_meetings(runtime, world)
    csrf = await sign_in("representative")
    url = f"/conferences/{meetings.first.id}"

    page = text_of((await client.get(url)).text)
    declined = await client.post(
        f"{url}/response",
        data={"response": "declined", "back": url, "note": "Court", "_csrf": csrf},
        follow_redirects=False,
    )
    no_choice = await client.post(f"{url}/response", data={"back": url, "_csrf": csrf})
    long_note = await client.post(
        f"{url}/response", data={"response": "declined", "note": "x" * 301, "back": url, "_csrf": csrf}
    )

    assert "North Shire MARAC on Tue 08 Dec 2026" in page
    assert "Cases queued" not in page  # the coordinator's figures are not shown to attendees
    assert declined.headers["location"] == url
    assert "You have declined." in (await client.get(url)).text
    assert no_choice.status_code == 422
    assert "Error: Choose accept, decline or send a deputy" in text_of(no_choice.text)
    assert field_error(long_note.text, "note") == "Error: Use at most 300 characters"
    assert (await answer_of(runtime, meetings, world.users["representative"].id)).response_note == "Court"


async def test_the_dashboard_panel_lists_my_next_conferences(runtime: Runtime, world: World) -> None:
    before = await panel(runtime, world, my_conferences_panel, "representative")
    meetings = await monthly_meetings(runtime, world)

    after = await panel(runtime, world, my_conferences_panel, "representative")

    assert before.headline == "You have no conference invitations."
    assert after.headline == "2 waiting for your answer"
    assert [(row.label, row.href, row.note) for row in after.rows] == [
        ("Tue 08 Dec 2026", f"/conferences/{meetings.first.id}", "No answer yet"),
        ("Tue 12 Jan 2027", f"/conferences/{meetings.second.id}", "No answer yet"),
    ]


async def test_the_chair_is_pointed_to_the_agenda_review_of_the_conference(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    meetings = await monthly_meetings(runtime, world)
    await sign_in("chair")

    page = await client.get(f"/conferences/{meetings.first.id}")

    assert f'<a href="/agenda/review?conference={meetings.first.id}">Agenda review</a>' in page.text
    assert "Your answer: No answer yet" in text_of(page.text)  # the chair is invited too
