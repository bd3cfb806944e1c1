"""Queueing: one row per event however often it is queued, in the caller's transaction."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

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


async def test_every_field_of_a_draft_reaches_its_row(runtime: Runtime, world: World) -> None:
    # Rows go to the driver as plain values, converted outside SQLAlchemy's statement: each must come
    # back through the model exactly as the draft gave it (UUIDs, times in UTC, bytes, enums).
    user = world.users["representative"]
    full = Draft(
        key="invitation:1",
        kind="invitation",
        to=user.email,
        subject="North Shire MARAC",
        text="See the portal.",
        html="<p>See the portal.</p>",
        marking="OFFICIAL-SENSITIVE",
        reply_to="marac.coordinator@north.example",
        recipient_user_id=user.id,
        area_id=world.area.id,
        conference_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        action_id=uuid.uuid4(),
        calendar=b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
        calendar_method="REQUEST",
        due_at=datetime(2027, 1, 12, 9, 30, tzinfo=ZoneInfo("Europe/London")),
    )
    async with runtime.transaction() as session:
        await enqueue_many(session, runtime.clock, runtime.settings, [full, draft(user, "plain")])

    (row,) = await rows(runtime, idempotency_key="invitation:1")
    (plain,) = await rows(runtime, idempotency_key="plain")
    assert (row.idempotency_key, row.kind, row.recipient_address, row.reply_to) == (
        "invitation:1",
        "invitation",
        user.email,
        "marac.coordinator@north.example",
    )
    assert (row.subject, row.marking) == ("OFFICIAL-SENSITIVE: North Shire MARAC", "OFFICIAL-SENSITIVE")
    assert (row.text_body, row.html_body) == ("See the portal.", "<p>See the portal.</p>")
    assert (row.calendar, row.calendar_method) == (full.calendar, "REQUEST")
    assert (row.recipient_user_id, row.area_id) == (user.id, world.area.id)
    assert (row.conference_id, row.case_id) == (full.conference_id, full.case_id)
    assert row.action_id == full.action_id
    assert row.due_at == row.next_attempt_at == datetime(2027, 1, 12, 9, 30, tzinfo=UTC)
    assert row.created_at == runtime.clock.now()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)
    assert row.message_id == make_message_id("invitation:1", message_domain(runtime.settings))
    assert (plain.calendar, plain.conference_id, plain.due_at) == (None, None, runtime.clock.now())
    assert plain.queued_order != row.queued_order


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
