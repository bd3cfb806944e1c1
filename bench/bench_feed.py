"""Benchmark: one user's calendar feed, database included (DESIGN §6: at most 50 ms).

Seeds a fresh, migrated database with an area, a fortnightly series the user represents their agency
at — two years of conferences (one behind, one ahead) — and 1,000 open actions the agency owns, spread
over those two years.  Then times, as medians of repeated fetches:

* the whole HTTP request ``GET /feeds/{token}.ics`` through the application (token lookup, the
  conference and deadline queries, must-not-receive filter, ETag, serialising, the audit entry, the
  commit) — the figure held against the target;
* the same request revalidated with ``If-None-Match`` (304, nothing serialised).

Runs on a SQLite temp file, and on PostgreSQL too when ``MARAC_TEST_DATABASE_URL`` is set (a database
``marac_bench_feed`` is created there and dropped afterwards).

    .venv/bin/python bench/bench_feed.py [--rounds 30]

Exits 1 when a backend's full request misses the target.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("MARAC_SECRET_KEY", "bench")
os.environ.setdefault("MARAC_DATA_KEY", "bench")
os.environ.setdefault("MARAC_INDEX_KEY", "bench")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
import httpx
import icalendar
from sqlalchemy import insert, make_url

import marac.models  # noqa: F401  (every table)
from marac.access.auth import actor_for
from marac.access.models import Agency, AgencyKind, Area, Membership, Role, User
from marac.actions.models import Action
from marac.agenda.models import Conference, ConferenceSeries, SeriesRepresentative
from marac.app import create_app
from marac.cases.models import Case, Person
from marac.clock import FixedClock
from marac.db import create_engine, upgrade_async
from marac.notify.controllers import PUBLIC_ROUTE_HANDLERS
from marac.notify.feeds import issue_feed_token
from marac.runtime import Runtime
from marac.settings import get_settings

TARGET_MS = 50.0
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ACTIONS = 1000
CASES = 100


async def seed(runtime: Runtime) -> str:
    """The data of one representative's feed; returns the feed's path."""
    area_id, agency_id, user_id, series_id = (uuid.uuid4() for _ in range(4))
    async with runtime.transaction() as session:
        await session.execute(
            insert(Area).values(
                id=area_id, name="North Shire", slug="north-shire", timezone="Europe/London",
                jurisdiction="GB-ENG", settings={}, created_at=NOW, version=1,
            )
        )  # fmt: skip
        await session.execute(
            insert(Agency).values(
                id=agency_id, area_id=area_id, name="North Police", kind=AgencyKind.POLICE, active=True,
                created_at=NOW, version=1,
            )
        )  # fmt: skip
        await session.execute(
            insert(User).values(
                id=user_id, email="police.rep@north.example", name="Pat Police", agency_id=agency_id,
                active=True, is_system_admin=False, failed_logins=0, digest_mode=False, created_at=NOW,
                version=1,
            )
        )  # fmt: skip
        await session.execute(
            insert(Membership).values(user_id=user_id, area_id=area_id, role=Role.REPRESENTATIVE)
        )
        await session.execute(
            insert(ConferenceSeries).values(
                id=series_id, area_id=area_id, name="North Shire MARAC", kind="every_n_weeks",
                interval_weeks=2, start_date=date(2025, 11, 25), start_time=datetime(2025, 1, 1, 10).time(),
                duration_minutes=180,
                holiday_policy="move", location="Committee Room 2, Civic Centre, Northtown",
                online_link="https://meet.example/j/4815162342", minutes_per_case=12, cutoff_working_days=8,
                publication_working_days=8, pack_working_days=2, active=True, created_at=NOW, version=1,
            )
        )  # fmt: skip
        await session.execute(insert(SeriesRepresentative).values(series_id=series_id, user_id=user_id))
        conferences = []
        for n in range(52):
            starts = datetime(2025, 11, 25, 10, 0, tzinfo=UTC) + timedelta(weeks=2 * n)
            conference_id = uuid.uuid4()
            conferences.append(conference_id)
            await session.execute(
                insert(Conference).values(
                    id=conference_id, area_id=area_id, series_id=series_id, occurrence_date=starts.date(),
                    local_date=starts.date(), starts_at=starts, ends_at=starts + timedelta(hours=3),
                    status="scheduled", extraordinary=False, rescheduled=False, cut_off=starts,
                    publish_at=starts, packs_at=starts, capacity=15, minutes_per_case=12,
                    location="Committee Room 2",
                    ical_uid=f"conference-{conference_id}@marac.example", sequence=n % 3, agenda_version=0,
                    created_at=NOW, version=1,
                )
            )  # fmt: skip
        cases = []
        for n in range(CASES):
            person_id, case_id = uuid.uuid4(), uuid.uuid4()
            cases.append(case_id)
            await session.execute(
                insert(Person).values(
                    id=person_id, area_id=area_id, forename_enc="x", surname_enc="x", created_at=NOW
                )
            )
            await session.execute(
                insert(Case).values(
                    id=case_id, area_id=area_id, reference=f"MC-{n:04d}", victim_id=person_id,
                    children_in_household=0, created_at=NOW, version=1,
                )
            )  # fmt: skip
        await session.execute(
            insert(Action),
            [
                {
                    "id": uuid.uuid4(), "area_id": area_id, "case_id": cases[n % CASES],
                    "conference_id": conferences[n % 52], "reference": f"A-{n:04d}", "description_enc": "x",
                    "owner_agency_id": agency_id, "status": "open", "deadline_version": 1,
                    "deadline": date(2025, 12, 1) + timedelta(days=n * 700 // ACTIONS),
                    "created_at": NOW, "updated_at": NOW, "version": 1,
                }
                for n in range(ACTIONS)
            ],
        )  # fmt: skip
        user = await session.get(User, user_id)
        assert user is not None
        link = await issue_feed_token(session, runtime.clock, actor_for(user), runtime.settings)
    return "/" + link.url.split("/", 3)[3]


async def run(url: str, rounds: int) -> float:
    await upgrade_async(url)
    engine = create_engine(url)
    runtime = Runtime.build(get_settings(), engine=engine, clock=FixedClock(NOW))
    try:
        path = await seed(runtime)
        app = create_app(runtime, extra_handlers=PUBLIC_ROUTE_HANDLERS)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://marac.test") as client:
            first = await client.get(path)
            assert first.status_code == 200, first.text
            events = icalendar.Calendar.from_ical(first.content).walk("VEVENT")
            full, fresh = [], []
            for _ in range(rounds):
                began = time.perf_counter()
                response = await client.get(path)
                full.append(time.perf_counter() - began)
                assert response.status_code == 200
                began = time.perf_counter()
                response = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
                fresh.append(time.perf_counter() - began)
                assert response.status_code == 304
    finally:
        await engine.dispose()
    median, revalidated = statistics.median(full) * 1000, statistics.median(fresh) * 1000
    print(
        f"{make_url(url).get_backend_name()}: feed of {len(events)} events "
        f"({len(first.content) // 1024} KiB): "
        f"full request median {median:.1f} ms, p90 {statistics.quantiles(full, n=10)[-1] * 1000:.1f} ms "
        f"(target <= {TARGET_MS:.0f}); 304 revalidation {revalidated:.1f} ms"
    )
    return median


async def postgres(base: str, rounds: int) -> float:
    parsed = make_url(base).set(drivername="postgresql+asyncpg")
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute('DROP DATABASE IF EXISTS "marac_bench_feed" WITH (FORCE)')
        await connection.execute('CREATE DATABASE "marac_bench_feed"')
        try:
            return await run(
                parsed.set(database="marac_bench_feed").render_as_string(hide_password=False), rounds
            )
        finally:
            await connection.execute('DROP DATABASE IF EXISTS "marac_bench_feed" WITH (FORCE)')
    finally:
        await connection.close()


def main() -> int:
    for noisy in ("httpx", "alembic", "marac"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    medians = []
    with tempfile.TemporaryDirectory() as folder:
        medians.append(asyncio.run(run(f"sqlite+aiosqlite:///{folder}/bench.db", args.rounds)))
    pg = os.environ.get("MARAC_TEST_DATABASE_URL")
    if pg:
        medians.append(asyncio.run(postgres(pg, args.rounds)))
    return 0 if max(medians) <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
