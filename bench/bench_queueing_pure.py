"""Pure part of queueing: 10,000 accepted referrals across 300 areas, without the database.

For each area this works out six months of conferences from its series rule and holiday calendar,
places the area's accepted referrals with ``place_referrals`` (and, for comparison, one by one with
``choose_conference``), then builds every conference's agenda.  The §6 target for the whole of
queueing, database included, is 2 s on a 2-core machine; this prints how much of that the domain
rules use.

    .venv/bin/python bench/bench_queueing_pure.py
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from uuid import UUID, uuid4

from marac.agenda.ordering import (
    Candidate,
    Capacity,
    ConferenceSlot,
    build_agenda,
    choose_conference,
    place_referrals,
)
from marac.agenda.recurrence import SeriesRule, lead_times, occurrences
from marac.agenda.workdays import calendar_for

AREAS = 300
REFERRALS = 10_000
JURISDICTIONS = (
    ("GB-ENG", "Europe/London"),
    ("GB-WLS", "Europe/London"),
    ("GB-SCT", "Europe/London"),
    ("GB-NIR", "Europe/London"),
    ("SE", "Europe/Stockholm"),
)
FIRST_DAY = date(2027, 1, 1)
CAPACITY = Capacity(max_cases=None, minutes_per_case=10, meeting_minutes=180)


def area_conferences(index: int) -> list[ConferenceSlot]:
    jurisdiction, zone = JURISDICTIONS[index % len(JURISDICTIONS)]
    calendar = calendar_for(jurisdiction)
    rule = SeriesRule.monthly(
        nth=1 + index % 4,
        weekday=index % 5,
        start_date=FIRST_DAY,
        start_time=wall_time(10, 0),
        duration_minutes=180,
        timezone=zone,
    )
    slots = []
    for meeting in occurrences(rule, calendar, FIRST_DAY, FIRST_DAY + timedelta(days=183)):
        deadlines = lead_times(meeting.local_date, calendar, tz=zone)
        slots.append(ConferenceSlot(uuid4(), deadlines.cut_off, meeting.starts_at, CAPACITY.case_slots))
    return slots


def main() -> None:
    rng = random.Random(2027)
    began = time.perf_counter()
    conferences = [area_conferences(index) for index in range(AREAS)]
    scheduled = time.perf_counter()

    referrals: dict[int, list[tuple[UUID, datetime]]] = defaultdict(list)
    candidates: dict[UUID, Candidate] = {}
    start = datetime(2027, 1, 1, tzinfo=UTC)
    for number in range(REFERRALS):
        area = rng.randrange(AREAS)
        accepted = start + timedelta(minutes=rng.randrange(90 * 24 * 60))
        referral_id = uuid4()
        referrals[area].append((referral_id, accepted))
        candidates[referral_id] = Candidate(
            referral_id=referral_id,
            case_ref=f"M-{number:05d}",
            has_children=rng.random() < 0.6,
            is_repeat=rng.random() < 0.3,
            risk_rank=rng.randrange(1, 25),
            referred_at=accepted - timedelta(days=rng.randrange(1, 10)),
            carried_over=rng.random() < 0.05,
            notification_only=rng.random() < 0.03,
        )

    t0 = time.perf_counter()
    placements = {area: place_referrals(referrals[area], conferences[area]) for area in range(AREAS)}
    t1 = time.perf_counter()
    for area in range(AREAS):
        room = list(conferences[area])
        for _referral_id, accepted in sorted(referrals[area], key=lambda pair: pair[1]):
            chosen = choose_conference(accepted, room)
            if chosen is not None:
                room[room.index(chosen)] = replace(chosen, capacity_left=chosen.capacity_left - 1)
    t2 = time.perf_counter()
    agendas = overflow = unplaced = 0
    for placed in placements.values():
        by_conference: dict[UUID, list[Candidate]] = defaultdict(list)
        for referral_id, conference_id in placed.items():
            if conference_id is None:
                unplaced += 1
            else:
                by_conference[conference_id].append(candidates[referral_id])
        for listed in by_conference.values():
            plan = build_agenda(listed, CAPACITY, start, previous_actions_count=3)
            agendas += 1
            overflow += len(plan.overflow)
    t3 = time.perf_counter()

    rows = [
        (f"conference dates and deadlines, {AREAS} areas x 6 months", scheduled - began),
        (f"place_referrals, {REFERRALS} referrals", t1 - t0),
        ("choose_conference one by one, same referrals", t2 - t1),
        (f"build_agenda, {agendas} conferences", t3 - t2),
        ("queueing + agendas (target for the whole job: 2 s)", (t1 - t0) + (t3 - t2)),
    ]
    for label, seconds in rows:
        print(f"{label:<58} {seconds:7.3f} s")
    print(f"unplaced referrals: {unplaced}, agenda overflow: {overflow}")


if __name__ == "__main__":
    main()
