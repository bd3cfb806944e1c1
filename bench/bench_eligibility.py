"""Eligibility and repeat check for one referral against 100,000 people, without the database.

The people are held as the database will hold them: a blind index of name + date of birth, a date-of-birth
index for near matches, and encrypted names.  One check scores a DASH-style checklist, computes the
referral's blind index, looks for the same person (exact match, else near matches among people born on
the same day, whose names are decrypted and compared), and assesses eligibility with their earlier
referrals.  Target: 5 ms per check or less.

    .venv/bin/python bench/bench_eligibility.py
"""

from __future__ import annotations

import random
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from marac.cases.eligibility import EligibilityRules, PreviousReferral, assess_eligibility
from marac.cases.identity import FieldCipher, blind_index, name_similarity, partial_index
from marac.cases.instruments import get_instrument

PEOPLE = 100_000
CHECKS = 2_000
TARGET_MS = 5.0
NEAR_MATCH = 0.85
INDEX_KEY = b"bench blind-index master key"
FORENAMES = ("Sara", "Anne-Marie", "Aisha", "Emma", "Olivia", "Zofia", "Åsa", "Chloe", "Niamh", "Priya")
SURNAMES = ("O'Brien", "Ahmed", "Smith", "Kowalski", "Öberg", "Jones", "Nguyen", "Khan", "Murphy", "Taylor")


@dataclass
class PersonRecord:
    surname_token: str
    forename_token: str
    referrals: list[PreviousReferral]


def random_name(rng: random.Random, n: int) -> tuple[str, str]:
    # A numeric suffix keeps 100,000 names mostly distinct while staying name-like.
    return f"{rng.choice(SURNAMES)}{n % 997}", rng.choice(FORENAMES)


def build_people(
    rng: random.Random, cipher: FieldCipher
) -> tuple[dict[str, PersonRecord], dict[str, list[PersonRecord]], list[tuple[str, str, date]]]:
    exact: dict[str, PersonRecord] = {}
    by_dob: dict[str, list[PersonRecord]] = defaultdict(list)
    identities: list[tuple[str, str, date]] = []
    for n in range(PEOPLE):
        surname, forename = random_name(rng, n)
        dob = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
        referrals = [
            PreviousReferral(date(2026, 6, 1) - timedelta(days=rng.randrange(900)), rng.random() < 0.8)
            for _ in range(rng.choice((0, 0, 1, 2)))
        ]
        record = PersonRecord(cipher.encrypt(surname), cipher.encrypt(forename), referrals)
        exact[blind_index(INDEX_KEY, surname, forename, dob)] = record
        by_dob[partial_index(INDEX_KEY, dob)].append(record)
        identities.append((surname, forename, dob))
    return exact, by_dob, identities


def main() -> None:
    rng = random.Random(20260520)
    cipher = FieldCipher(["bench data key"])
    started = time.perf_counter()
    exact, by_dob, identities = build_people(rng, cipher)
    print(f"indexed {PEOPLE:,} people in {time.perf_counter() - started:.2f} s")

    dash = get_instrument("dash")
    rules = EligibilityRules()
    referral_date = date(2026, 6, 1)
    timings: list[float] = []
    repeats = near = 0
    for n in range(CHECKS):
        surname, forename, dob = identities[rng.randrange(PEOPLE)]
        if n % 4 == 0:  # a spelling variant: no exact match, found among the near matches
            surname = surname.upper().replace("'", " ") + "e"
        answers = {f"q{q}": rng.choice(("yes", "no", "dont_know")) for q in range(1, 25)}
        incidents = [referral_date - timedelta(days=rng.randrange(500)) for _ in range(rng.randrange(5))]

        t0 = time.perf_counter()
        result = dash.score(answers)
        person = exact.get(blind_index(INDEX_KEY, surname, forename, dob))
        previous: list[PreviousReferral] = person.referrals if person else []
        if person is None:
            wanted = f"{forename} {surname}"
            for candidate in by_dob.get(partial_index(INDEX_KEY, dob), ()):
                name = f"{cipher.decrypt(candidate.forename_token)} {cipher.decrypt(candidate.surname_token)}"
                if name_similarity(wanted, name) >= NEAR_MATCH:
                    previous = previous + candidate.referrals
                    near += 1
        outcome = assess_eligibility(
            result=result,
            professional_judgement=False,
            judgement_reasons=None,
            incidents=incidents,
            referral_date=referral_date,
            previous_referrals=previous,
            rules=rules,
        )
        timings.append((time.perf_counter() - t0) * 1000)
        repeats += outcome.is_repeat

    timings.sort()
    mean = statistics.fmean(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(
        f"{CHECKS:,} checks: mean {mean:.3f} ms, median {timings[len(timings) // 2]:.3f} ms, p99 {p99:.3f} ms"
    )
    print(f"repeats found {repeats:,}; near-match candidates accepted {near:,}")
    print(f"target {TARGET_MS} ms per check: {'met' if p99 <= TARGET_MS else 'NOT met'} (p99)")


if __name__ == "__main__":
    main()
