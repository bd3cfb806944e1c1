"""Queueing: one row per event however often it is queued, in the caller's transaction."""

from __future__ import annotations

import asyncio

import pytest

from marac.notify.mime import make_message_id
from marac.notify.models import DeliveryStatus
from marac.notify.outbox import Draft, enqueue, enqueue_many, message_domain
from marac.runtime import Runtime
from tests.factories import World

from .outbox_helpers import VICTIM, draft, make_case, rows


async def test_the_same_key_never_queues_twice(runtime: Runtime, world: World) -> None:
    user = world.users["representative"]
    async with runtime.transaction() as session:
        first = await enqueue(session, runtime.clock, runtime.settings, draft(user, "reminder:1"))
    async with runtime.transaction() as session:
        again = await enqueue(
            session, runtime.clock, runtime.settings, draft(user, "reminder:1", subject="Other")
        )

    assert first is not None
    assert again is not None
    assert again.id == first.id
    (row,) = await rows(runtime)
    assert row.subject == "OFFICIAL-SENSITIVE: Message reminder:1"  # the first one wins
    assert row.status == DeliveryStatus.PENDING
    assert row.message_id == make_message_id("reminder:1", message_domain(runtime.settings))


async def test_many_at_once_with_repeats(runtime: Runtime, world: World) -> None:
    user = world.users["representative"]
    drafts = [draft(user, f"k{n % 3}") for n in range(7)]

    async with runtime.transaction() as session:
        queued = await enqueue_many(session, runtime.clock, runtime.settings, drafts)

    assert len(queued) == 7
    assert len({row.id for row in queued if row}) == 3
    assert sorted(row.idempotency_key for row in await rows(runtime)) == ["k0", "k1", "k2"]


async def test_a_rolled_back_change_leaves_no_message(runtime: Runtime, world: World) -> None:
    user = world.users["representative"]

    async def failing_change() -> None:
        async with runtime.transaction() as session:
            await enqueue(session, runtime.clock, runtime.settings, draft(user, "lost"))
            raise RuntimeError("the change that caused it failed")

    with pytest.raises(RuntimeError):
        await failing_change()

    assert await rows(runtime) == []


async def test_must_not_receive_list_is_honoured(runtime: Runtime, world: World) -> None:
    excluded, other = world.users["representative"], world.users["chair"]
    case = await make_case(runtime, world.area, "MC-0001", VICTIM, excluded=[excluded])

    async with runtime.transaction() as session:
        refused = await enqueue(
            session, runtime.clock, runtime.settings, draft(excluded, "a", case_id=case.id)
        )
        allowed = await enqueue(session, runtime.clock, runtime.settings, draft(other, "b", case_id=case.id))

    assert refused is None
    assert allowed is not None
    assert [row.recipient_user_id for row in await rows(runtime)] == [other.id]


async def test_two_transactions_racing_on_one_key_queue_it_once(runtime: Runtime, world: World) -> None:
    user = world.users["representative"]

    async def queue(subject: str) -> None:
        async with runtime.transaction() as session:
            await enqueue(session, runtime.clock, runtime.settings, draft(user, "race", subject=subject))

    await asyncio.gather(queue("one"), queue("two"))

    assert len(await rows(runtime)) == 1


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"key": ""}, "idempotency key"),
        ({"to": "a@b.example, c@d.example"}, "plain email"),
        ({"subject": "two\nlines"}, "line breaks"),
        ({"calendar": b"BEGIN:VCALENDAR"}, "METHOD"),
    ],
)
def test_a_malformed_draft_is_refused(changes: dict[str, object], problem: str) -> None:
    base = {"key": "k", "kind": "test", "to": "a@b.example", "subject": "s", "text": "t", "marking": "M"}
    with pytest.raises(ValueError, match=problem):
        Draft(**{**base, **changes})  # type: ignore[arg-type]
