"""Login sessions, lockout, CSRF and API tokens, as a browser or API client sees them."""

from __future__ import annotations

from datetime import timedelta

from litestar.testing import AsyncTestClient

from marac.clock import FixedClock
from tests.factories import PASSWORD, World


async def _login(client: AsyncTestClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_login_sets_a_protected_session_cookie_and_me_answers(
    client: AsyncTestClient, world: World
) -> None:
    response = await _login(client, "coordinator@north.example")
    assert response.status_code == 200
    cookie_header = response.headers["set-cookie"].lower()
    assert "httponly" in cookie_header
    assert "samesite=lax" in cookie_header
    me = await client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["user"]["email"] == "coordinator@north.example"
    assert me.json()["user"]["roles"] == [{"area_id": str(world.area.id), "role": "coordinator"}]


async def test_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: AsyncTestClient, world: World
) -> None:
    wrong = await _login(client, "coordinator@north.example", "not the password")
    unknown = await _login(client, "nobody@north.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "Email or password is incorrect"
    assert wrong.headers["content-type"].startswith("application/problem+json")


async def test_five_failures_lock_the_account_until_the_lockout_passes(
    client: AsyncTestClient, world: World, clock: FixedClock
) -> None:
    for _ in range(5):
        assert (await _login(client, "chair@north.example", "wrong password!")).status_code == 401
    locked = await _login(client, "chair@north.example")
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    clock.advance(minutes=16)
    assert (await _login(client, "chair@north.example")).status_code == 200


async def test_session_expires_after_idle_timeout(
    client: AsyncTestClient, world: World, clock: FixedClock
) -> None:
    await _login(client, "chair@north.example")
    clock.advance(minutes=29)
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    clock.advance(minutes=29)  # activity above renewed the idle timer
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    clock.advance(minutes=31)
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_logout_ends_the_session(client: AsyncTestClient, world: World) -> None:
    csrf = (await _login(client, "chair@north.example")).json()["csrf_token"]
    assert (await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})).status_code == 204
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_cookie_authenticated_changes_need_the_csrf_token(
    client: AsyncTestClient, world: World
) -> None:
    csrf = (await _login(client, "coordinator@north.example")).json()["csrf_token"]
    body = {"name": "Northgate Housing", "kind": "housing"}
    url = f"/api/v1/areas/{world.area.id}/agencies"
    refused = await client.post(url, json=body)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    wrong = await client.post(url, json=body, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    accepted = await client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201


async def test_bearer_tokens_work_without_csrf_and_stop_when_revoked(
    client: AsyncTestClient, world: World
) -> None:
    headers = world.auth("coordinator")
    created = await client.post("/api/v1/tokens", json={"name": "reporting script"}, headers=headers)
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("marac_")
    assert secret not in str((await client.get("/api/v1/tokens", headers=headers)).json())
    new_headers = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/v1/auth/me", headers=new_headers)).status_code == 200
    token_id = created.json()["token"]["id"]
    assert (await client.delete(f"/api/v1/tokens/{token_id}", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=new_headers)).status_code == 401


async def test_someone_elses_token_cannot_be_revoked(client: AsyncTestClient, world: World) -> None:
    created = await client.post("/api/v1/tokens", json={"name": "mine"}, headers=world.auth("chair"))
    token_id = created.json()["token"]["id"]
    response = await client.delete(f"/api/v1/tokens/{token_id}", headers=world.auth("coordinator"))
    assert response.status_code == 404


async def test_expired_token_is_refused(client: AsyncTestClient, world: World, clock: FixedClock) -> None:
    expires = (clock.now() + timedelta(days=1)).isoformat()
    created = await client.post(
        "/api/v1/tokens", json={"name": "short", "expires_at": expires}, headers=world.auth("chair")
    )
    headers = {"Authorization": f"Bearer {created.json()['secret']}"}
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    clock.advance(days=2)
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_deactivated_user_loses_access(client: AsyncTestClient, world: World) -> None:
    user = world.users["referrer"]
    response = await client.patch(
        f"/api/v1/users/{user.id}",
        json={"version": user.version, "active": False},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=world.auth("referrer"))).status_code == 401
    assert (await _login(client, "referrer@north.example")).status_code == 401
