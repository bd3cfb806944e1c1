"""Answering invitations in the portal, the coordinator's view of who is coming, and the outbox API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from marac.access.models import Role, User
from marac.agenda.models import Conference
from marac.notify.invitations import reconcile_invitations
from marac.notify.models import DeliveryStatus, InvitationMethod, Notification
from marac.runtime import Runtime
from tests.factories import World, make_user

from .conference_helpers import invitations, make_conference, make_series, move, set_mailbox
from .outbox_helpers import rows

Client = AsyncTestClient[Litestar]


@dataclass
class Meeting:
    conference: Conference
    rep: User
    rep_auth: dict[str, str]
    colleague: User
    care: User

    @property
    def url(self) -> str:
        return f"/api/v1/conferences/{self.conference.id}"


@pytest.fixture
async def meeting(runtime: Runtime, world: World) -> Meeting:
    """A conference in the window: police and children's services representatives invited."""
    rep, token = await make_user(
        runtime, world.area, "police.rep@north.example", [Role.REPRESENTATIVE], world.police
    )
    colleague, _ = await make_user(
        runtime, world.area, "dc.deputy@north.example", [Role.REFERRER], world.police
    )
    await set_mailbox(runtime, world.area)
    care = world.users["representative"]
    series = await make_series(runtime, world.area, [rep, care], chair=world.users["chair"])
    conference = await make_conference(runtime, series, datetime(2027, 1, 12, 10, 0))
    async with runtime.transaction() as session:
        await reconcile_invitations(session, runtime.clock, settings=runtime.settings)
    return Meeting(conference, rep, {"Authorization": f"Bearer {token}"}, colleague, care)


async def test_naming_a_deputy_invites_them_and_withdrawing_cancels(
    client: Client, runtime: Runtime, world: World, meeting: Meeting
) -> None:
    answer = {"response": "delegated", "deputy_user_id": str(meeting.colleague.id), "note": "on leave"}
    delegated = await client.post(f"{meeting.url}/response", json=answer, headers=meeting.rep_auth)

    assert delegated.status_code == 200, delegated.text
    assert delegated.json()["response"] == "delegated"
    deputy = (await invitations(runtime, meeting.conference))[meeting.colleague.id]
    assert (deputy.invited_as, deputy.last_method) == ("deputy", InvitationMethod.REQUEST)
    (invite,) = await rows(runtime, recipient_user_id=meeting.colleague.id)
    assert invite.calendar_method == "REQUEST"
    assert "named as a deputy" in invite.text_body

    withdrawn = await client.post(
        f"{meeting.url}/response", json={"response": "accepted"}, headers=meeting.rep_auth
    )

    assert withdrawn.status_code == 200
    methods = [row.calendar_method for row in await rows(runtime, recipient_user_id=meeting.colleague.id)]
    assert methods == ["REQUEST", "CANCEL"]


async def test_coordinator_sees_who_is_coming(
    client: Client, runtime: Runtime, world: World, meeting: Meeting
) -> None:
    accepted = await client.post(
        f"{meeting.url}/response", json={"response": "accepted"}, headers=meeting.rep_auth
    )
    declined = await client.post(
        f"{meeting.url}/response", json={"response": "declined"}, headers=world.auth("representative")
    )
    assert (accepted.status_code, declined.status_code) == (200, 200), accepted.text

    listed = await client.get(f"{meeting.url}/responses", headers=world.auth("coordinator"))

    assert listed.status_code == 200
    answers = {row["email"]: (row["response"], row["invited_as"], row["current"]) for row in listed.json()}
    assert answers == {
        meeting.rep.email: ("accepted", "representative", True),
        meeting.care.email: ("declined", "representative", True),
        world.users["chair"].email: ("needs_action", "chair", False),
    }
    own = await client.get(f"{meeting.url}/response", headers=meeting.rep_auth)
    assert own.json()["response"] == "accepted"


async def test_a_move_asks_everyone_again(client: Client, runtime: Runtime, meeting: Meeting) -> None:
    await client.post(f"{meeting.url}/response", json={"response": "accepted"}, headers=meeting.rep_auth)
    runtime.clock.advance(hours=1)  # type: ignore[attr-defined]

    await move(runtime, meeting.conference, datetime(2027, 1, 13, 10, 0))

    stored = (await invitations(runtime, meeting.conference))[meeting.rep.id]
    assert stored.response == "accepted"  # kept, but no longer current
    assert stored.responded_at is not None
    assert stored.responded_at < stored.last_sent_at


@pytest.mark.parametrize(
    ("who", "body", "status", "field"),
    [
        ("deputy_elsewhere", {"response": "delegated"}, 422, "deputy_user_id"),  # another agency's worker
        ("rep", {"response": "delegated"}, 422, "deputy_user_id"),  # no deputy named
        ("rep", {"response": "accepted", "deputy_user_id": "self"}, 422, "deputy_user_id"),
        ("rep", {"response": "maybe"}, 422, "response"),
        ("not_invited", {"response": "accepted"}, 404, None),
        ("other_area", {"response": "accepted"}, 404, None),
    ],
)
async def test_answers_that_are_refused(
    client: Client,
    world: World,
    meeting: Meeting,
    who: str,
    body: dict[str, str],
    status: int,
    field: str | None,
) -> None:
    headers = {
        "rep": meeting.rep_auth,
        "deputy_elsewhere": meeting.rep_auth,
        "not_invited": world.auth("referrer"),
        "other_area": world.auth("other_coordinator"),
    }[who]
    if who == "deputy_elsewhere":
        body = {**body, "deputy_user_id": str(world.users["representative"].id)}
    if body.get("deputy_user_id") == "self":
        body = {**body, "deputy_user_id": str(meeting.colleague.id)}

    answer = await client.post(f"{meeting.url}/response", json=body, headers=headers)

    assert answer.status_code == status, answer.text
    if field:
        assert field in answer.text


async def test_only_overseers_see_the_answers(client: Client, world: World, meeting: Meeting) -> None:
    assert (await client.get(f"{meeting.url}/responses", headers=meeting.rep_auth)).status_code == 403
    assert (
        await client.get(f"{meeting.url}/responses", headers=world.auth("other_coordinator"))
    ).status_code == 404
    assert (await client.get(f"{meeting.url}/responses", headers=world.auth("chair"))).status_code == 200


async def test_coordinator_retries_a_parked_message(
    client: Client, runtime: Runtime, world: World, meeting: Meeting
) -> None:
    first = (await rows(runtime))[0]
    async with runtime.transaction() as session:
        await session.execute(
            update(Notification)
            .where(Notification.id == first.id)
            .values(status=DeliveryStatus.PARKED, attempts=8, last_error="SMTP 550: no such mailbox")
        )
    area_url = f"/api/v1/areas/{world.area.id}/notifications"

    parked = await client.get(f"{area_url}?state=parked", headers=world.auth("coordinator"))
    retried = await client.post(f"/api/v1/notifications/{first.id}/retry", headers=world.auth("coordinator"))
    refused = await client.post(
        f"/api/v1/notifications/{first.id}/retry", headers=world.auth("representative")
    )
    hidden = await client.get(area_url, headers=world.auth("other_coordinator"))

    assert [(n["id"], n["last_error"]) for n in parked.json()] == [
        (str(first.id), "SMTP 550: no such mailbox")
    ]
    assert retried.status_code == 200
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    assert refused.status_code == 403
    assert hidden.status_code == 404
    undelivered = await client.get(area_url, headers=world.auth("coordinator"))
    assert len(undelivered.json()) == 3  # three invitations waiting for the delivery sweep
