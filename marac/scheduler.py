"""APScheduler 3.11 wiring.

The database is the truth, not the job store: jobs are a few fixed-id periodic sweeps held in memory,
each calling an idempotent domain function with the clock's current time.  Running a sweep twice, or in
two processes at once, does no harm; leadership (one active scheduler) only saves work.

``marac scheduler`` and the in-process scheduler of ``marac serve`` both run the sweeps only while they
hold the scheduler lease (:mod:`marac.scheduler_lease`), checked before every run; other processes stand by.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from marac.access.auth import purge_expired_sessions
from marac.runtime import Runtime
from marac.scheduler_lease import LEASE_JOB_ID, SchedulerLeadership

log = logging.getLogger("marac.scheduler")

JobFunction = Callable[[Runtime], Awaitable[object]]


@dataclass(frozen=True)
class PeriodicJob:
    id: str
    function: JobFunction
    seconds: int
    description: str


async def purge_sessions(runtime: Runtime) -> int:
    async with runtime.transaction() as session:
        removed = await purge_expired_sessions(
            session, runtime.clock.now(), runtime.settings.security.session_idle_minutes
        )
    if removed:
        log.info("purged %d expired login sessions", removed)
    return removed


JOBS: list[PeriodicJob] = [
    PeriodicJob("purge-sessions", purge_sessions, 300, "remove expired and idle login sessions"),
]


# Each domain's jobs module exposes JOBS (a list of PeriodicJob), added after the ones above in this order.
JOB_MODULES = (
    "marac.agenda.jobs",
    "marac.agenda.packs_jobs",
    "marac.notify.jobs",
    "marac.actions.jobs",
    "marac.reports.jobs",
)


def all_jobs() -> list[PeriodicJob]:
    """Every periodic sweep, in the order a cycle should run them."""
    jobs = list(JOBS)
    for name in JOB_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        jobs.extend(module.JOBS)
    return jobs


async def run_all_once(runtime: Runtime) -> dict[str, object]:
    """Run every sweep once, in order; the demo and the tests drive time with this."""
    results: dict[str, object] = {}
    for job in all_jobs():
        results[job.id] = await job.function(runtime)
    return results


def _wrap(
    job: PeriodicJob, runtime: Runtime, leadership: SchedulerLeadership | None
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        # Checked before every run: a process that lost the lease (paused past its expiry, say)
        # stops before doing more work.
        if leadership is not None and not await leadership.confirm():
            return
        try:
            await job.function(runtime)
        except Exception:
            # One failed sweep must not stop the scheduler; the next run retries.
            log.exception("job %s failed", job.id)

    return run


def build_scheduler(runtime: Runtime, leadership: SchedulerLeadership | None = None) -> AsyncIOScheduler:
    """The sweeps on an APScheduler; with ``leadership`` they run only while this process holds the lease."""
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    jobs = all_jobs()
    if leadership is not None:
        jobs += leadership.test_jobs()
        scheduler.add_job(
            leadership.keep,
            "interval",
            seconds=leadership.settings.renew_seconds,
            id=LEASE_JOB_ID,
            name="acquire or renew the scheduler lease",
            next_run_time=datetime.now(UTC),  # at once: standbys and the leader sort themselves out
            misfire_grace_time=None,  # late is better than never for a renewal
            replace_existing=True,
        )
    for job in jobs:
        scheduler.add_job(
            _wrap(job, runtime, leadership),
            "interval",
            seconds=leadership.sweep_seconds(job.seconds) if leadership else job.seconds,
            id=job.id,
            name=job.description,
            replace_existing=True,
        )
    return scheduler


def start_scheduler(runtime: Runtime, leadership: SchedulerLeadership | None = None) -> AsyncIOScheduler:
    """Start the sweeps on the running event loop (in-process under ``marac serve``).

    They run under the scheduler lease (one from the environment unless given), so that a ``marac
    scheduler`` started next to ``marac serve`` does not run them a second time.
    """
    leadership = leadership or SchedulerLeadership.for_runtime(runtime)
    scheduler = build_scheduler(runtime, leadership)
    scheduler.start()
    log.info(
        "scheduler started as %s with jobs: %s",
        leadership.holder,
        ", ".join(job.id for job in all_jobs()),
    )
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler, leadership: SchedulerLeadership) -> None:
    """Stop the sweeps and hand the lease over at once (rather than letting it expire)."""
    scheduler.shutdown(wait=False)
    await leadership.release()


async def run_forever(runtime: Runtime, leadership: SchedulerLeadership | None = None) -> None:
    """``marac scheduler``: the sweeps alone, until SIGINT or SIGTERM; then the lease is released."""
    leadership = leadership or SchedulerLeadership.for_runtime(runtime)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    scheduler = start_scheduler(runtime, leadership)
    try:
        await stop.wait()
    finally:
        log.info("scheduler stopping")
        try:
            await asyncio.wait_for(stop_scheduler(scheduler, leadership), timeout=10)
        except TimeoutError:
            log.warning("the scheduler lease was not released in time; it expires by itself")
        await runtime.engine.dispose()
