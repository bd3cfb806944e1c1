"""The chair's view: completion by agency and conference, overdue actions, days late, the monthly trend."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.actions import schemas, services
from marac.agenda.models import ConferenceStatus
from tests.actions.conftest import Meeting, conference_row

Client = AsyncTestClient[Litestar]


async def _close(meeting: Meeting, action_id: Any, status: str, on: date) -> None:
    async with meeting.runtime.transaction() as session:
        if status == "cancelled":
            await services.cancel_action(
                session,
                meeting.clock,
                meeting.actor("chair"),
                meeting.protector,
                action_id,
                schemas.ActionCancel(version=1),
            )
            return
        await services.report_status(
            session,
            meeting.clock,
            meeting.actor("chair"),
            meeting.protector,
            action_id,
            schemas.StatusReportCreate(version=1, status=status, reported_on=on),  # type: ignore[arg-type]
        )


@pytest.fixture
async def history(meeting: Meeting) -> dict[str, Any]:
    """Two meetings' actions in every state, as at Monday 23 November 2026."""
    async with meeting.runtime.transaction() as session:
        october = conference_row(
            meeting.world.area.id, meeting.series_id, date(2026, 10, 20), ConferenceStatus.CLOSED
        )
        session.add(october)
    police, social = meeting.world.police, meeting.world.social_care
    made = {
        "A": await meeting.agree(conference=october, agency=police, deadline=date(2026, 10, 30)),
        "B": await meeting.agree(conference=october, agency=social, deadline=date(2026, 11, 10), case=1),
        "C": await meeting.agree(conference=october, agency=police, deadline=date(2026, 11, 5), case=2),
        "D": await meeting.agree(agency=police, deadline=date(2026, 12, 10)),
        "E": await meeting.agree(agency=social, deadline=date(2026, 11, 20), case=1),
        "F": await meeting.agree(agency=police, deadline=date(2026, 11, 30), case=1),
        "G": await meeting.agree(agency=police, deadline=date(2026, 12, 1), case=2),
    }
    await _close(meeting, made["A"].id, "completed", date(2026, 11, 2))
    await _close(meeting, made["B"].id, "not_done", date(2026, 11, 12))
    await _close(meeting, made["E"].id, "not_possible", date(2026, 11, 21))
    await _close(meeting, made["F"].id, "completed", date(2026, 11, 23))
    await _close(meeting, made["G"].id, "cancelled", date(2026, 11, 23))
    return {"october": october, **made}


async def _dashboard(client: Client, meeting: Meeting, key: str = "chair") -> Any:
    return await client.get(
        f"/api/v1/areas/{meeting.world.area.id}/actions/dashboard", headers=meeting.world.auth(key)
    )


def _counts(completion: dict[str, Any]) -> tuple[Any, ...]:
    names = (
        "total",
        "open",
        "overdue",
        "completed",
        "not_possible",
        "not_done",
        "cancelled",
        "completion_rate",
    )
    return tuple(completion[name] for name in names)


async def test_the_chair_sees_completion_lateness_and_trend(
    client: Client, meeting: Meeting, history: dict[str, Any]
) -> None:
    response = await _dashboard(client, meeting)
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["as_of"] == "2026-11-23"
    assert _counts(view["overall"]) == (7, 2, 1, 2, 1, 1, 1, 0.4)
    agencies = {entry["agency_name"]: _counts(entry["completion"]) for entry in view["by_agency"]}
    assert agencies == {
        "North Police": (5, 2, 1, 2, 0, 0, 1, 0.6667),
        "North Children's Services": (2, 0, 0, 0, 1, 1, 0, 0.0),
    }
    assert [(c["held_on"], c["completion"]["completion_rate"]) for c in view["by_conference"]] == [
        ("2026-10-20", 0.3333),
        ("2026-11-17", 0.5),
    ]
    assert [(o["reference"], o["case_reference"], o["days_overdue"]) for o in view["overdue"]] == [
        (history["C"].reference, "MC-0003", 18)
    ]
    assert (view["completed_late"], view["average_days_late"]) == (1, 3.0)
    assert (view["not_done"], view["not_possible"]) == (1, 1)
    trend = {bucket["month"]: bucket for bucket in view["trend"]}
    assert next(iter(trend)) == "2025-12"
    assert list(trend)[-1] == "2026-11"
    assert len(trend) == 12
    assert trend["2026-10"]["agreed"] == 3
    november = trend["2026-11"]
    assert (november["agreed"], november["completed"], november["completed_late"]) == (4, 2, 1)
    assert (november["not_done"], november["not_possible"], november["cancelled"]) == (1, 1, 1)
    assert november["completion_rate"] == 0.5


async def test_the_overdue_list_leaves_out_cases_the_viewer_must_not_receive(
    client: Client, meeting: Meeting, history: dict[str, Any]
) -> None:
    await meeting.exclude(meeting.cases[2], meeting.world.users["chair"].id)
    view = (await _dashboard(client, meeting)).json()
    assert view["overdue"] == []
    assert view["overall"]["overdue"] == 1  # the figures are aggregates


@pytest.mark.parametrize(
    ("key", "status"), [("coordinator", 200), ("representative", 403), ("other_coordinator", 404)]
)
async def test_the_dashboard_is_for_chairs_and_coordinators(
    client: Client, meeting: Meeting, key: str, status: int
) -> None:
    assert (await _dashboard(client, meeting, key)).status_code == status


async def test_an_area_without_actions_has_no_rates(client: Client, meeting: Meeting) -> None:
    view = (await _dashboard(client, meeting)).json()
    assert view["overall"]["completion_rate"] is None
    assert view["average_days_late"] is None
    assert all(bucket["agreed"] == 0 for bucket in view["trend"])
