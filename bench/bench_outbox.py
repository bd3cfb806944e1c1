"""Benchmark: outbox delivery to a local SMTP server, database included (DESIGN §6: ≥ 200 messages/s).

Queues invitation emails (text, HTML and a calendar, as the invitation sweep queues them) in a fresh,
migrated database, then times the delivery sweep — claim in batches, build each message, send over one
SMTP connection to a local aiosmtpd server, record the results — until every message has arrived.

Runs on a SQLite temp file, and on PostgreSQL too when ``MARAC_TEST_DATABASE_URL`` is set (a database
``marac_bench_outbox`` is created there and dropped afterwards).

    .venv/bin/python bench/bench_outbox.py [--messages 2000]

Exits 1 when a backend misses the target.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("MARAC_SECRET_KEY", "bench")
os.environ.setdefault("MARAC_DATA_KEY", "bench")
os.environ.setdefault("MARAC_INDEX_KEY", "bench")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from aiosmtpd.controller import Controller
from sqlalchemy import func, insert, make_url, select

import marac.models  # noqa: F401  (every table)
from marac.access.models import Area, User
from marac.clock import FixedClock
from marac.db import create_engine, upgrade_async
from marac.notify.delivery import DeliveryPolicy, deliver_due
from marac.notify.ical import Attendee, ConferenceEvent, invitation
from marac.notify.models import DeliveryStatus, Notification
from marac.notify.outbox import Draft, enqueue_many
from marac.notify.transports import SmtpTransport
from marac.runtime import Runtime
from marac.settings import get_settings

TARGET = 200.0
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RECIPIENTS = 200


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def drafts(area_id: uuid.UUID, users: list[tuple[uuid.UUID, str]], count: int) -> list[Draft]:
    found: list[Draft] = []
    for n in range(count):
        user_id, email = users[n % len(users)]
        start = NOW + timedelta(days=30 + n // len(users))
        event = ConferenceEvent(
            uid=f"conference-{n // len(users)}@marac.example",
            sequence=0,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            timezone="Europe/London",
            summary="North Shire MARAC",
            location="Committee Room 2, Civic Centre, Northtown",
            description="Agenda, research status and papers: https://marac.example/conferences/1",
            organizer_email="marac.coordinator@north.example",
            organizer_name="MARAC coordinator, North Shire",
            dtstamp=NOW,
            attendees=(Attendee(email=email, name=f"Representative {n}"),),
        )
        found.append(
            Draft(
                key=f"bench:{n}",
                kind="invitation",
                to=email,
                subject="Invitation: North Shire MARAC, Tue 12 Jan 2027",
                text="You are invited to the North Shire MARAC.\n" * 8,
                html="<p>You are invited to the North Shire MARAC.</p>" * 8,
                marking="OFFICIAL-SENSITIVE",
                reply_to="marac.coordinator@north.example",
                recipient_user_id=user_id,
                area_id=area_id,
                calendar=invitation(event, "REQUEST"),
                calendar_method="REQUEST",
                due_at=NOW - timedelta(seconds=count - n),
            )
        )
    return found


async def seed(runtime: Runtime, count: int) -> float:
    """An area, its recipients and ``count`` queued messages; returns the seconds queueing took."""
    area_id = uuid.uuid4()
    async with runtime.transaction() as session:
        await session.execute(
            insert(Area).values(
                id=area_id, name="North Shire", slug="north-shire", timezone="Europe/London",
                jurisdiction="GB-ENG", settings={}, created_at=NOW, version=1,
            )
        )  # fmt: skip
        users = [(uuid.uuid4(), f"rep{n}@agency.example") for n in range(RECIPIENTS)]
        await session.execute(
            insert(User),
            [
                {"id": i, "email": e, "name": e, "created_at": NOW, "active": True, "is_system_admin": False,
                 "failed_logins": 0, "digest_mode": False, "version": 1}
                for i, e in users
            ],
        )  # fmt: skip
    prepared = drafts(area_id, users, count)
    began = time.perf_counter()
    async with runtime.transaction() as session:
        await enqueue_many(session, runtime.clock, runtime.settings, prepared)
    return time.perf_counter() - began


async def run(url: str, count: int) -> float:
    await upgrade_async(url)
    engine = create_engine(url)
    runtime = Runtime.build(get_settings(), engine=engine, clock=FixedClock(NOW))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Counter()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        queueing = await seed(runtime, count)
        transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{port}")
        policy = DeliveryPolicy(batch_size=100, max_batches=10_000)
        began = time.perf_counter()
        report = await deliver_due(
            runtime.sessions, runtime.clock, runtime.settings, transport, policy=policy
        )
        elapsed = time.perf_counter() - began
        await transport.aclose()
        async with runtime.sessions() as session:
            sent = await session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.status == DeliveryStatus.SENT)
            )
    finally:
        server.stop()
        await engine.dispose()
    assert handler.count == count == sent == len(report.sent), (handler.count, count, sent, len(report.sent))
    rate = count / elapsed
    print(
        f"{make_url(url).get_backend_name()}: queued {count} invitations in {queueing * 1000:.0f} ms "
        f"({count / queueing:.0f}/s); delivered in {elapsed:.2f} s = {rate:.0f} messages/s "
        f"(target >= {TARGET:.0f})"
    )
    return rate


async def postgres(base: str, count: int) -> float:
    parsed = make_url(base).set(drivername="postgresql+asyncpg")
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute('DROP DATABASE IF EXISTS "marac_bench_outbox" WITH (FORCE)')
        await connection.execute('CREATE DATABASE "marac_bench_outbox"')
        try:
            url = parsed.set(database="marac_bench_outbox").render_as_string(hide_password=False)
            return await run(url, count)
        finally:
            await connection.execute('DROP DATABASE IF EXISTS "marac_bench_outbox" WITH (FORCE)')
    finally:
        await connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    rates = []
    with tempfile.TemporaryDirectory() as folder:
        rates.append(asyncio.run(run(f"sqlite+aiosqlite:///{folder}/bench.db", args.messages)))
    pg = os.environ.get("MARAC_TEST_DATABASE_URL")
    if pg:
        rates.append(asyncio.run(postgres(pg, args.messages)))
    return 0 if min(rates) >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
