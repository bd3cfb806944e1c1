"""The briefing-pack sweep: keeps every due conference's packs in line with its facts.

Each due conference is handled in its own transaction, so one conference whose packs cannot be made
(say, an area template that no longer renders) does not hold back the others; the next run retries.
"""

from __future__ import annotations

import logging

from marac.access.guards import Actor
from marac.agenda.packs_distribution import (
    PackRun,
    due_conference_ids,
    issue_due_packs,
    withdraw_cancelled,
)
from marac.runtime import Runtime
from marac.scheduler import PeriodicJob

log = logging.getLogger("marac.agenda.packs")
SCHEDULER = Actor.system("scheduler")


async def issue_briefing_packs(runtime: Runtime) -> list[PackRun]:
    """Issue, remake or withdraw packs wherever the facts changed; returns what each conference did."""
    async with runtime.transaction() as session:
        due = await due_conference_ids(session, runtime.clock.now())
        withdrawn = await withdraw_cancelled(session, runtime.clock, SCHEDULER)
    if withdrawn:
        log.info("withdrew %d briefing packs of cancelled conferences", withdrawn)
    runs = []
    protector = runtime.protector
    for conference_id in due:
        try:
            async with runtime.transaction() as session:
                run = await issue_due_packs(
                    session, runtime.clock, SCHEDULER, runtime.settings, protector, conference_id
                )
        except Exception:
            log.exception("briefing packs of conference %s could not be issued", conference_id)
            continue
        if run is not None and (run.issued or run.withdrawn):
            log.info(
                "conference %s: %d packs issued (%d announced), %d unchanged, %d withdrawn",
                conference_id,
                run.issued,
                run.announced,
                run.unchanged,
                run.withdrawn,
            )
        if run is not None:
            runs.append(run)
    return runs


JOBS: list[PeriodicJob] = [
    PeriodicJob(
        "agenda-packs",
        issue_briefing_packs,
        300,
        "issue briefing packs at their pack moment and remake them when the agenda changes",
    ),
]
