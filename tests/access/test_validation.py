"""Bad input gets a 4xx problem response naming the field, and nothing is half-written."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from marac.access.models import Agency, Area, User
from marac.runtime import Runtime
from tests.factories import World

AREA = {"name": "East Fen", "slug": "east-fen", "timezone": "Europe/London", "jurisdiction": "GB-ENG"}

BAD_AREAS: list[tuple[str, dict[str, Any], str]] = [
    ("wrong type", {**AREA, "name": 42}, "name"),
    ("unknown field", {**AREA, "colour": "blue"}, "colour"),
    ("over-long string", {**AREA, "name": "x" * 161}, "name"),
    ("missing field", {k: v for k, v in AREA.items() if k != "timezone"}, "timezone"),
    ("invalid timezone", {**AREA, "timezone": "Europe/Atlantis"}, "timezone"),
    ("bad slug", {**AREA, "slug": "East Fen!"}, "slug"),
    ("unknown setting", {**AREA, "settings": {"pack_workin_days": 3}}, "settings"),
    ("setting out of range", {**AREA, "settings": {"pack_working_days": -1}}, "settings"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_AREAS, ids=[c for c, _, _ in BAD_AREAS])
async def test_bad_area_is_refused_naming_the_field_and_nothing_is_saved(
    client: AsyncTestClient, world: World, runtime: Runtime, case: str, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/areas", json=body, headers=world.auth("sysadmin"))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["status"] == 422
    assert field in [error["field"] for error in problem["errors"]], problem
    async with runtime.sessions() as session:
        assert (
            await session.scalar(select(func.count()).select_from(Area).where(Area.slug == "east-fen")) == 0
        )


async def test_malformed_json_is_a_400_problem(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/api/v1/areas",
        content=b'{"name": "East", "slug":',
        headers={**world.auth("sysadmin"), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "not valid JSON" in response.json()["detail"]


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.org", "x" * 250 + "@example.org"])
async def test_invalid_email_is_refused(
    client: AsyncTestClient, world: World, runtime: Runtime, email: str
) -> None:
    response = await client.post(
        f"/api/v1/areas/{world.area.id}/users",
        json={"email": email, "name": "Someone", "roles": ["referrer"]},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email"
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User).where(User.name == "Someone")) == 0


async def test_duplicate_email_is_a_conflict_and_the_first_user_is_untouched(
    client: AsyncTestClient, world: World
) -> None:
    response = await client.post(
        f"/api/v1/areas/{world.area.id}/users",
        json={"email": "CHAIR@north.example", "name": "Impostor", "roles": ["referrer"]},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "email"
    chair = await client.get(f"/api/v1/users/{world.users['chair'].id}", headers=world.auth("coordinator"))
    assert chair.json()["name"] == "Chair"


async def test_unknown_agency_kind_names_the_field(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        f"/api/v1/areas/{world.area.id}/agencies",
        json={"name": "Fire", "kind": "fire_brigade"},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"


async def test_agency_of_another_area_cannot_be_given_to_a_user(
    client: AsyncTestClient, world: World, runtime: Runtime
) -> None:
    response = await client.post(
        f"/api/v1/areas/{world.area.id}/users",
        json={"email": "new@north.example", "name": "New", "agency_id": str(world.other_police.id)},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "agency_id"


async def test_concurrent_edits_do_not_overwrite_each_other(client: AsyncTestClient, world: World) -> None:
    url = f"/api/v1/agencies/{world.police.id}"
    headers = world.auth("coordinator")
    first = await client.patch(
        url, json={"version": 1, "contact_email": "first@police.example"}, headers=headers
    )
    assert first.status_code == 200
    second = await client.patch(
        url, json={"version": 1, "contact_email": "second@police.example"}, headers=headers
    )
    assert second.status_code == 409
    assert second.json()["current_version"] == 2
    current = await client.get(url, headers=headers)
    assert current.json()["contact_email"] == "first@police.example"


async def test_duplicate_agency_name_in_an_area_is_a_conflict(
    client: AsyncTestClient, world: World, runtime: Runtime
) -> None:
    response = await client.post(
        f"/api/v1/areas/{world.area.id}/agencies",
        json={"name": "North Police", "kind": "police"},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 409
    async with runtime.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(Agency).where(Agency.name == "North Police")
        )
    assert count == 1


async def test_unknown_route_is_a_problem_response(client: AsyncTestClient, world: World) -> None:
    response = await client.get("/api/v1/nothing-here", headers=world.auth("coordinator"))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
