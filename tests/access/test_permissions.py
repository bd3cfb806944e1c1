"""Who may do what: deny by default, a role-by-route matrix, and isolation between areas."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from marac.app import create_app
from tests.factories import World

ANY_ID = "00000000-0000-4000-8000-000000000000"


def _api_routes() -> list[tuple[str, str]]:
    app = create_app()
    routes = []
    for route in app.routes:
        if not route.path.startswith("/api/v1"):
            continue
        for method in sorted(getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, re.sub(r"\{[^}]+\}", ANY_ID, route.path)))
    return routes


API_ROUTES = _api_routes()


def test_the_route_list_is_not_empty() -> None:
    assert len(API_ROUTES) > 15


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
async def test_every_api_route_but_login_needs_credentials(
    client: AsyncTestClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={})
    if path == "/api/v1/auth/login":
        assert response.status_code != 401 or response.json()["detail"] == "Email or password is incorrect"
        return
    assert response.status_code == 401, (method, path, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")


def _requests(world: World) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    area, agency, user = world.area.id, world.police.id, world.users["referrer"]
    return {
        "create area": (
            "POST",
            "/api/v1/areas",
            {"name": "East", "slug": "east", "timezone": "Europe/London", "jurisdiction": "GB-ENG"},
        ),
        "read area": ("GET", f"/api/v1/areas/{area}", None),
        "change area settings": (
            "PATCH",
            f"/api/v1/areas/{area}",
            {"version": 1, "settings": {"pack_working_days": 3}},
        ),
        "list agencies": ("GET", f"/api/v1/areas/{area}/agencies", None),
        "add agency": ("POST", f"/api/v1/areas/{area}/agencies", {"name": "Housing", "kind": "housing"}),
        "change agency": (
            "PATCH",
            f"/api/v1/agencies/{agency}",
            {"version": 1, "contact_email": "poc@police.example"},
        ),
        "list users": ("GET", f"/api/v1/areas/{area}/users", None),
        "add user": (
            "POST",
            f"/api/v1/areas/{area}/users",
            {"email": "new@north.example", "name": "New", "roles": ["referrer"]},
        ),
        "read another user": ("GET", f"/api/v1/users/{user.id}", None),
        "change another user": ("PATCH", f"/api/v1/users/{user.id}", {"version": 1, "name": "Renamed"}),
        "grant roles": (
            "PUT",
            f"/api/v1/users/{user.id}/roles/{area}",
            {"roles": ["referrer", "representative"]},
        ),
    }


# Expected status per action and role: 2xx allowed, 403 refused inside the area, 404 outside it.
MATRIX: dict[str, dict[str, int]] = {
    "create area": {
        "sysadmin": 201,
        "admin": 403,
        "coordinator": 403,
        "chair": 403,
        "representative": 403,
        "referrer": 403,
        "other_coordinator": 403,
    },
    "read area": {
        "sysadmin": 200,
        "admin": 200,
        "coordinator": 200,
        "chair": 200,
        "representative": 200,
        "referrer": 200,
        "other_coordinator": 404,
    },
    "change area settings": {
        "sysadmin": 200,
        "admin": 200,
        "coordinator": 403,
        "chair": 403,
        "representative": 403,
        "referrer": 403,
        "other_coordinator": 404,
    },
    "list agencies": {
        "sysadmin": 200,
        "admin": 200,
        "coordinator": 200,
        "chair": 200,
        "representative": 200,
        "referrer": 200,
        "other_coordinator": 404,
    },
    "add agency": {
        "sysadmin": 201,
        "admin": 201,
        "coordinator": 201,
        "chair": 403,
        "representative": 403,
        "referrer": 403,
        "other_coordinator": 404,
    },
    "change agency": {
        "sysadmin": 200,
        "admin": 200,
        "coordinator": 200,
        "chair": 403,
        "representative": 403,
        "referrer": 403,
        "other_coordinator": 404,
    },
    "list users": {
        "sysadmin": 200,
        "admin": 200,
        "coordinator": 200,
        "chair": 200,
        "representative": 403,
        "referrer": 403,
        "other_coordinator": 404,
    },
    "add user": {
        "sysadmin": 201,
        "admin": 201,
        "coordinator": 201,
        "chair": 403,
        "representative": 403,
        "referrer": 403,
        "other_coordinator": 404,
    },
    "read another user": {
        "sysadmin": 200,
        "admin": 200,
        "coordinator": 200,
        "chair": 200,
        "representative": 404,
        "referrer": 200,
        "other_coordinator": 404,
    },
    "change another user": {
        "sysadmin": 200,
        "admin": 200,
        "coordinator": 200,
        "chair": 403,
        "representative": 404,
        "referrer": 200,
        "other_coordinator": 404,
    },
    "grant roles": {
        "sysadmin": 200,
        "admin": 200,
        "coordinator": 200,
        "chair": 403,
        "representative": 403,
        "referrer": 403,
        "other_coordinator": 404,
    },
}
CASES = [(action, role, status) for action, row in MATRIX.items() for role, status in row.items()]


@pytest.mark.parametrize(("action", "role", "expected"), CASES, ids=[f"{a}-{r}" for a, r, _ in CASES])
async def test_role_matrix(
    client: AsyncTestClient, world: World, action: str, role: str, expected: int
) -> None:
    method, path, body = _requests(world)[action]
    response = await client.request(method, path, json=body, headers=world.auth(role))
    assert response.status_code == expected, response.text


async def test_other_area_objects_look_exactly_like_missing_ones(
    client: AsyncTestClient, world: World
) -> None:
    foreign = await client.get(f"/api/v1/agencies/{world.other_police.id}", headers=world.auth("coordinator"))
    missing = await client.get(f"/api/v1/agencies/{uuid.uuid4()}", headers=world.auth("coordinator"))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["title"] == missing.json()["title"]


async def test_area_list_shows_only_own_areas(client: AsyncTestClient, world: World) -> None:
    slugs = [a["slug"] for a in (await client.get("/api/v1/areas", headers=world.auth("referrer"))).json()]
    assert slugs == ["north-shire"]
    every = [a["slug"] for a in (await client.get("/api/v1/areas", headers=world.auth("sysadmin"))).json()]
    assert sorted(every) == ["north-shire", "south-vale"]


async def test_coordinator_cannot_grant_admin(client: AsyncTestClient, world: World) -> None:
    user = world.users["referrer"]
    response = await client.put(
        f"/api/v1/users/{user.id}/roles/{world.area.id}",
        json={"roles": ["admin"]},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 403
    me = await client.get("/api/v1/auth/me", headers=world.auth("referrer"))
    assert me.json()["user"]["roles"] == [{"area_id": str(world.area.id), "role": "referrer"}]
