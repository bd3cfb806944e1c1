"""Periodic sweeps of the notifications domain, in the order one scheduler run should take them:
first what needs queueing, then delivery, so that one run both queues and sends."""

from __future__ import annotations

import logging

from marac.notify.delivery import DeliveryPolicy, DeliveryReport, deliver_due
from marac.notify.invitations import reconcile_invitations
from marac.notify.notices import forward_coordinator_notices
from marac.notify.reminders import send_meeting_reminders
from marac.notify.transports import transport_from_settings
from marac.runtime import Runtime
from marac.scheduler import PeriodicJob

log = logging.getLogger(__name__)


async def invitations(runtime: Runtime) -> int:
    """Invitations for conferences entering the window, updates after changes, cancellations."""
    async with runtime.transaction() as session:
        queued = await reconcile_invitations(session, runtime.clock, settings=runtime.settings)
    if queued:
        log.info("queued %d calendar messages", queued)
    return queued


async def meeting_reminders(runtime: Runtime) -> int:
    """Reminders of tomorrow's (next working day's) conferences."""
    async with runtime.transaction() as session:
        return await send_meeting_reminders(session, runtime.clock, settings=runtime.settings)


async def coordinator_notices(runtime: Runtime) -> int:
    """Conference notices (overflow, urgent referrals…) emailed to the coordinators."""
    async with runtime.transaction() as session:
        return await forward_coordinator_notices(session, runtime.clock, settings=runtime.settings)


async def delivery(runtime: Runtime) -> DeliveryReport:
    """Send what is due from the outbox through the configured transport (SMTP or files)."""
    transport = transport_from_settings(runtime.settings.mail)
    try:
        report = await deliver_due(
            runtime.sessions, runtime.clock, runtime.settings, transport, policy=DeliveryPolicy.from_env()
        )
    finally:
        await transport.aclose()
    if report.attempted or report.withdrawn:
        log.info(
            "outbox: %d sent, %d to retry, %d parked, %d withdrawn",
            len(report.sent),
            len(report.retrying),
            len(report.parked),
            len(report.withdrawn),
        )
    return report


JOBS: list[PeriodicJob] = [
    PeriodicJob("notify-invitations", invitations, 300, "send the calendar invitations conferences need"),
    PeriodicJob("notify-meeting-reminders", meeting_reminders, 900, "remind invitees the working day before"),
    PeriodicJob(
        "notify-coordinator-notices", coordinator_notices, 120, "email conference notices to coordinators"
    ),
    PeriodicJob("notify-delivery", delivery, 30, "send due emails from the outbox"),
]
