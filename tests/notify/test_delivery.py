"""The delivery sweep against a real SMTP server: order, retries, outages, crashes, parking."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest

from marac.access.models import User
from marac.clock import FixedClock
from marac.db import transaction
from marac.notify.delivery import DeliveryPolicy, DeliveryReport, claim_due, deliver_due, to_mail
from marac.notify.models import DeliveryStatus
from marac.notify.outbox import enqueue_many
from marac.notify.transports import SmtpTransport
from marac.runtime import Runtime
from tests.factories import World

from .conftest import CollectingHandler, SmtpServer, free_port, start_server
from .outbox_helpers import VICTIM, draft, exclude, make_case, rows

POLICY = DeliveryPolicy(batch_size=3, lease_seconds=300, max_attempts=3, retry_base_seconds=60, jitter=0.25)


async def queue(runtime: Runtime, user: User, keys_and_minutes: list[tuple[str, int]]) -> None:
    """Queue one message per key, due that many minutes from now."""
    now = runtime.clock.now()
    drafts = [draft(user, key, due_at=now + timedelta(minutes=m)) for key, m in keys_and_minutes]
    async with runtime.transaction() as session:
        await enqueue_many(session, runtime.clock, runtime.settings, drafts)


async def sweep(runtime: Runtime, url: str, policy: DeliveryPolicy = POLICY) -> DeliveryReport:
    transport = SmtpTransport.from_url(url)
    try:
        return await deliver_due(
            runtime.sessions, runtime.clock, runtime.settings, transport, policy=policy, rng=random.Random(5)
        )
    finally:
        await transport.aclose()


def subjects(server: SmtpServer) -> list[str]:
    return [str(r.message["Subject"]).removeprefix("OFFICIAL-SENSITIVE: Message ") for r in server.received]


async def test_due_messages_go_out_in_due_order(
    runtime: Runtime, clock: FixedClock, world: World, smtp_server: SmtpServer
) -> None:
    user = world.users["representative"]
    await queue(runtime, user, [("c", 3), ("a", 1), ("later", 90), ("b", 2), ("d", 4)])
    clock.advance(minutes=5)

    await sweep(runtime, smtp_server.url)

    assert subjects(smtp_server) == ["a", "b", "c", "d"]
    stored = {row.idempotency_key: row for row in await rows(runtime)}
    assert stored["later"].status == DeliveryStatus.PENDING
    assert all(stored[k].status == DeliveryStatus.SENT for k in "abcd")
    assert {str(r.message["Message-ID"]) for r in smtp_server.received} == {
        stored[k].message_id for k in "abcd"
    }
    assert smtp_server.received[0].rcpt_tos == [user.email]


async def test_server_down_then_back_delivers_everything_once_in_due_order(
    runtime: Runtime, clock: FixedClock, world: World
) -> None:
    user = world.users["representative"]
    keys = [("m5", 5), ("m1", 1), ("m7", 7), ("m3", 3), ("m2", 2), ("m6", 6), ("m4", 4)]
    await queue(runtime, user, keys)
    port = free_port()
    url = f"smtp://127.0.0.1:{port}?timeout=2"

    clock.advance(minutes=3)
    down = await sweep(runtime, url)  # nobody listens on the port
    clock.advance(minutes=10)
    still_down = await sweep(runtime, url)

    assert down.outage
    assert not down.sent
    assert still_down.outage
    assert not still_down.sent
    assert all(row.status == DeliveryStatus.PENDING for row in await rows(runtime))  # nothing parked
    # The whole queue is held until the server is expected back, so the order survives.
    assert len({row.next_attempt_at for row in await rows(runtime)}) == 1

    handler = CollectingHandler()
    server = start_server(handler, port)
    try:
        clock.advance(hours=1)
        await sweep(runtime, url)
        await sweep(runtime, url)  # nothing left: no repeats
    finally:
        server.stop()

    assert [str(r.message["Subject"]).rsplit(" ", 1)[1] for r in handler.received] == [
        "m1",
        "m2",
        "m3",
        "m4",
        "m5",
        "m6",
        "m7",
    ]
    assert all(row.status == DeliveryStatus.SENT for row in await rows(runtime))


class WorkerDied(BaseException):
    """Stands for the process ending abruptly: nothing after it runs, no except clause catches it."""


class DiesAfterAccepting(SmtpTransport):
    """The real SMTP transport, whose worker dies once the server has accepted ``survive`` messages."""

    def __init__(self, url: str, survive: int) -> None:
        real = SmtpTransport.from_url(url)
        super().__init__(real.host, real.port, starttls=real.starttls, timeout=real.timeout)
        self.left = survive

    async def send_many(self, messages, on_accepted=None):  # type: ignore[no-untyped-def]
        def accepted(index: int) -> None:
            if on_accepted is not None:
                on_accepted(index)
            self.left -= 1
            if self.left == 0:
                raise WorkerDied

        return await super().send_many(messages, accepted)


async def test_a_worker_dying_mid_batch_repeats_nothing(
    runtime: Runtime, clock: FixedClock, world: World, smtp_server: SmtpServer
) -> None:
    """Each message is recorded as sent before the next goes: a worker dying between two messages of a
    batch leaves only the unsent ones for the next sweep, and nobody gets a message twice."""
    user = world.users["representative"]
    await queue(runtime, user, [("m1", 1), ("m2", 2), ("m3", 3), ("m4", 4), ("m5", 5)])
    clock.advance(minutes=6)
    policy = DeliveryPolicy(batch_size=5, lease_seconds=300)

    doomed = DiesAfterAccepting(smtp_server.url, survive=3)
    with pytest.raises(WorkerDied):
        await deliver_due(runtime.sessions, runtime.clock, runtime.settings, doomed, policy=policy)
    await doomed.aclose()
    status = {row.idempotency_key: row.status for row in await rows(runtime)}
    assert status == {
        "m1": DeliveryStatus.SENT,
        "m2": DeliveryStatus.SENT,
        "m3": DeliveryStatus.SENT,
        "m4": DeliveryStatus.SENDING,
        "m5": DeliveryStatus.SENDING,
    }

    clock.advance(seconds=policy.lease_seconds + 1)
    await sweep(runtime, smtp_server.url, policy)

    assert subjects(smtp_server) == ["m1", "m2", "m3", "m4", "m5"]
    assert len({str(r.message["Message-ID"]) for r in smtp_server.received}) == 5
    assert all(row.status == DeliveryStatus.SENT for row in await rows(runtime))


async def test_worker_killed_between_send_and_mark(
    runtime: Runtime, clock: FixedClock, world: World, smtp_server: SmtpServer
) -> None:
    """Nothing is lost; the one message in flight may arrive twice, with the same Message-ID."""
    user = world.users["representative"]
    await queue(runtime, user, [("inflight", 0), ("other", 1)])
    clock.advance(minutes=2)

    # A worker claims the first row and sends it, then dies before recording the result.
    async with transaction(runtime.sessions) as session:
        (claimed,) = await claim_due(
            session, runtime.clock.now(), worker="doomed", limit=1, lease=POLICY.lease
        )
    transport = SmtpTransport.from_url(smtp_server.url)
    await transport.send(to_mail(claimed, runtime.settings.mail.sender))
    await transport.aclose()

    await sweep(runtime, smtp_server.url)  # within the lease: the claimed row is left alone
    assert subjects(smtp_server) == ["inflight", "other"]

    clock.advance(seconds=POLICY.lease_seconds + 1)
    await sweep(runtime, smtp_server.url)
    await sweep(runtime, smtp_server.url)

    assert subjects(smtp_server) == ["inflight", "other", "inflight"]
    first, _, again = smtp_server.received
    assert first.message["Message-ID"] == again.message["Message-ID"] == claimed.message_id
    assert first.data == again.data  # the very same message
    assert all(row.status == DeliveryStatus.SENT for row in await rows(runtime))


@pytest.mark.parametrize(
    ("reply", "sweeps", "status", "attempts"),
    [
        ("550 5.1.1 No such mailbox", 1, DeliveryStatus.PARKED, 1),  # permanent: parked at once
        ("451 4.3.0 Try again later", 2, DeliveryStatus.PENDING, 2),  # temporary: retried with backoff
        ("451 4.3.0 Try again later", 3, DeliveryStatus.PARKED, 3),  # ... and parked after max_attempts
    ],
)
async def test_refused_message_retries_then_parks(
    runtime: Runtime,
    clock: FixedClock,
    world: World,
    smtp_server: SmtpServer,
    reply: str,
    sweeps: int,
    status: DeliveryStatus,
    attempts: int,
) -> None:
    refused, fine = world.users["representative"], world.users["chair"]
    smtp_server.handler.refuse[refused.email] = reply
    async with runtime.transaction() as session:
        await enqueue_many(
            session, runtime.clock, runtime.settings, [draft(refused, "bad"), draft(fine, "good")]
        )

    for _ in range(sweeps):
        await sweep(runtime, smtp_server.url)
        clock.advance(hours=1)

    (bad,) = await rows(runtime, idempotency_key="bad")
    (good,) = await rows(runtime, idempotency_key="good")
    assert (bad.status, bad.attempts) == (status, attempts)
    assert reply.split()[0] in (bad.last_error or "")
    assert good.status == DeliveryStatus.SENT
    assert subjects(smtp_server) == ["good"]


async def test_recipient_barred_after_queueing_is_not_sent(
    runtime: Runtime, world: World, smtp_server: SmtpServer
) -> None:
    user, other = world.users["representative"], world.users["chair"]
    case = await make_case(runtime, world.area, "MC-0002", VICTIM)
    async with runtime.transaction() as session:
        await enqueue_many(
            session,
            runtime.clock,
            runtime.settings,
            [draft(user, "about-case", case_id=case.id), draft(other, "for-other", case_id=case.id)],
        )
    await exclude(runtime, case, user)

    report = await sweep(runtime, smtp_server.url)

    assert subjects(smtp_server) == ["for-other"]
    (withdrawn,) = await rows(runtime, idempotency_key="about-case")
    assert withdrawn.status == DeliveryStatus.WITHDRAWN
    assert report.withdrawn == [withdrawn.id]


@pytest.mark.parametrize(
    ("attempts", "low", "high"), [(1, 60, 75), (2, 120, 150), (3, 240, 300), (20, 3600, 3600)]
)
def test_backoff_doubles_within_bounded_jitter(attempts: int, low: float, high: float) -> None:
    policy = DeliveryPolicy(retry_base_seconds=60, retry_max_seconds=3600, jitter=0.25)
    rng = random.Random(1)
    delays = [policy.retry_delay(attempts, rng).total_seconds() for _ in range(200)]
    capped = attempts == 20
    assert min(delays) >= low
    assert max(delays) <= (high * 1.25 if capped else high)


async def test_two_claimers_take_disjoint_rows(runtime: Runtime, world: World) -> None:
    """On PostgreSQL the second claimer skips the rows the first holds locked instead of waiting."""
    await queue(runtime, world.users["representative"], [(f"k{n}", 0) for n in range(10)])
    now = runtime.clock.now()
    first_session, second_session = runtime.sessions(), runtime.sessions()
    try:
        async with first_session.begin():
            first = await claim_due(first_session, now, worker="one", limit=6, lease=POLICY.lease)
            if runtime.engine.dialect.name == "postgresql":
                # Still inside the first transaction: its rows are locked, not yet committed.
                async with second_session.begin():
                    # Waiting for the first transaction here would never end: a timeout fails instead.
                    second = await asyncio.wait_for(
                        claim_due(second_session, now, worker="two", limit=10, lease=POLICY.lease), 10
                    )
        if runtime.engine.dialect.name != "postgresql":
            # SQLite lets one writer in at a time; the conditional update still keeps claims apart.
            async with second_session.begin():
                second = await claim_due(second_session, now, worker="two", limit=10, lease=POLICY.lease)
    finally:
        await first_session.close()
        await second_session.close()

    assert len(first) == 6
    assert len(second) == 4
    assert not {row.id for row in first} & {row.id for row in second}
