"""The meeting reminder on the working day before, and coordinator notices forwarded by email."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from marac.access.models import Area, Role, User
from marac.agenda.models import Conference, ConferenceNotice, NoticeKind
from marac.clock import FixedClock
from marac.notify.invitations import reconcile_invitations
from marac.notify.models import Invitation, Response
from marac.notify.notices import forward_coordinator_notices
from marac.notify.reminders import send_meeting_reminders
from marac.runtime import Runtime
from tests.factories import World, make_user

from .conference_helpers import MAILBOX, make_conference, make_series, move, set_mailbox
from .outbox_helpers import rows

# Tuesday after Easter 2027: Good Friday (26 March) and Easter Monday (29 March) are bank holidays in
# England, so the working day before is Thursday 25 March, still on GMT.
AFTER_EASTER = datetime(2027, 3, 30, 10, 0)
THURSDAY_NINE = datetime(2027, 3, 25, 9, 0, tzinfo=UTC)


async def remind(runtime: Runtime) -> list[str]:
    async with runtime.transaction() as session:
        await send_meeting_reminders(session, runtime.clock, settings=runtime.settings)
    return sorted(row.recipient_address for row in await rows(runtime, kind="meeting_reminder"))


@dataclass
class Invited:
    police: User
    care: User  # declines
    chair: User
    conference: Conference


@pytest.fixture
async def invited(runtime: Runtime, clock: FixedClock, world: World) -> Invited:
    police, _ = await make_user(
        runtime, world.area, "police.rep@north.example", [Role.REPRESENTATIVE], world.police
    )
    care, chair = world.users["representative"], world.users["chair"]
    series = await make_series(runtime, world.area, [police, care], chair=chair)
    conference = await make_conference(runtime, series, AFTER_EASTER)
    clock.set(datetime(2027, 2, 15, 9, 0, tzinfo=UTC))
    async with runtime.transaction() as session:
        await reconcile_invitations(session, clock, settings=runtime.settings)
        declined = await session.get(Invitation, (conference.id, care.id))
        assert declined is not None
        declined.response = Response.DECLINED
    return Invited(police, care, chair, conference)


async def test_reminder_on_the_working_day_before_skipping_bank_holidays(
    runtime: Runtime, clock: FixedClock, invited: Invited
) -> None:
    clock.set(THURSDAY_NINE.replace(minute=0, hour=8, second=59))
    assert await remind(runtime) == []

    clock.set(THURSDAY_NINE)
    first = await remind(runtime)
    clock.advance(hours=3)
    again = await remind(runtime)

    assert first == again == sorted([invited.police.email, invited.chair.email])  # not the one who declined
    (reminder, _) = await rows(runtime, kind="meeting_reminder")
    assert reminder.subject == "OFFICIAL-SENSITIVE: Reminder: North Shire MARAC, Tue 30 Mar 2027 at 10:00"
    assert reminder.calendar is None
    assert "Tuesday 30 March 2027, 10:00 to 13:00 (BST)" in reminder.text_body


async def test_a_moved_meeting_is_reminded_again_for_its_new_day(
    runtime: Runtime, clock: FixedClock, invited: Invited
) -> None:
    clock.set(THURSDAY_NINE)
    await remind(runtime)
    await move(runtime, invited.conference, datetime(2027, 4, 6, 10, 0))

    assert len(await remind(runtime)) == 2  # nothing new yet
    clock.set(datetime(2027, 4, 5, 8, 0, tzinfo=UTC))  # Monday 09:00 BST
    assert len(await remind(runtime)) == 4


async def test_no_reminder_when_the_area_turned_them_off(
    runtime: Runtime, clock: FixedClock, world: World, invited: Invited
) -> None:
    async with runtime.transaction() as session:
        area = await session.get(Area, world.area.id)
        assert area is not None
        area.settings = {**area.settings, "meeting_reminder": False}
    clock.set(THURSDAY_NINE)

    assert await remind(runtime) == []


@pytest.mark.parametrize("mailbox", [MAILBOX, None])
async def test_coordinator_notices_are_emailed_once(
    runtime: Runtime, world: World, mailbox: str | None
) -> None:
    await set_mailbox(runtime, world.area, mailbox)
    async with runtime.transaction() as session:
        session.add(
            ConferenceNotice(
                area_id=world.area.id,
                kind=NoticeKind.OVERFLOW,
                message="Referral R-2026-0007 did not fit on Tue 12 Jan 2027 and moved to Tue 9 Feb",
                dedupe_key=f"overflow:{uuid.uuid4()}",
                created_at=runtime.clock.now(),
            )
        )

    for _ in range(2):
        async with runtime.transaction() as session:
            await forward_coordinator_notices(session, runtime.clock, settings=runtime.settings)

    queued = await rows(runtime, kind="conference_notice")
    expected = [mailbox] if mailbox else [world.users["coordinator"].email]
    assert [row.recipient_address for row in queued] == expected
    assert queued[0].subject == "OFFICIAL-SENSITIVE: A case moved to a later conference"
    assert "R-2026-0007" in queued[0].text_body
    async with runtime.sessions() as session:
        notice = await session.scalar(select(ConferenceNotice))
    assert notice is not None
    assert notice.sent_at == runtime.clock.now()
