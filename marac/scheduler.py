"""APScheduler 3.11 wiring.

The database is the truth, not the job store: jobs are a few fixed-id periodic sweeps held in memory,
each calling an idempotent domain function with the clock's current time.  Running a sweep twice, or in
two processes at once, does no harm; leadership (one active scheduler) only saves work.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from marac.access.auth import purge_expired_sessions
from marac.runtime import Runtime

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


def _wrap(job: PeriodicJob, runtime: Runtime) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await job.function(runtime)
        except Exception:
            # One failed sweep must not stop the scheduler; the next run retries.
            log.exception("job %s failed", job.id)

    return run


def build_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    for job in all_jobs():
        scheduler.add_job(
            _wrap(job, runtime),
            "interval",
            seconds=job.seconds,
            id=job.id,
            name=job.description,
            replace_existing=True,
        )
    return scheduler


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """Start the sweeps on the running event loop (in-process under ``marac serve``)."""
    scheduler = build_scheduler(runtime)
    scheduler.start()
    log.info("scheduler started with jobs: %s", ", ".join(job.id for job in all_jobs()))
    return scheduler


async def run_forever(runtime: Runtime) -> None:
    """``marac scheduler``: the sweeps alone, until interrupted."""
    scheduler = start_scheduler(runtime)
    try:
        await asyncio.Event().wait()
    finally:
        scheduler.shutdown(wait=False)
