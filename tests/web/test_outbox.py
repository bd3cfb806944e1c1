"""The outbox page: undelivered and parked emails without their bodies, retried one by one or all."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient

from marac.notify.models import DeliveryStatus
from marac.runtime import Runtime
from marac.web.outbox import undelivered_panel
from tests.factories import World
from tests.notify.outbox_helpers import rows
from tests.web.conference_pages import deliver_refused, monthly_meetings, panel, text_of
from tests.web.test_access import SignIn

Client = AsyncTestClient[Litestar]


async def test_parked_emails_are_listed_without_bodies_and_retried(
    client: Client, runtime: Runtime, world: World, sign_in: SignIn
) -> None:
    await monthly_meetings(runtime, world)  # four invitations: two people, two meetings
    csrf = await sign_in("coordinator")
    waiting = text_of((await client.get("/outbox")).text)
    report = await deliver_refused(runtime)
    assert len(report.parked) == 4

    parked_page = await client.get("/outbox?show=parked")
    first = report.parked[0]
    one = await client.post(f"/outbox/{first}/retry", data={"_csrf": csrf}, follow_redirects=False)
    unknown = await client.post(f"/outbox/{uuid.uuid4()}/retry", data={"_csrf": csrf})
    after_one = await client.get("/outbox")
    everything = await client.post("/outbox/retry-parked", data={"_csrf": csrf}, follow_redirects=False)
    after_all = await client.get("/outbox")

    assert "Conference invitation Waiting 0" in waiting
    text = text_of(parked_page.text)
    assert text.count("Conference invitation Parked 1") == 4
    assert "refused: chair@north.example: 550 b'5.1.1 No such mailbox'" in text  # the last error
    assert "Retry all parked emails (4)" in text
    stored = (await rows(runtime))[0]
    assert stored.text_body[:40] not in parked_page.text  # no message bodies
    assert one.status_code == 303
    assert unknown.status_code == 404
    assert "will be sent again now." in after_one.text
    assert "Retry all parked emails (3)" in after_one.text
    assert everything.status_code == 303
    assert "3 parked emails will be sent again now." in after_all.text
    statuses = [(row.status, row.attempts) for row in await rows(runtime)]
    assert statuses == [(DeliveryStatus.PENDING, 0)] * 4


async def test_the_dashboard_panel_counts_what_is_not_delivered(runtime: Runtime, world: World) -> None:
    clear = await panel(runtime, world, undelivered_panel, "coordinator")
    await monthly_meetings(runtime, world)
    waiting = await panel(runtime, world, undelivered_panel, "coordinator")
    await deliver_refused(runtime)
    parked = await panel(runtime, world, undelivered_panel, "coordinator")

    assert clear.headline == "Every email has been delivered."
    assert (waiting.headline, [r.label for r in waiting.rows]) == (
        "4 not yet delivered",
        ["4 waiting to be sent"],
    )
    assert [(r.label, r.href) for r in parked.rows] == [
        ("0 waiting to be sent", None),
        ("4 parked after failing", "/outbox?show=parked"),
    ]
