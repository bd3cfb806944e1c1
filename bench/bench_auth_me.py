"""Authenticated ``GET /api/v1/auth/me`` against ``GET /health`` on the same running service.

Both are driven by 16 concurrent clients over loopback in one run, so the ratio says what resolving a
bearer token, loading the user and answering costs compared with the bare framework.  It also reports
how long ``marac serve`` took to answer its first request (target ≤ 2 s).

    .venv/bin/python bench/bench_auth_me.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.http_load import load, running_service
from marac.access import schemas, services
from marac.access.auth import create_token
from marac.access.guards import Actor
from marac.access.models import AgencyKind, Role
from marac.db import create_engine, upgrade_async
from marac.runtime import Runtime
from marac.settings import get_settings


async def seed(url: str) -> str:
    await upgrade_async(url)
    runtime = Runtime.build(get_settings(), engine=create_engine(url))
    system = Actor.system("bench")
    async with runtime.transaction() as session:
        area = await services.create_area(
            session,
            runtime.clock,
            system,
            schemas.AreaCreate(name="Bench", slug="bench", timezone="Europe/London", jurisdiction="GB-ENG"),
        )
        agency = await services.create_agency(
            session,
            runtime.clock,
            system,
            area.id,
            schemas.AgencyCreate(name="Police", kind=AgencyKind.POLICE),
        )
        user = await services.create_user(
            session,
            runtime.clock,
            system,
            area.id,
            schemas.UserCreate(
                email="coordinator@bench.example", name="Bench", agency_id=agency.id, roles=[Role.COORDINATOR]
            ),
        )
        _, secret = await create_token(
            session, runtime.clock, Actor(user_id=user.id, label=user.email), "bench", None
        )
    await runtime.engine.dispose()
    return secret


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        secret = asyncio.run(seed(url))
        with running_service(url, Path(folder)) as (base, ready_seconds):
            health = load(base, "/health")
            me = load(base, "/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    print(f"marac serve answered after {ready_seconds:.2f} s (target ≤ 2 s)")
    print(health.line())
    print(me.line())
    print(f"/auth/me throughput = {me.per_second / health.per_second:.0%} of /health")


if __name__ == "__main__":
    main()
