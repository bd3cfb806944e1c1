"""The actions sweep the scheduler runs: status-report requests, then due reminders (with overdue
notices, escalations and digests).  Both are idempotent; several processes may run them at once."""

from __future__ import annotations

import logging

from marac.actions.status_requests import send_status_requests
from marac.actions.sweep import parallel_batches, sweep_all
from marac.runtime import Runtime
from marac.scheduler import PeriodicJob

log = logging.getLogger("marac.actions")


async def send_action_reminders(runtime: Runtime) -> dict[str, int]:
    """One pass at the clock's current time; returns what was queued, for logs and tests."""
    now = runtime.clock.now()
    async with runtime.transaction() as session:
        requests = await send_status_requests(session, now, runtime.settings)
    parallel = parallel_batches(runtime.engine.dialect.name)
    report = await sweep_all(runtime.transaction, now, runtime.settings, parallel=parallel)
    if requests or report.claimed:
        log.info(
            "actions: %d status requests, %d reminders (%d emails, %d deferred to a digest)",
            requests,
            report.claimed,
            report.emails,
            report.deferred,
        )
    return {
        "status_requests": requests,
        "reminders": report.claimed,
        "emails": report.emails,
        "digest_items": report.in_digest,
        "deferred": report.deferred,
        "cancelled": report.cancelled,
        "no_recipient": report.no_recipient,
    }


JOBS: list[PeriodicJob] = [
    PeriodicJob(
        "action-reminders",
        send_action_reminders,
        60,
        "send due action reminders, overdue notices, escalations, digests and status-report requests",
    ),
]
