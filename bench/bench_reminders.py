"""Benchmark: the action reminder sweep over 1,000,000 actions with 1% due (DESIGN §6: at most 1 s).

Seeds a fresh, migrated database with bulk inserts — 100 areas, 1,000 agencies with their contacts
(one in ten reads a daily digest), 100,000 cases, 1,000,000 actions and their reminder rows (about
2.4 million: sent, cancelled and future ones) of which 10,000 are due — then times the sweep that finds
the due rows, works out recipients (owners, agency contacts, chairs, must-not-receive lists, digests),
queues the emails in the outbox and marks the rows sent, in batches of one transaction each.

Runs on a SQLite temp file, and on PostgreSQL too when ``MARAC_TEST_DATABASE_URL`` is set (a database
``marac_bench_reminders`` is created there and dropped afterwards).

    .venv/bin/python bench/bench_reminders.py [--actions 1000000] [--repeat 3]

The first sweep is reported on its own (cold: templates compile, caches fill), then the median of the
repeats (the same due rows made due again).  Exits 1 when the median misses the target.  Beside the
figures: the machine's load average and the median as a multiple of a fixed pure-Python baseline
(ids, hashes, strings — what a sweep does per message), to compare runs on different or busy machines,
and as a multiple of the same outbox rows and reminder updates written by SQL alone
(:mod:`bench.reminder_floor`): the database's share, which no sweep of this design can go below.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any

os.environ.setdefault("MARAC_SECRET_KEY", "bench")
os.environ.setdefault("MARAC_DATA_KEY", "bench")
os.environ.setdefault("MARAC_INDEX_KEY", "bench")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from sqlalchemy import event, func, insert, make_url, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

import marac.models  # noqa: F401  (every table)
from bench.reminder_floor import sql_floor
from marac.access.models import Agency, Area, Membership, Role, User
from marac.actions.decisions import due as due_now
from marac.actions.models import ActionReminder
from marac.actions.sweep import BATCH, parallel_batches, sweep_all
from marac.agenda.models import Conference, ConferenceSeries, ConferenceStatus
from marac.cases.models import Case, ExcludedRecipient, Person
from marac.clock import FixedClock
from marac.db import create_engine, upgrade_async
from marac.notify.models import Notification
from marac.runtime import Runtime
from marac.settings import get_settings

TARGET_SECONDS = 1.0
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # 08:00 in London: the reminder hour
AREAS = 100
AGENCIES_PER_AREA = 10
CONFERENCES_PER_AREA = 12
ACTIONS_PER_CASE = 10
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
DUE_KINDS = (("before-7", 7), ("due", 0), ("overdue-1", -1), ("escalation", -14))

ACTION_COLUMNS = (
    "id", "area_id", "case_id", "conference_id", "reference", "description_enc", "owner_agency_id",
    "owner_user_id", "deadline", "status", "deadline_version", "created_at", "updated_at", "closed_on",
    "closed_at", "version",
)  # fmt: skip
REMINDER_COLUMNS = (
    "id", "action_id", "kind", "deadline_version", "scheduled_at", "sent_at", "cancelled_at", "outcome",
)  # fmt: skip


def uid(table: int, n: int) -> uuid.UUID:
    """Ordered ids per table: bulk inserts append to the primary-key index instead of scattering."""
    return uuid.UUID(int=(table << 100) | n)


class Ids:
    area, agency, user, series, conference, person, case, action, reminder, chair = range(1, 11)


# --- the shared tables (through SQLAlchemy, so their defaults apply) -------------------------------------


async def _insert(
    engine: AsyncEngine, table: Any, rows: Sequence[dict[str, Any]], chunk: int = 20_000
) -> None:
    async with engine.begin() as connection:
        for start in range(0, len(rows), chunk):
            await connection.execute(insert(table), list(rows[start : start + chunk]))


async def seed_world(engine: AsyncEngine, cases_per_area: int) -> None:
    await _insert(engine, Area.__table__, [
        {"id": uid(Ids.area, a), "name": f"Area {a}", "slug": f"area-{a}", "timezone": "Europe/London",
         "jurisdiction": "GB-ENG", "settings": {}, "created_at": CREATED}
        for a in range(AREAS)
    ])  # fmt: skip
    agencies, users, members = [], [], []
    for a in range(AREAS):
        chair = uid(Ids.chair, a)
        users.append({"id": chair, "email": f"chair{a}@bench.example", "name": "Chair",
                      "agency_id": None, "digest_mode": False, "created_at": CREATED})  # fmt: skip
        members.append({"user_id": chair, "area_id": uid(Ids.area, a), "role": Role.CHAIR})
        for g in range(AGENCIES_PER_AREA):
            n = a * AGENCIES_PER_AREA + g
            agencies.append({"id": uid(Ids.agency, n), "area_id": uid(Ids.area, a), "name": f"Agency {g}",
                             "kind": "other", "contact_user_id": uid(Ids.user, n),
                             "created_at": CREATED})  # fmt: skip
            users.append({"id": uid(Ids.user, n), "email": f"contact{n}@bench.example", "name": "Contact",
                          "agency_id": uid(Ids.agency, n), "digest_mode": g == 0,
                          "created_at": CREATED})  # fmt: skip
    await _insert(engine, Agency.__table__, agencies)
    await _insert(engine, User.__table__, users)
    await _insert(engine, Membership.__table__, members)
    await _insert(engine, ConferenceSeries.__table__, [
        {"id": uid(Ids.series, a), "area_id": uid(Ids.area, a), "name": "MARAC", "kind": "monthly",
         "weekday": 1, "nth": 3, "start_date": date(2026, 1, 1), "start_time": wall(10),
         "duration_minutes": 180, "location": "Room 1", "minutes_per_case": 12, "cutoff_working_days": 8,
         "publication_working_days": 8, "pack_working_days": 2, "created_at": CREATED}
        for a in range(AREAS)
    ])  # fmt: skip
    conferences = []
    for a in range(AREAS):
        for m in range(CONFERENCES_PER_AREA):
            day = date(2026, m % 11 + 1, 17 if m < 11 else 3)
            starts = datetime.combine(day, wall(10), tzinfo=UTC)
            conferences.append({
                "id": uid(Ids.conference, a * CONFERENCES_PER_AREA + m), "area_id": uid(Ids.area, a),
                "series_id": uid(Ids.series, a), "occurrence_date": day, "local_date": day,
                "starts_at": starts, "ends_at": starts + timedelta(hours=3), "status": ConferenceStatus.HELD,
                "cut_off": starts, "publish_at": starts, "packs_at": starts, "capacity": 15,
                "minutes_per_case": 12, "location": "Room 1", "ical_uid": f"c{a}-{m}@bench.example",
                "chair_user_id": uid(Ids.chair, a) if m % 2 else None, "created_at": CREATED,
            })  # fmt: skip
    await _insert(engine, Conference.__table__, conferences)
    total = AREAS * cases_per_area
    await _insert(engine, Person.__table__, [
        {"id": uid(Ids.person, n), "area_id": uid(Ids.area, n % AREAS), "forename_enc": "x",
         "surname_enc": "y", "created_at": CREATED}
        for n in range(total)
    ])  # fmt: skip
    await _insert(engine, Case.__table__, [
        {"id": uid(Ids.case, n), "area_id": uid(Ids.area, n % AREAS), "reference": f"MC-{n // AREAS + 1:04d}",
         "victim_id": uid(Ids.person, n), "created_at": CREATED}
        for n in range(total)
    ])  # fmt: skip


# --- the actions (generated as tuples: this is the bulk) --------------------------------------------------


def is_due(n: int) -> bool:
    """One action in a hundred, spread over areas and agencies."""
    return n % AREAS == (n // AREAS) % 100


class Values:
    """Column values as each backend takes them in bulk: SQLite gets what SQLAlchemy would have
    stored (hex ids, naive UTC text, ISO dates); PostgreSQL's COPY gets dates and aware datetimes.
    Ids are hex on both (asyncpg reads them as UUIDs)."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        self._days: dict[date, Any] = {}
        self._moments: dict[datetime, Any] = {}

    @staticmethod
    def id(table: int, n: int) -> str:
        return f"{(table << 100) | n:032x}"

    def day(self, value: date) -> Any:
        found = self._days.get(value)
        if found is None:
            found = self._days[value] = value.isoformat() if self.sqlite else value
        return found

    def moment(self, value: datetime) -> Any:
        found = self._moments.get(value)
        if found is None:
            text = value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
            found = self._moments[value] = text if self.sqlite else value
        return found


def _action(n: int, cases_per_area: int, v: Values, actions: list[Any], reminders: list[Any]) -> None:
    """One action and its reminder rows (sent, cancelled, future, or — for one in a hundred — due)."""
    a, k = n % AREAS, n // AREAS
    agency = a * AGENCIES_PER_AREA + k % AGENCIES_PER_AREA
    action_id = v.id(Ids.action, n)
    r = n * 3

    def reminder(index: int, kind: str, at: datetime, outcome: str | None = None) -> None:
        moment = v.moment(at)
        reminders.append((v.id(Ids.reminder, r + index), action_id, kind, 1, moment,
                          moment if outcome == "sent" else None, moment if outcome == "cancelled" else None,
                          outcome))  # fmt: skip

    closed = n % 10 < 3 and not is_due(n)
    if is_due(n):
        kind, days = DUE_KINDS[(n // 100) % len(DUE_KINDS)]
        deadline = NOW.date() + timedelta(days=days)
        reminder(0, "before-14", NOW - timedelta(days=14 - max(days, 0)), "sent")
        reminder(1, kind, NOW - timedelta(minutes=n % 600))
        reminder(2, "escalation" if kind != "escalation" else "overdue-15", NOW + timedelta(days=30))
    elif closed:
        deadline = date(2026, 10, 1) + timedelta(days=n % 60)
        reminder(0, "due", datetime.combine(deadline, wall(8), tzinfo=UTC), "cancelled")
    else:
        deadline = date(2027, 1, 1) + timedelta(days=n % 300)
        at = datetime.combine(deadline, wall(8), tzinfo=UTC)
        reminder(0, "before-7", at - timedelta(days=7))
        reminder(1, "due", at)
        reminder(2, "escalation", at + timedelta(days=14))
    created = v.moment(CREATED)
    actions.append((
        action_id, v.id(Ids.area, a), v.id(Ids.case, (k % cases_per_area) * AREAS + a),
        v.id(Ids.conference, a * CONFERENCES_PER_AREA + k % CONFERENCES_PER_AREA), f"A-{k + 1:05d}",
        "sealed-description", v.id(Ids.agency, agency), v.id(Ids.user, agency), v.day(deadline),
        "completed" if closed else "open", 1, created, created, v.day(deadline) if closed else None,
        created if closed else None, 1,
    ))  # fmt: skip


def batches(
    total: int, cases_per_area: int, *, sqlite: bool, size: int = 100_000
) -> Iterator[tuple[list[Any], list[Any]]]:
    values = Values(sqlite)
    for start in range(0, total, size):
        actions: list[Any] = []
        reminders: list[Any] = []
        for n in range(start, min(total, start + size)):
            _action(n, cases_per_area, values, actions, reminders)
        yield actions, reminders


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    # Table and column names are this module's constants, never input.
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608


def seed_actions_sqlite(path: str, total: int, cases_per_area: int) -> None:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-500000")  # 500 MB: the indexes fit while they are built
    insert_action = _insert_sql("marac_action", ACTION_COLUMNS)
    insert_reminder = _insert_sql("action_reminder", REMINDER_COLUMNS)
    with connection:
        for actions, reminders in batches(total, cases_per_area, sqlite=True):
            connection.executemany(insert_action, actions)
            connection.executemany(insert_reminder, reminders)
    connection.execute("ANALYZE")
    connection.close()


async def seed_actions_postgresql(dsn: str, total: int, cases_per_area: int) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        for actions, reminders in batches(total, cases_per_area, sqlite=False):
            await connection.copy_records_to_table("marac_action", records=actions, columns=ACTION_COLUMNS)
            await connection.copy_records_to_table(
                "action_reminder", records=reminders, columns=REMINDER_COLUMNS
            )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def seed_exclusions(engine: AsyncEngine, total: int, cases_per_area: int) -> None:
    """Must-not-receive entries on a hundred cases with due reminders (their contacts are passed over)."""
    rows = {}
    due = [n for n in range(total) if is_due(n)]
    for n in due[:: max(1, len(due) // 100)]:
        a, k = n % AREAS, n // AREAS
        case = uid(Ids.case, (k % cases_per_area) * AREAS + a)
        user = uid(Ids.user, a * AGENCIES_PER_AREA + k % AGENCIES_PER_AREA)
        rows[(case, user)] = {"case_id": case, "user_id": user, "added_at": CREATED}
    await _insert(engine, ExcludedRecipient.__table__, list(rows.values()))


# --- the measurement ------------------------------------------------------------------------------------


async def make_due_again(engine: AsyncEngine) -> None:
    """Undo one sweep: its rows due again, its emails and the chained overdue rows gone."""
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM notification"))
        await connection.execute(text("DELETE FROM action_reminder WHERE kind = 'overdue-8'"))
        await connection.execute(
            update(ActionReminder)
            .where(ActionReminder.scheduled_at <= NOW, ActionReminder.scheduled_at > NOW - timedelta(days=1))
            .values(sent_at=None, cancelled_at=None, outcome=None, notification_key=None)
        )


class StatementClock:
    """Seconds spent in database statements, by table and verb, to show where a sweep's time goes:
    the rest of its wall-clock time is Python work and commits."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.seconds: Counter[str] = Counter()
        self._began: list[float] = []
        self._target = engine.sync_engine
        event.listen(self._target, "before_cursor_execute", self._before)
        event.listen(self._target, "after_cursor_execute", self._after)

    def stop(self) -> None:
        event.remove(self._target, "before_cursor_execute", self._before)
        event.remove(self._target, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._began.append(time.perf_counter())

    def _after(self, _connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split(None, 3)
        what = " ".join(words[:3] if words[0] == "INSERT" else words[:1])
        if words[0] == "UPDATE":
            what = f"UPDATE {words[1]}"
        self.seconds[what] += time.perf_counter() - self._began.pop()

    def summary(self, parallel: bool) -> str:
        parts = [f"{name} {seconds:.3f}" for name, seconds in self.seconds.most_common(4)]
        overlap = "; two batches at once, so these overlap" if parallel else ""
        return f"statements {sum(self.seconds.values()):.3f} s ({', '.join(parts)}{overlap})"


def baseline() -> float:
    """Seconds for a fixed pure-Python workload, best of three (see the module docstring)."""
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        for n in range(20_000):
            key = f"reminder:{uuid.uuid4()}:due:{n}"
            digest = hashlib.sha256(key.encode()).hexdigest()
            _ = {"key": key, "message_id": f"<{digest[:40]}@bench.example>", "subject": key.upper()}
        best = min(best, time.perf_counter() - began)
    return best


async def measure(url: str, label: str, repeat: int, batch: int) -> tuple[float, float]:
    runtime = Runtime.build(get_settings(), engine=create_engine(url), clock=FixedClock(NOW))
    try:
        async with runtime.sessions() as session:
            due = await session.scalar(select(func.count()).select_from(ActionReminder).where(*due_now(NOW)))
            total = await session.scalar(text("SELECT count(*) FROM marac_action"))
            rows = await session.scalar(select(func.count()).select_from(ActionReminder))
        times, cpu, spent = [], [], []
        parallel = parallel_batches(runtime.engine.dialect.name)
        for attempt in range(repeat + 1):
            if attempt:
                await make_due_again(runtime.engine)
            clock = StatementClock(runtime.engine)
            began, began_cpu = time.perf_counter(), time.process_time()
            report = await sweep_all(
                runtime.transaction, NOW, runtime.settings, limit=batch, parallel=parallel
            )
            times.append(time.perf_counter() - began)
            clock.stop()
            spent.append(clock.summary(parallel))
            cpu.append(time.process_time() - began_cpu)
            async with runtime.sessions() as session:
                queued = await session.scalar(select(func.count()).select_from(Notification))
            if attempt == 0:
                print(f"[{label}] {total or 0:,} actions, {rows or 0:,} reminder rows, {due or 0:,} due")
                print(
                    f"[{label}] sweep handled {report.claimed:,} rows: {report.sent:,} emailed, "
                    f"{report.in_digest:,} in {(queued or 0) - report.sent:,} digests, "
                    f"{report.no_recipient:,} with nobody allowed to receive them; {queued:,} emails queued"
                )
        first, median = times[0], statistics.median(times[1:]) if repeat else times[0]
        rate = (due or 0) / median if median else 0.0
        print(
            f"[{label}] first sweep {first:.3f} s; median of {repeat} more {median:.3f} s "
            f"({rate:,.0f} reminders/s; this process's CPU {statistics.median(cpu[1:] or cpu):.3f} s)"
        )
        middle = min(range(len(times)), key=lambda n: (n == 0 and repeat > 0, abs(times[n] - median)))
        print(f"[{label}] in the median sweep: {spent[middle]}")
        async with runtime.sessions() as session:
            text_length, html_length = (
                await session.execute(
                    select(func.avg(func.length(Notification.text_body)),
                           func.avg(func.length(Notification.html_body)))
                )
            ).one()  # fmt: skip
        floors = []
        for _ in range(max(repeat, 1)):
            await make_due_again(runtime.engine)
            floors.append(await sql_floor(runtime.engine, NOW, batch, (int(text_length), int(html_length))))
        floor = statistics.median(floors)
        async with runtime.sessions() as session:
            written = await session.scalar(select(func.count()).select_from(Notification))
        print(
            f"[{label}] the same work by SQL alone ({written:,} outbox rows, {due or 0:,} reminders marked; "
            f"bench/reminder_floor.py): median {floor:.3f} s; the sweep takes {median / floor:.2f} times that"
        )
        unit = baseline()
        print(
            f"[{label}] median = {median / unit:.1f} times the baseline of {unit * 1000:.0f} ms; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        return first, median
    finally:
        await runtime.engine.dispose()


async def run_sqlite(total: int, repeat: int, batch: int) -> float:
    cases_per_area = max(1, total // AREAS // ACTIONS_PER_CASE)
    with tempfile.TemporaryDirectory(prefix="marac-bench-reminders-") as folder:
        path = f"{folder}/bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        began = time.perf_counter()
        await upgrade_async(url)
        engine = create_engine(url)
        await seed_world(engine, cases_per_area)
        await engine.dispose()
        await asyncio.to_thread(seed_actions_sqlite, path, total, cases_per_area)
        engine = create_engine(url)
        await seed_exclusions(engine, total, cases_per_area)
        await engine.dispose()
        print(f"[sqlite] seeded in {time.perf_counter() - began:.1f} s")
        _, median = await measure(url, "sqlite", repeat, batch)
        return median


async def run_postgresql(base: str, total: int, repeat: int, batch: int) -> float:
    cases_per_area = max(1, total // AREAS // ACTIONS_PER_CASE)
    server = make_url(base).set(drivername="postgresql")
    admin = await asyncpg.connect(server.render_as_string(hide_password=False))
    name = "marac_bench_reminders"
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = (
            make_url(base)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )
        dsn = server.set(database=name).render_as_string(hide_password=False)
        began = time.perf_counter()
        await upgrade_async(url)
        engine = create_engine(url)
        await seed_world(engine, cases_per_area)
        await engine.dispose()
        await seed_actions_postgresql(dsn, total, cases_per_area)
        engine = create_engine(url)
        await seed_exclusions(engine, total, cases_per_area)
        await engine.dispose()
        print(f"[postgresql] seeded in {time.perf_counter() - began:.1f} s")
        _, median = await measure(url, "postgresql", repeat, batch)
        return median
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--batch", type=int, default=BATCH, help="reminder rows per transaction")
    args = parser.parse_args()
    results: dict[str, float] = {}
    if args.backend in ("sqlite", "both"):
        results["sqlite"] = await run_sqlite(args.actions, args.repeat, args.batch)
    pg = os.environ.get("MARAC_TEST_DATABASE_URL")
    if pg and args.backend in ("postgresql", "both"):
        results["postgresql"] = await run_postgresql(pg, args.actions, args.repeat, args.batch)
    missed = [name for name, seconds in results.items() if seconds > TARGET_SECONDS]
    for name, seconds in results.items():
        verdict = "ok" if seconds <= TARGET_SECONDS else "MISSED"
        print(f"reminder sweep, {name}: {seconds:.3f} s (target ≤ {TARGET_SECONDS:.1f} s) {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
