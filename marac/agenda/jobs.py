"""Scheduler sweeps of the conference lifecycle, in the order a cycle runs them.

Each calls an idempotent domain function with the clock's current time in its own transaction:
materialise meetings twelve months ahead, queue waiting referrals, publish agendas that are due.
"""

from __future__ import annotations

import logging

from marac.access.guards import Actor
from marac.agenda.layout import Rearrangement
from marac.agenda.publication import publish_due, settle
from marac.agenda.queueing import QueueReport, queue_waiting_referrals
from marac.agenda.schedule import materialise
from marac.runtime import Runtime
from marac.scheduler import PeriodicJob

log = logging.getLogger("marac.agenda")
SCHEDULER = Actor.system("scheduler")


async def materialise_conferences(runtime: Runtime) -> int:
    async with runtime.transaction() as session:
        created = await materialise(session, runtime.clock)
    if created:
        log.info("materialised %d conferences", created)
    return created


async def queue_referrals(runtime: Runtime) -> QueueReport:
    async with runtime.transaction() as session:
        work = Rearrangement(runtime.clock.now())
        report = await queue_waiting_referrals(session, runtime.clock, work, SCHEDULER)
        await settle(session, runtime.clock, SCHEDULER, work)
    if report.placed or report.unplaced or report.notifications:
        log.info(
            "queued %d referrals (%d carried over, %d overflowed, %d waiting), %d notifications",
            report.placed,
            report.carried_over,
            report.overflowed,
            report.unplaced,
            report.notifications,
        )
    return report


async def publish_agendas(runtime: Runtime) -> int:
    async with runtime.transaction() as session:
        published = await publish_due(session, runtime.clock, SCHEDULER)
    if published:
        log.info("published %d agendas", len(published))
    return len(published)


JOBS: list[PeriodicJob] = [
    PeriodicJob(
        "agenda-materialise", materialise_conferences, 3600, "materialise conferences 12 months ahead"
    ),
    PeriodicJob("agenda-queue", queue_referrals, 60, "place accepted referrals on conference agendas"),
    PeriodicJob("agenda-publish", publish_agendas, 60, "publish agendas at their publication moment"),
]
