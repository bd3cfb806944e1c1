"""The actions API: who may agree, see, report on, hand over and cancel actions; stale edits refused."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from marac.audit import AuditEvent
from tests.actions.conftest import Meeting

Client = AsyncTestClient[Litestar]


def _auth(meeting: Meeting, key: str) -> dict[str, str]:
    if key == "police_rep":
        return {"Authorization": f"Bearer {meeting.police_rep_token}"}
    return meeting.world.auth(key)


async def _create(client: Client, meeting: Meeting, key: str = "coordinator", **body: Any) -> Any:
    payload = {
        "case_id": str(meeting.cases[0].id),
        "description": "Share the safety plan with the school",
        "owner_agency_id": str(meeting.world.police.id),
        "deadline": "2026-12-10",
        **body,
    }
    return await client.post(
        f"/api/v1/conferences/{meeting.held.id}/actions", json=payload, headers=_auth(meeting, key)
    )


async def _agreed(client: Client, meeting: Meeting, **body: Any) -> dict[str, Any]:
    response = await _create(client, meeting, **body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_the_coordinator_agrees_an_action_owned_by_the_agency_contact(
    client: Client, meeting: Meeting
) -> None:
    action = await _agreed(client, meeting)
    assert action["reference"] == "A-0001"
    assert action["case_reference"] == "MC-0001"
    assert action["owner_agency_name"] == "North Police"
    assert action["owner_user_id"] == str(meeting.police_rep.id)  # the agency's point of contact
    assert action["status"] == "open"
    assert action["agreed_on"] == "2026-11-17"
    assert action["description"] == "Share the safety plan with the school"
    assert (await _agreed(client, meeting))["reference"] == "A-0002"


@pytest.mark.parametrize(
    ("key", "status"),
    [("chair", 201), ("representative", 403), ("referrer", 403), ("other_coordinator", 404)],
)
async def test_only_the_chair_and_coordinator_agree_actions(
    client: Client, meeting: Meeting, key: str, status: int
) -> None:
    assert (await _create(client, meeting, key)).status_code == status


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"deadline": "2026-11-16"}, "deadline"),
        ({"deadline": "2030-01-01"}, "deadline"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"owner_user_id": "00000000-0000-4000-8000-000000000001"}, "owner_user_id"),
        ({"case_id": "00000000-0000-4000-8000-000000000001"}, "case_id"),
        ({"surprise": True}, "surprise"),
    ],
)
async def test_bad_actions_are_refused_naming_the_field(
    client: Client, meeting: Meeting, body: dict[str, Any], field: str
) -> None:
    response = await _create(client, meeting, **body)
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_actions_are_agreed_only_at_a_meeting_that_has_been_held(
    client: Client, meeting: Meeting
) -> None:
    response = await client.post(
        f"/api/v1/conferences/{meeting.coming.id}/actions",
        json={
            "case_id": str(meeting.cases[0].id),
            "description": "Something",
            "owner_agency_id": str(meeting.world.police.id),
            "deadline": "2026-12-20",
        },
        headers=_auth(meeting, "coordinator"),
    )
    assert response.status_code == 409


async def test_lists_show_each_person_what_they_may_see(client: Client, meeting: Meeting) -> None:
    police = await _agreed(client, meeting)
    social = await _agreed(client, meeting, owner_agency_id=str(meeting.world.social_care.id))
    other_case = await _agreed(client, meeting, case_id=str(meeting.cases[1].id))
    url = f"/api/v1/areas/{meeting.world.area.id}/actions"

    async def refs(key: str, **params: Any) -> list[str]:
        response = await client.get(url, params=params, headers=_auth(meeting, key))
        assert response.status_code == 200, response.text
        return [a["reference"] for a in response.json()]

    everything = [police["reference"], social["reference"], other_case["reference"]]
    assert await refs("chair") == everything
    assert await refs("coordinator", case_id=str(meeting.cases[1].id)) == [other_case["reference"]]
    assert await refs("coordinator", agency_id=str(meeting.world.social_care.id)) == [social["reference"]]
    assert await refs("coordinator", conference_id=str(meeting.held.id)) == everything
    assert await refs("representative") == [social["reference"]]  # their own agency's only
    assert await refs("police_rep") == [police["reference"], other_case["reference"]]
    await meeting.exclude(meeting.cases[1], meeting.police_rep.id)
    assert await refs("police_rep") == [police["reference"]]
    hidden = await client.get(f"/api/v1/actions/{other_case['id']}", headers=_auth(meeting, "police_rep"))
    assert hidden.status_code == 404
    elsewhere = await client.get(url, headers=_auth(meeting, "other_coordinator"))
    assert elsewhere.status_code == 404


async def test_overdue_list_moves_with_the_clock(client: Client, meeting: Meeting) -> None:
    action = await _agreed(client, meeting, deadline="2026-11-30")
    url = f"/api/v1/areas/{meeting.world.area.id}/actions"
    params = {"overdue": "true"}
    assert (await client.get(url, params=params, headers=_auth(meeting, "chair"))).json() == []
    meeting.clock.advance(days=8)  # Tuesday 1 December
    [late] = (await client.get(url, params=params, headers=_auth(meeting, "chair"))).json()
    assert late["id"] == action["id"]
    assert late["days_overdue"] == 1


async def test_detail_shows_history_and_is_audited(client: Client, meeting: Meeting) -> None:
    action = await _agreed(client, meeting)
    response = await client.get(f"/api/v1/actions/{action['id']}", headers=_auth(meeting, "police_rep"))
    assert response.status_code == 200
    detail = response.json()
    assert [r["to_agency_id"] for r in detail["reassignments"]] == [str(meeting.world.police.id)]
    kinds = [r["kind"] for r in detail["reminders"]]
    assert kinds == ["before-7", "before-1", "due", "overdue-1", "escalation"]
    async with meeting.runtime.sessions() as session:
        views = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "action.view"))).all()
    assert [(v.object_id, v.actor_id) for v in views] == [(action["id"], meeting.police_rep.id)]
    assert "Share the safety plan" not in str(views[0].detail)


async def test_a_stale_version_is_refused_and_nothing_is_overwritten(
    client: Client, meeting: Meeting
) -> None:
    action = await _agreed(client, meeting)
    url = f"/api/v1/actions/{action['id']}"
    first = await client.patch(
        url, json={"version": 1, "deadline": "2026-12-17"}, headers=_auth(meeting, "chair")
    )
    assert first.status_code == 200
    assert first.json()["deadline_version"] == 2
    second = await client.patch(
        url, json={"version": 1, "description": "Another wording"}, headers=_auth(meeting, "coordinator")
    )
    assert second.status_code == 409
    assert second.json()["type"].endswith("stale-version")
    assert second.json()["current_version"] == 2
    report = await client.post(
        f"{url}/status-reports",
        json={"version": 1, "status": "completed"},
        headers=_auth(meeting, "police_rep"),
    )
    assert report.status_code == 409
    current = (await client.get(url, headers=_auth(meeting, "chair"))).json()["action"]
    assert current["description"] == "Share the safety plan with the school"
    assert current["status"] == "open"


async def test_the_owner_agency_reports_and_an_outcome_closes_the_action(
    client: Client, meeting: Meeting
) -> None:
    action = await _agreed(client, meeting)
    url = f"/api/v1/actions/{action['id']}"
    for key, status in (("representative", 404), ("referrer", 403)):
        refused = await client.post(
            f"{url}/status-reports", json={"version": 1, "status": "open"}, headers=_auth(meeting, key)
        )
        assert refused.status_code == status, key
    future = await client.post(
        f"{url}/status-reports",
        json={"version": 1, "status": "open", "reported_on": "2026-11-24"},
        headers=_auth(meeting, "police_rep"),
    )
    assert future.status_code == 422
    progress = await client.post(
        f"{url}/status-reports",
        json={"version": 1, "status": "open", "note": "Visit booked"},
        headers=_auth(meeting, "police_rep"),
    )
    assert progress.status_code == 201
    done = await client.post(
        f"{url}/status-reports",
        json={
            "version": 2,
            "status": "not_possible",
            "reported_on": "2026-11-20",
            "note": "Family moved away",
        },
        headers=_auth(meeting, "police_rep"),
    )
    assert done.status_code == 201
    assert done.json()["status"] == "not_possible"
    assert done.json()["closed_on"] == "2026-11-20"
    again = await client.post(
        f"{url}/status-reports",
        json={"version": 3, "status": "completed"},
        headers=_auth(meeting, "police_rep"),
    )
    assert again.status_code == 409
    detail = (await client.get(url, headers=_auth(meeting, "chair"))).json()
    assert [(r["status"], r["note"]) for r in detail["reports"]] == [
        ("not_possible", "Family moved away"),
        ("open", "Visit booked"),
    ]
    assert all(r["cancelled_at"] for r in detail["reminders"])


async def test_reassigning_keeps_the_history(client: Client, meeting: Meeting) -> None:
    action = await _agreed(client, meeting)
    url = f"/api/v1/actions/{action['id']}/reassign"
    body = {"version": 1, "owner_agency_id": str(meeting.world.social_care.id), "reason": "Better placed"}
    assert (await client.post(url, json=body, headers=_auth(meeting, "police_rep"))).status_code == 403
    moved = await client.post(url, json=body, headers=_auth(meeting, "coordinator"))
    assert moved.status_code == 200
    assert moved.json()["owner_agency_name"] == "North Children's Services"
    assert moved.json()["owner_user_id"] == str(meeting.world.users["representative"].id)
    same = await client.post(
        url,
        json={"version": 2, "owner_agency_id": str(meeting.world.social_care.id)},
        headers=_auth(meeting, "representative"),
    )
    assert same.status_code == 422  # already theirs
    detail = (await client.get(f"/api/v1/actions/{action['id']}", headers=_auth(meeting, "chair"))).json()
    assert [(r["from_agency_id"], r["to_agency_id"], r["reason"]) for r in detail["reassignments"]] == [
        (None, str(meeting.world.police.id), None),
        (str(meeting.world.police.id), str(meeting.world.social_care.id), "Better placed"),
    ]


async def test_only_the_chair_or_coordinator_cancels(client: Client, meeting: Meeting) -> None:
    action = await _agreed(client, meeting)
    url = f"/api/v1/actions/{action['id']}/cancel"
    assert (
        await client.post(url, json={"version": 1}, headers=_auth(meeting, "police_rep"))
    ).status_code == 403
    cancelled = await client.post(
        url, json={"version": 1, "reason": "Duplicate"}, headers=_auth(meeting, "chair")
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
