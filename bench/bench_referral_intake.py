"""Eligibility and repeat check for one referral, with 100,000 people of the area in the database.

Seeds a SQLite file (in a temporary folder, migrated like the service's) with 100,000 people stored as
the service stores them — encrypted names and birth dates, blind indexes — as victims of 80,000 cases,
20,000 of which have a perpetrator, an earlier referral that was heard, and police incidents.  Then
times what submitting a referral does before it writes anything: score the DASH-style checklist and run
``check_referral`` (find the victim's case by blind index, match the perpetrator, read the case's
earlier referrals and incidents, or look for near matches among people born the same day and compare
their decrypted names) and ``assess_eligibility``.  A quarter of the checks are known victims, a
quarter are spelling variants (near matches), the rest are new people.  Target: 5 ms per check
(p95 of the best of three rounds: other work on a shared machine only ever adds time).

    .venv/bin/python bench/bench_referral_intake.py
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import marac.models  # noqa: F401  (every table, for the migrations)
from marac.access.models import Agency, AgencyKind, Area
from marac.cases import schemas
from marac.cases.eligibility import EligibilityRules
from marac.cases.identity import FieldCipher
from marac.cases.instruments import get_instrument
from marac.cases.matching import check_referral
from marac.cases.models import (
    Case,
    CaseParty,
    PartyRole,
    Person,
    PoliceIncident,
    Referral,
    ReferralPerpetrator,
    ReferralStatus,
)
from marac.cases.people import Protector
from marac.db import create_engine, session_factory, upgrade

PEOPLE = 100_000
WITH_HISTORY = 20_000  # cases with a perpetrator, an earlier referral and incidents
CHECKS = 1_000
ROUNDS = 3
TARGET_MS = 5.0
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FORENAMES = ("Ada", "Bea", "Cleo", "Dora", "Elin", "Faye", "Greta", "Hedda", "Ines", "Juno", "Åsa", "Zofia")
SURNAMES = ("Fictional", "Madeup", "Placeholder", "Notreal", "Samplewood", "O'Example", "Testington")


@dataclass(frozen=True)
class Identity:
    forename: str
    surname: str
    birth_date: date


def identity(n: int, rng: random.Random) -> Identity:
    # A numeric suffix keeps 100,000 names distinct while staying name-like.  Birth dates spread over
    # the ages an area's victims, perpetrators and children have: about four people share each one.
    surname = f"{rng.choice(SURNAMES)}{n % 4999}"
    return Identity(
        rng.choice(FORENAMES), surname, date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 68))
    )


def person_row(protector: Protector, area_id: uuid.UUID, who: Identity) -> dict[str, Any]:
    cipher = protector.cipher
    return {
        "id": uuid.uuid4(),
        "area_id": area_id,
        "forename_enc": cipher.encrypt(who.forename, context="person.forename"),
        "surname_enc": cipher.encrypt(who.surname, context="person.surname"),
        "aliases_enc": None,
        "birth_date_enc": cipher.encrypt(who.birth_date.isoformat(), context="person.birth_date"),
        "address_enc": None,
        "same_as_id": None,
        "blind_index": protector.name_index(who.surname, who.forename, who.birth_date),
        "birth_date_index": protector.birth_date_index(who.birth_date),
        "created_at": NOW,
    }


def batches(rows: list[dict[str, Any]], size: int = 5_000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def seed(
    url: str, protector: Protector, rng: random.Random
) -> tuple[uuid.UUID, list[tuple[Identity, Identity]]]:
    """Bulk-insert the area; returns its id and (victim, perpetrator) of the cases with history."""
    upgrade(url.replace("sqlite:", "sqlite+aiosqlite:"))
    engine = create_sync_engine(url)
    area_id, agency_id = uuid.uuid4(), uuid.uuid4()
    victims = [identity(n, rng) for n in range(PEOPLE - WITH_HISTORY)]
    perpetrators = [identity(n + PEOPLE, rng) for n in range(WITH_HISTORY)]
    people = [person_row(protector, area_id, who) for who in victims]
    cases = [
        {
            "id": uuid.uuid4(),
            "area_id": area_id,
            "reference": f"MC-{n + 1:06d}",
            "victim_id": row["id"],
            "created_at": NOW,
        }
        for n, row in enumerate(people)
    ]
    parties, referrals, links, incidents, history = [], [], [], [], []
    for n in range(WITH_HISTORY):
        case, perpetrator = cases[n], person_row(protector, area_id, perpetrators[n])
        people.append(perpetrator)
        history.append((victims[n], perpetrators[n]))
        parties.append({"case_id": case["id"], "person_id": perpetrator["id"], "role": PartyRole.PERPETRATOR})
        referred_on = TODAY - timedelta(days=rng.randrange(30, 700))
        referral_id = uuid.uuid4()
        referrals.append(
            {
                "id": referral_id,
                "area_id": area_id,
                "case_id": case["id"],
                "reference": f"R-2025-{n + 1:06d}",
                "referring_agency_id": agency_id,
                "referred_on": referred_on,
                "submitted_at": NOW,
                "status": ReferralStatus.ACCEPTED,
                "heard_on": referred_on + timedelta(days=20),
                "eligible": True,
            }
        )
        links.append({"referral_id": referral_id, "person_id": perpetrator["id"]})
        incidents += [
            {
                "id": uuid.uuid4(),
                "case_id": case["id"],
                "occurred_on": TODAY - timedelta(days=rng.randrange(700)),
                "reference": f"INC-{n}-{k}",
                "recorded_at": NOW,
            }
            for k in range(rng.randrange(4))
        ]
    with engine.begin() as connection:
        connection.execute(
            insert(Area),
            [
                {
                    "id": area_id,
                    "name": "Bench",
                    "slug": "bench",
                    "timezone": "Europe/London",
                    "jurisdiction": "GB-ENG",
                    "settings": {},
                    "created_at": NOW,
                }
            ],
        )
        connection.execute(
            insert(Agency),
            [
                {
                    "id": agency_id,
                    "area_id": area_id,
                    "name": "Police",
                    "kind": AgencyKind.POLICE,
                    "created_at": NOW,
                }
            ],
        )
        for table, rows in (
            (Person, people),
            (Case, cases),
            (CaseParty, parties),
            (Referral, referrals),
            (ReferralPerpetrator, links),
            (PoliceIncident, incidents),
        ):
            for batch in batches(rows):
                connection.execute(insert(table), batch)
    engine.dispose()
    return area_id, history


def answers(rng: random.Random) -> dict[str, str]:
    return {f"q{n}": rng.choice(("yes", "no", "dont_know")) for n in range(1, 25)}


def referral_people(
    n: int, rng: random.Random, history: list[tuple[Identity, Identity]]
) -> tuple[schemas.PersonCreate, schemas.PersonCreate]:
    """A known victim with their perpetrator, a spelling variant of one, or someone new."""
    victim, perpetrator = history[rng.randrange(len(history))]
    kind = n % 4
    if kind == 1:  # near match: the same person, spelt differently
        victim = Identity(victim.forename, victim.surname + "e", victim.birth_date)
    elif kind >= 2:
        victim, perpetrator = identity(PEOPLE * 2 + n, rng), identity(PEOPLE * 3 + n, rng)

    def person(who: Identity) -> schemas.PersonCreate:
        return schemas.PersonCreate(forename=who.forename, surname=who.surname, birth_date=who.birth_date)

    return person(victim), person(perpetrator)


@dataclass
class Round:
    wall: list[float]
    cpu: list[float]
    by_kind: dict[str, list[float]]
    outcomes: dict[str, int]

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def p95(self) -> float:
        return percentile(self.wall, 95)


async def one_round(
    sessions: async_sessionmaker[AsyncSession],
    protector: Protector,
    area_id: uuid.UUID,
    history: list[tuple[Identity, Identity]],
) -> Round:
    """The same CHECKS referrals each round (after a short warm-up), each in its own session."""
    rng = random.Random(7)
    dash, rules = get_instrument("dash"), EligibilityRules()
    measured = Round([], [], {"known victim": [], "spelling variant": [], "new person": []}, Counter())
    for n in range(CHECKS + 50):
        victim, perpetrator = referral_people(n, rng, history)
        given = answers(rng)
        async with sessions() as session:
            await session.connection()  # the request's transaction is already open when intake runs
            started, started_cpu = time.perf_counter(), time.process_time()
            result = dash.score(given)
            check = await check_referral(
                session,
                protector,
                area_id,
                victim=victim,
                perpetrators=[perpetrator],
                incidents=[],
                referred_on=TODAY,
                incident_on=None,
                result=result,
                professional_judgement=False,
                judgement_reasons=None,
                rules=rules,
            )
            elapsed = (time.perf_counter() - started) * 1000
            elapsed_cpu = (time.process_time() - started_cpu) * 1000
        if n < 50:
            continue  # warm-up: connection pool, statement caches
        measured.wall.append(elapsed)
        measured.cpu.append(elapsed_cpu)
        measured.by_kind[list(measured.by_kind)[min(n % 4, 2)]].append(elapsed)
        measured.outcomes["existing case"] += check.case is not None
        measured.outcomes["repeat"] += check.eligibility.is_repeat
        measured.outcomes["near match"] += bool(check.near_matches)
        measured.outcomes["eligible"] += check.eligibility.eligible
    return measured


async def measure(
    url: str, protector: Protector, area_id: uuid.UUID, history: list[tuple[Identity, Identity]]
) -> None:
    """Several rounds; the best one is reported, as other work on the machine only ever adds time."""
    engine = create_engine(url.replace("sqlite:", "sqlite+aiosqlite:"))
    rounds = [await one_round(session_factory(engine), protector, area_id, history) for _ in range(ROUNDS)]
    await engine.dispose()
    for number, measured in enumerate(rounds, start=1):
        print(
            f"round {number}: {CHECKS:,} checks, median {measured.median:.2f} ms, p95 {measured.p95:.2f} ms"
        )
    best = min(rounds, key=lambda measured: measured.p95)
    print(f"best round: median {best.median:.2f} ms, p95 {best.p95:.2f} ms (wall clock)")
    cpu_median, cpu_p95 = statistics.median(best.cpu), percentile(best.cpu, 95)
    print(f"CPU time per check: median {cpu_median:.2f} ms, p95 {cpu_p95:.2f} ms")
    kinds = ", ".join(f"{kind} {statistics.median(t):.2f} ms" for kind, t in best.by_kind.items())
    print(f"median by kind: {kinds}")
    print("found: " + ", ".join(f"{name} {count}" for name, count in best.outcomes.items()))
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    busy = f" — the machine is busy (load {load:.1f} on {cores} cores)" if load > cores else ""
    print(f"target {TARGET_MS} ms per check: {'met' if best.p95 <= TARGET_MS else 'NOT met'} (p95){busy}")


def percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * pct / 100) - 1)]


def main() -> None:
    rng = random.Random(20261123)
    protector = Protector(FieldCipher(["bench data key"]), b"bench index key")
    with tempfile.TemporaryDirectory(prefix="marac-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        started = time.perf_counter()
        area_id, history = seed(url, protector, rng)
        seconds = time.perf_counter() - started
        print(f"seeded {PEOPLE:,} people ({WITH_HISTORY:,} cases with history) in {seconds:.1f} s")
        asyncio.run(measure(url, protector, area_id, history))


if __name__ == "__main__":
    main()
