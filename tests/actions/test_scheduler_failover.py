"""Two ``marac scheduler`` processes on PostgreSQL; the active one is killed mid-burst of reminders.

10,000 action reminders fall due (in real time: the scheduler runs on the system clock).  The active
scheduler queues them and starts delivering to a real SMTP server; once part of the burst has
arrived it is killed with SIGKILL, in the middle of handing a message over.  The standby takes the lease
over and finishes the work.

What the design guarantees, and what this test holds it to:

* every reminder is queued exactly once — one outbox row per action, whatever was rolled back by the
  kill and swept again (the outbox key is action + kind + deadline version);
* every reminder reaches the SMTP server once: the server accepts exactly 10,000 messages with 10,000
  distinct Message-IDs.  Each message is recorded as sent as soon as the server has accepted it and
  before the next goes, so the killed process leaves only messages the server never accepted — among
  them the one it was handing over — and the standby sends those once its delivery claim expires.

(The one window this cannot close is a kill in the milliseconds between the server's acceptance and that
record; the message would then go again, byte for byte the same, with the same Message-ID.  The
delivery tests in tests/notify cover it.)
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from marac.access.models import Agency
from marac.actions.models import Action, ActionReminder, ActionStatus
from marac.agenda.models import ConferenceSeries, ConferenceStatus
from marac.cases.models import Case, Person
from marac.notify.models import DeliveryStatus, Notification
from marac.runtime import Runtime
from marac.scheduler_lease import current_lease
from tests.actions.conftest import conference_row
from tests.conftest import PG_URL
from tests.factories import World
from tests.notify.conftest import CollectingHandler, free_port, start_server
from tests.test_scheduler_lease import _until

pytestmark = pytest.mark.skipif(
    PG_URL is None,
    reason="two scheduler processes need a shared PostgreSQL database: set MARAC_TEST_DATABASE_URL",
)

REMINDERS = 10_000
CASES = 10
KILL_AT = 2_550  # the message during which the active scheduler is killed
LEASE_SECONDS = 3
RENEW_SECONDS = 0.5
MAIL_BATCH = 100  # rows one delivery claim takes: the kill strands the rest of its batch
MAIL_LEASE_SECONDS = 5  # how long a dead worker's claim blocks its rows
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


@pytest.fixture
def backend() -> str:
    return "postgresql"


def message_id(data: bytes) -> str:
    found = MESSAGE_ID.search(data.partition(b"\r\n\r\n")[0] or data)
    assert found is not None, data[:400]
    return found.group(1).decode()


async def seed_due_reminders(runtime: Runtime, world: World, now: datetime) -> None:
    """10,000 open actions of one held conference, each with its ``due`` reminder a minute ago."""
    owner = world.users["representative"]
    async with runtime.transaction() as session:
        agency = await session.get(Agency, owner.agency_id)
        assert agency is not None
        series = ConferenceSeries(
            area_id=world.area.id,
            name="North Shire MARAC",
            kind="monthly",
            weekday=1,
            nth=3,
            start_date=date(2026, 1, 1),
            start_time=wall(10),
            duration_minutes=180,
            location="Room 1",
            minutes_per_case=12,
            cutoff_working_days=8,
            publication_working_days=8,
            pack_working_days=2,
            active=False,  # no meetings materialised, so no invitations among the reminders
            created_at=now,
        )
        session.add(series)
        await session.flush()
        held = conference_row(
            world.area.id, series.id, now.date() - timedelta(days=14), ConferenceStatus.HELD
        )
        session.add(held)
        cases = []
        for number in range(1, CASES + 1):
            victim = Person(area_id=world.area.id, forename_enc="x", surname_enc="y", created_at=now)
            session.add(victim)
            await session.flush()
            cases.append(
                Case(area_id=world.area.id, reference=f"MC-{number:04d}", victim_id=victim.id, created_at=now)
            )
        session.add_all(cases)
        await session.flush()
        actions: list[dict[str, Any]] = [
            {
                "id": uuid.uuid4(),
                "area_id": world.area.id,
                "case_id": cases[n % CASES].id,
                "conference_id": held.id,
                "reference": f"A-{n + 1:05d}",
                "description_enc": "sealed",  # never read by reminders
                "owner_agency_id": agency.id,
                "owner_user_id": owner.id,
                "deadline": now.date(),
                "status": ActionStatus.OPEN,
                "deadline_version": 1,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for n in range(REMINDERS)
        ]
        await session.execute(insert(Action), actions)
        await session.execute(
            insert(ActionReminder),
            [
                {
                    "id": uuid.uuid4(),
                    "action_id": action["id"],
                    "kind": "due",
                    "deadline_version": 1,
                    "scheduled_at": now - timedelta(minutes=1),
                }
                for action in actions
            ],
        )


@dataclass
class Schedulers:
    processes: dict[int, subprocess.Popen[bytes]]
    logs: list[Path]

    def log_text(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.logs)


@dataclass
class KillingHandler(CollectingHandler):
    """Collects the messages it accepts, and kills ``victim`` (SIGKILL) while it hands over message number
    ``kill_at``: its data has arrived but the sender is gone before the server's reply, so — as a real
    server does when the connection drops before its final reply — that message is not accepted.  The
    batch it belongs to is certainly in flight: partly sent, the rest still claimed by the dead process."""

    victim: int | None = None
    kill_at: int = KILL_AT
    killed: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if len(self.received) + 1 == self.kill_at and self.victim is not None and not self.killed.is_set():
            os.kill(self.victim, signal.SIGKILL)
            self.killed.set()
            await asyncio.sleep(5)  # the connection dies with its client; no reply is read
            return "451 4.3.0 Sender gone before the message was accepted"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp() -> Iterator[tuple[KillingHandler, str]]:
    handler = KillingHandler()
    port = free_port()
    controller = start_server(handler, port)
    yield handler, f"smtp://127.0.0.1:{port}?timeout=10"
    controller.stop()


def start_schedulers(db_url: str, smtp_url: str, tmp_path: Path) -> Schedulers:
    env = dict(os.environ)
    env.update(
        MARAC_DATABASE_URL=db_url,
        MARAC_VAR_DIR=str(tmp_path / "var"),
        MARAC_LOG_LEVEL="INFO",
        MARAC_SMTP_URL=smtp_url,
        MARAC_SCHEDULER_LEASE_SECONDS=str(LEASE_SECONDS),
        MARAC_SCHEDULER_RENEW_SECONDS=str(RENEW_SECONDS),
        MARAC_SCHEDULER_TEST_INTERVAL_SECONDS="1",
        MARAC_MAIL_BATCH_SIZE=str(MAIL_BATCH),
        MARAC_MAIL_LEASE_SECONDS=str(MAIL_LEASE_SECONDS),
    )
    processes: dict[int, subprocess.Popen[bytes]] = {}
    logs = []
    for index in range(2):
        path = tmp_path / f"scheduler-{index}.log"
        with path.open("wb") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "marac.cli", "scheduler"],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        processes[process.pid] = process
        logs.append(path)
    return Schedulers(processes, logs)


async def test_killed_scheduler_mid_burst_every_reminder_arrives_exactly_once(
    runtime: Runtime,
    world: World,
    db_url: str,
    smtp: tuple[KillingHandler, str],
    tmp_path: Path,
) -> None:
    began = time.monotonic()
    handler, smtp_url = smtp
    await seed_due_reminders(runtime, world, datetime.now(UTC))
    schedulers = start_schedulers(db_url, smtp_url, tmp_path)
    try:
        await _run(runtime, handler, schedulers)
    finally:
        for process in schedulers.processes.values():
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
    print(f"failover test took {time.monotonic() - began:.1f} s")  # shown with -s


async def _run(runtime: Runtime, handler: KillingHandler, schedulers: Schedulers) -> None:
    async def leader() -> tuple[int, int] | None:
        async with runtime.sessions() as session:
            row = await current_lease(session)
        if row is None:
            return None
        return int(row.holder.split(":")[-2]), row.fencing_token

    holder = await _until(leader, 30, "a scheduler to take the lease")
    killed, token = holder
    handler.victim = killed

    async def burst_under_way() -> bool:  # the handler kills the leader while taking message KILL_AT
        return handler.killed.is_set()

    await _until(burst_under_way, 60, f"reminder number {KILL_AT} to arrive")
    schedulers.processes[killed].wait(timeout=10)
    assert await leader() == (killed, token), "the lease changed hands before the kill"
    # The standby cannot send anything before the lease has run out: the count is settled.
    arrived_before_kill = len(handler.received)
    assert arrived_before_kill == KILL_AT - 1
    (survivor,) = set(schedulers.processes) - {killed}

    async def taken_over() -> tuple[int, int] | None:
        row = await leader()
        return row if row is not None and row[0] == survivor else None

    _, new_token = await _until(taken_over, LEASE_SECONDS + 10, "the standby to take the lease over")
    assert new_token == token + 1

    async def all_sent() -> bool:
        async with runtime.sessions() as session:
            unsent = await session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.kind == "action_reminder", Notification.status != DeliveryStatus.SENT)
            )
            queued = await session.scalar(
                select(func.count()).select_from(Notification).where(Notification.kind == "action_reminder")
            )
        return queued == REMINDERS and unsent == 0

    await _until(all_sent, 90, "every reminder to be sent")
    assert schedulers.processes[survivor].poll() is None, schedulers.log_text()

    async with runtime.sessions() as session:
        outbox = (
            await session.execute(
                select(Notification.idempotency_key, Notification.message_id, Notification.action_id).where(
                    Notification.kind == "action_reminder"
                )
            )
        ).all()
        reminders = (await session.execute(select(ActionReminder.outcome, ActionReminder.sent_at))).all()
        actions = set(await session.scalars(select(Action.id)))

    # Queued exactly once: one outbox row per action, under the key of its one due reminder.
    assert len(outbox) == REMINDERS
    assert {row.action_id for row in outbox} == actions
    assert {row.idempotency_key for row in outbox} == {f"reminder:{a}:due:1" for a in actions}
    assert all(outcome == "sent" and sent_at is not None for outcome, sent_at in reminders)

    # Delivered exactly once: the server accepted every reminder's message, each once, and nothing else.
    expected = {row.message_id for row in outbox}
    received = Counter(message_id(message.data) for message in handler.received)
    print(f"{arrived_before_kill} accepted before the kill, {len(handler.received)} in all")
    assert set(received) == expected
    assert len(handler.received) == REMINDERS
    assert set(received.values()) == {1}
    assert "now the active scheduler" in schedulers.log_text()
