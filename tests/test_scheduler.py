"""Periodic sweeps are idempotent domain calls driven by the clock."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from marac.clock import FixedClock
from marac.runtime import Runtime
from marac.scheduler import all_jobs, build_scheduler, purge_sessions
from tests.factories import PASSWORD, World


async def test_expired_sessions_are_purged_and_a_second_run_does_nothing(
    client: AsyncTestClient, world: World, runtime: Runtime, clock: FixedClock
) -> None:
    await client.post("/api/v1/auth/login", json={"email": "chair@north.example", "password": PASSWORD})
    assert await purge_sessions(runtime) == 0
    clock.advance(minutes=31)
    assert await purge_sessions(runtime) == 1
    assert await purge_sessions(runtime) == 0
    assert (await client.get("/api/v1/auth/me")).status_code == 401


def test_every_job_has_a_fixed_unique_id(runtime: Runtime) -> None:
    scheduler = build_scheduler(runtime)
    ids = [job.id for job in scheduler.get_jobs()]
    assert "purge-sessions" in ids
    assert len(ids) == len(set(ids)) == len(all_jobs())
