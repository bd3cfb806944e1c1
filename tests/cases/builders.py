"""Request bodies and small API helpers for the referral tests (fictional people only)."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.factories import World

VICTIM = {"forename": "Testina", "surname": "Fictionalova", "birth_date": "1990-04-12"}
PERPETRATOR = {"forename": "Madeup", "surname": "Placeholderson", "birth_date": "1987-09-30"}


def dash_answers(yes: int, *, dont_know: int = 0) -> dict[str, str]:
    """A DASH-style checklist with ``yes`` yeses, then ``dont_know`` don't-knows, the rest no."""
    answers = {}
    for n in range(1, 25):
        answers[f"q{n}"] = "yes" if n <= yes else "dont_know" if n <= yes + dont_know else "no"
    return answers


def referral_body(
    *,
    yes: int = 14,
    victim: dict[str, Any] | None = None,
    perpetrators: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "victim": victim or dict(VICTIM),
        "perpetrators": [dict(PERPETRATOR)] if perpetrators is None else perpetrators,
        "instrument_id": "dash",
        "answers": dash_answers(yes),
        "victim_aware": True,
        "consent": True,
    }
    body.update(extra)
    return body


async def submit(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    body: dict[str, Any] | None = None,
    *,
    key: str = "referrer",
    area_id: Any = None,
) -> dict[str, Any]:
    """Submit over the API and return the referral (asserting it was accepted for recording)."""
    response = await client.post(
        f"/api/v1/areas/{area_id or world.area.id}/referrals",
        json=body if body is not None else referral_body(),
        headers=world.auth(key),
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def decide(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    referral: dict[str, Any],
    action: str,
    *,
    key: str = "coordinator",
    **fields: Any,
) -> dict[str, Any]:
    """accept / return / withdraw / heard, with the referral's current version."""
    response = await client.post(
        f"/api/v1/referrals/{referral['id']}/{action}",
        json={"version": referral["version"], **fields},
        headers=world.auth(key),
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
