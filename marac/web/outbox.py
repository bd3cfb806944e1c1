"""The outbox for coordinators: emails not yet delivered and those given up on, and sending them again.

No message bodies are shown: who it is for, the subject (references only), what kind of message,
how often delivery was tried and why it failed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.clock import Clock
from marac.notify import services
from marac.notify.models import DeliveryStatus, Notification
from marac.runtime import Runtime
from marac.web.dashboard import PanelContent, PanelRequest, PanelRow
from marac.web.nav import COORDINATORS
from marac.web.shell import PageContext, redirect, render

KIND_LABELS = {
    "invitation": "Conference invitation",
    "meeting_reminder": "Meeting reminder",
    "conference_notice": "Notice to the coordinator",
    "briefing_pack": "Briefing pack",
    "action_digest": "Actions digest",
    "action_escalation": "Action escalation",
    "action_status_request": "Action status request",
}
STATUS_LABELS = {
    DeliveryStatus.PENDING: "Waiting",
    DeliveryStatus.SENDING: "Being sent",
    DeliveryStatus.PARKED: "Parked",
    DeliveryStatus.SENT: "Sent",
    DeliveryStatus.WITHDRAWN: "Withdrawn",
}
VIEWS: dict[str, tuple[services.OutboxState, str]] = {
    "undelivered": ("undelivered", "Not yet delivered"),
    "parked": ("parked", "Parked"),
}
# Retrying everything at once is bounded like the outbox API's own listing.
RETRY_ALL_LIMIT = 1000


@dataclass(frozen=True)
class OutboxRow:
    id: uuid.UUID
    recipient: str
    subject: str
    kind: str
    status: DeliveryStatus
    status_label: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    created_at: datetime

    @property
    def retryable(self) -> bool:
        return self.status in (DeliveryStatus.PARKED, DeliveryStatus.PENDING)

    @classmethod
    def of(cls, row: Notification) -> OutboxRow:
        waiting = row.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
        return cls(
            row.id,
            row.recipient_address,
            row.subject,
            KIND_LABELS.get(row.kind, row.kind.replace("_", " ").capitalize()),
            row.status,
            STATUS_LABELS[row.status],
            row.attempts,
            row.last_error or "",
            row.next_attempt_at if waiting else None,
            row.created_at,
        )


class OutboxPages(Controller):
    path = "/outbox"
    opt = {"roles": COORDINATORS}

    @get("/", name="outbox")
    async def outbox(
        self,
        page: PageContext,
        db: AsyncSession,
        actor: Actor,
        show: Annotated[str, QueryParameter(name="show")] = "undelivered",
    ) -> Template:
        state, title = VIEWS.get(show, VIEWS["undelivered"])
        rows = [OutboxRow.of(row) for row in await services.list_outbox(db, actor, page.area_id, state)]
        parked = await _count(db, page.area_id, (DeliveryStatus.PARKED,))
        return render(
            page, "outbox/list.html", rows=rows, show=state, title=title, views=VIEWS, parked=parked
        )

    @post("/{notification_id:uuid}/retry")
    async def retry(
        self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, notification_id: uuid.UUID
    ) -> Redirect:
        row = await services.retry_notification(db, clock, actor, notification_id)
        return redirect(
            runtime, "/outbox", flash=f"The email to {row.recipient_address} will be sent again now."
        )

    @post("/retry-parked")
    async def retry_parked(
        self, page: PageContext, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime
    ) -> Redirect:
        parked = await services.list_outbox(db, actor, page.area_id, "parked", limit=RETRY_ALL_LIMIT)
        for row in parked:
            await services.retry_notification(db, clock, actor, row.id)
        count = len(parked)
        text = (
            "No parked emails to send."
            if not count
            else f"{count} parked email{'s' if count != 1 else ''} will be sent again now."
        )
        return redirect(runtime, "/outbox", flash=text)


async def _count(db: AsyncSession, area_id: uuid.UUID, statuses: tuple[DeliveryStatus, ...]) -> int:
    found = await db.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.area_id == area_id, Notification.status.in_(statuses))
    )
    return int(found or 0)


async def undelivered_panel(request: PanelRequest) -> PanelContent:
    """Dashboard: emails waiting to go and those given up on."""
    waiting = await _count(request.db, request.area_id, (DeliveryStatus.PENDING, DeliveryStatus.SENDING))
    parked = await _count(request.db, request.area_id, (DeliveryStatus.PARKED,))
    if not waiting and not parked:
        return PanelContent(
            headline="Every email has been delivered.", more_label="Outbox", more_href="/outbox"
        )
    rows = [PanelRow(f"{waiting} waiting to be sent")]
    if parked:
        rows.append(PanelRow(f"{parked} parked after failing", "/outbox?show=parked"))
    return PanelContent(
        headline=f"{waiting + parked} not yet delivered",
        rows=rows,
        more_label="Open the outbox",
        more_href="/outbox",
    )


ROUTE_HANDLERS: list[Any] = [OutboxPages]
