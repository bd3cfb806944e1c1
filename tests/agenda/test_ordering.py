"""Agenda order, capacity overflow and which conference a referral is queued for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

import pytest

from marac.agenda.ordering import (
    AgendaTimings,
    Candidate,
    Capacity,
    ConferenceSlot,
    build_agenda,
    choose_conference,
    order_section,
    place_referrals,
)
from marac.errors import InvalidInput

MEETING = datetime(2027, 4, 13, 9, 0, tzinfo=UTC)  # 10:00 in London
ROOMY = Capacity(max_cases=None, minutes_per_case=15, meeting_minutes=240)


def ref_id(case_ref: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"referral/{case_ref}")


def candidate(case_ref: str, **overrides: Any) -> Candidate:
    fields: dict[str, Any] = {
        "referral_id": ref_id(case_ref),
        "case_ref": case_ref,
        "has_children": False,
        "is_repeat": False,
        "risk_rank": 1,
        "referred_at": datetime(2027, 3, 1, 12, 0, tzinfo=UTC),
    }
    fields.update(overrides)
    return Candidate(**fields)


def listed(plan_items: Any) -> list[str]:
    return [item.candidate.case_ref for item in plan_items if item.candidate is not None]


def test_sections_run_in_meeting_order() -> None:
    plan = build_agenda(
        [
            candidate("M-3", notification_only=True),
            candidate("M-2"),
            candidate("M-1", has_children=True),
        ],
        ROOMY,
        MEETING,
        previous_actions_count=4,
    )

    assert [item.section for item in plan.items] == [
        "introductions",
        "confidentiality",
        "previous_actions",
        "children",
        "adults",
        "twelve_month",
        "aob",
    ]
    assert listed(plan.items) == ["M-1", "M-2", "M-3"]
    assert [item.number for item in plan.items] == list(range(1, 8))


def test_no_previous_actions_item_when_none_are_outstanding() -> None:
    plan = build_agenda([candidate("M-1")], ROOMY, MEETING)

    assert plan.section("previous_actions") == ()


def test_children_cases_come_before_adult_only_cases_whatever_their_risk() -> None:
    plan = build_agenda(
        [
            candidate("A-1", risk_rank=9, is_repeat=True),
            candidate("C-1", has_children=True, risk_rank=1),
            candidate("A-2", risk_rank=5),
            candidate("C-2", has_children=True, risk_rank=3),
        ],
        ROOMY,
        MEETING,
    )

    assert listed(plan.section("children")) == ["C-2", "C-1"]
    assert listed(plan.section("adults")) == ["A-1", "A-2"]
    assert listed(plan.cases) == ["C-2", "C-1", "A-1", "A-2"]


def test_within_a_section_repeats_then_risk_then_referral_date_then_case_ref() -> None:
    early = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    late = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)
    plan = build_agenda(
        [
            candidate("M-20", risk_rank=5, referred_at=late),
            candidate("M-10", risk_rank=2, is_repeat=True),
            candidate("M-12", risk_rank=5, referred_at=early),
            candidate("M-30", risk_rank=7),
            candidate("M-11", risk_rank=5, referred_at=early),
        ],
        ROOMY,
        MEETING,
    )

    assert listed(plan.section("adults")) == ["M-10", "M-30", "M-11", "M-12", "M-20"]
    assert [item.position for item in plan.section("adults")] == [1, 2, 3, 4, 5]


def test_carried_over_case_heads_its_section_above_repeats() -> None:
    plan = build_agenda(
        [
            candidate("C-1", has_children=True, is_repeat=True, risk_rank=9),
            candidate("C-2", has_children=True, carried_over=True, risk_rank=0),
            candidate("A-1", carried_over=True),
        ],
        ROOMY,
        MEETING,
    )

    assert listed(plan.section("children")) == ["C-2", "C-1"]
    assert listed(plan.section("adults")) == ["A-1"]


@pytest.mark.parametrize(
    ("pins", "expected"),
    [
        ({"M-4": 1}, ["M-4", "M-1", "M-2", "M-3"]),
        ({"M-4": 2}, ["M-1", "M-4", "M-2", "M-3"]),
        ({"M-1": 4}, ["M-2", "M-3", "M-4", "M-1"]),
        ({"M-1": 99}, ["M-2", "M-3", "M-4", "M-1"]),  # beyond the end: last
        ({"M-4": 1, "M-3": 1}, ["M-3", "M-4", "M-1", "M-2"]),  # same pin: higher priority first
        ({"M-4": 1, "M-3": 3}, ["M-4", "M-1", "M-3", "M-2"]),
    ],
)
def test_coordinator_pins_keep_their_place(pins: dict[str, int], expected: list[str]) -> None:
    candidates = [
        candidate(f"M-{rank}", risk_rank=10 - rank, pinned_position=pins.get(f"M-{rank}"))
        for rank in range(1, 5)
    ]

    plan = build_agenda(candidates, ROOMY, MEETING)

    assert listed(plan.section("adults")) == expected


@pytest.mark.parametrize(
    ("capacity", "slots"),
    [
        (Capacity(max_cases=None, minutes_per_case=10, meeting_minutes=180), 16),
        (Capacity(max_cases=12, minutes_per_case=10, meeting_minutes=180), 12),
        (Capacity(max_cases=30, minutes_per_case=15, meeting_minutes=180), 10),
        (Capacity(max_cases=None, minutes_per_case=15, meeting_minutes=180, fixed_minutes=15), 11),
        (Capacity(max_cases=None, minutes_per_case=15, meeting_minutes=15), 0),
    ],
)
def test_capacity_is_meeting_time_over_minutes_per_case_capped_by_the_maximum(
    capacity: Capacity, slots: int
) -> None:
    assert capacity.case_slots == slots


def test_overflow_moves_the_lowest_priority_cases() -> None:
    capacity = Capacity(max_cases=3, minutes_per_case=15, meeting_minutes=240)
    plan = build_agenda(
        [
            candidate("A-low", risk_rank=1),
            candidate("A-high", risk_rank=8),
            candidate("C-low", has_children=True, risk_rank=1),
            candidate("A-repeat", is_repeat=True, risk_rank=2),
            candidate("C-high", has_children=True, risk_rank=9),
        ],
        capacity,
        MEETING,
    )

    assert listed(plan.cases) == ["C-high", "C-low", "A-repeat"]
    assert [c.case_ref for c in plan.overflow] == ["A-high", "A-low"]


def test_children_first_does_not_push_a_carried_over_case_out_again() -> None:
    capacity = Capacity(max_cases=3, minutes_per_case=15, meeting_minutes=240)
    plan = build_agenda(
        [
            candidate("C-1", has_children=True, risk_rank=9, is_repeat=True),
            candidate("C-2", has_children=True, risk_rank=8),
            candidate("C-3", has_children=True, risk_rank=7),
            candidate("A-carried", carried_over=True, risk_rank=1),
        ],
        capacity,
        MEETING,
    )

    assert listed(plan.cases) == ["C-1", "C-2", "A-carried"]
    assert [c.case_ref for c in plan.overflow] == ["C-3"]


def test_notification_only_cases_take_no_discussion_slot_and_never_overflow() -> None:
    capacity = Capacity(max_cases=1, minutes_per_case=15, meeting_minutes=240)
    plan = build_agenda(
        [
            candidate("N-1", notification_only=True, has_children=True),
            candidate("M-1"),
            candidate("N-2", notification_only=True),
        ],
        capacity,
        MEETING,
    )

    assert plan.overflow == ()
    assert listed(plan.section("twelve_month")) == ["N-1", "N-2"]
    assert all(item.starts_at == item.ends_at for item in plan.section("twelve_month"))


def test_time_slots_run_from_the_meeting_start_in_utc() -> None:
    plan = build_agenda(
        [
            candidate("C-1", has_children=True, risk_rank=5),
            candidate("C-2", has_children=True, risk_rank=4),
            candidate("A-1"),
            candidate("N-1", notification_only=True),
        ],
        ROOMY,
        MEETING,
        previous_actions_count=3,
    )

    slots = [
        (item.section, item.starts_at.strftime("%H:%M"), item.ends_at.strftime("%H:%M"))
        for item in plan.items
    ]
    assert slots == [
        ("introductions", "09:00", "09:05"),
        ("confidentiality", "09:05", "09:10"),
        ("previous_actions", "09:10", "09:15"),
        ("children", "09:15", "09:30"),
        ("children", "09:30", "09:45"),
        ("adults", "09:45", "10:00"),
        ("twelve_month", "10:00", "10:00"),
        ("aob", "10:00", "10:05"),
    ]
    assert all(item.starts_at.tzinfo is UTC for item in plan.items)
    assert plan.ends_at == MEETING + timedelta(minutes=65)


def test_time_slots_follow_the_area_timings_and_convert_the_start_to_utc() -> None:
    local_start = datetime(2027, 4, 13, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    timings = AgendaTimings(
        introductions_minutes=10, confidentiality_minutes=2, notification_minutes=1, aob_minutes=0
    )

    plan = build_agenda(
        [candidate("A-1"), candidate("N-1", notification_only=True)],
        Capacity(max_cases=None, minutes_per_case=12, meeting_minutes=120),
        local_start,
        timings=timings,
    )

    assert plan.starts_at == MEETING
    assert [(item.starts_at - MEETING).seconds // 60 for item in plan.items] == [0, 10, 12, 24, 25]
    assert plan.ends_at == MEETING + timedelta(minutes=25)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: build_agenda([], ROOMY, datetime(2027, 4, 13, 9, 0)), "starts_at"),
        (lambda: build_agenda([candidate("M-1"), candidate("M-1")], ROOMY, MEETING), "candidates"),
        (lambda: build_agenda([], ROOMY, MEETING, previous_actions_count=-1), "previous_actions_count"),
        (lambda: candidate("M-1", referred_at=datetime(2027, 3, 1)), "referred_at"),
        (lambda: candidate("M-1", pinned_position=0), "pinned_position"),
        (lambda: Capacity(max_cases=None, minutes_per_case=0, meeting_minutes=180), "minutes_per_case"),
    ],
)
def test_bad_input_is_refused_naming_the_field(call: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        call()

    assert caught.value.errors[0].field == field


CUT_OFF = datetime(2027, 4, 1, 16, 0, tzinfo=UTC)  # 17:00 BST


def slot(name: str, cut_off: datetime, **overrides: Any) -> ConferenceSlot:
    fields: dict[str, Any] = {
        "conference_id": uuid5(NAMESPACE_URL, f"conference/{name}"),
        "cut_off": cut_off,
        "starts_at": cut_off + timedelta(days=12),
        "capacity_left": 5,
    }
    fields.update(overrides)
    return ConferenceSlot(**fields)


APRIL = slot("april", CUT_OFF)
MAY = slot("may", CUT_OFF + timedelta(days=28))


@pytest.mark.parametrize(
    ("accepted_at", "expected"),
    [
        (CUT_OFF - timedelta(minutes=1), APRIL),
        (CUT_OFF, MAY),  # at the cut-off itself is too late
        (CUT_OFF + timedelta(minutes=1), MAY),
        (MAY.cut_off + timedelta(minutes=1), None),
    ],
)
def test_referral_goes_to_the_first_conference_whose_cut_off_is_still_ahead(
    accepted_at: datetime, expected: ConferenceSlot | None
) -> None:
    assert choose_conference(accepted_at, [MAY, APRIL]) == expected


def test_full_or_closed_conferences_are_passed_over() -> None:
    early = CUT_OFF - timedelta(days=3)
    full = slot("april", CUT_OFF, capacity_left=0)
    listed_already = slot("extra", CUT_OFF - timedelta(days=1), status="listed")

    assert choose_conference(early, [full, listed_already, MAY]) == MAY
    assert (
        choose_conference(early, [listed_already], accepting_statuses={"scheduled", "listed"})
        == listed_already
    )


def test_choose_conference_refuses_a_naive_acceptance_time() -> None:
    with pytest.raises(InvalidInput):
        choose_conference(datetime(2027, 3, 1, 9, 0), [APRIL])


def test_place_referrals_fills_conferences_in_order_of_acceptance() -> None:
    april = slot("april", CUT_OFF, capacity_left=2)
    base = CUT_OFF - timedelta(days=2)
    referrals = [
        (ref_id("third"), base + timedelta(hours=3)),
        (ref_id("first"), base + timedelta(hours=1)),
        (ref_id("late"), CUT_OFF + timedelta(minutes=1)),
        (ref_id("second"), base + timedelta(hours=2)),
    ]

    placed = place_referrals(referrals, [MAY, april])

    assert placed == {
        ref_id("first"): april.conference_id,
        ref_id("second"): april.conference_id,
        ref_id("third"): MAY.conference_id,
        ref_id("late"): MAY.conference_id,
    }


def test_place_referrals_matches_choose_conference_one_by_one() -> None:
    slots = [slot(f"c{i}", CUT_OFF + timedelta(days=14 * i), capacity_left=3) for i in range(4)]
    referrals = [(ref_id(f"r{i}"), CUT_OFF - timedelta(days=1) + timedelta(days=5 * i)) for i in range(14)]

    placed = place_referrals(referrals, slots)

    expected: dict[UUID, UUID | None] = {}
    room = {s.conference_id: s.capacity_left for s in slots}
    for referral, accepted in referrals:
        live = [
            ConferenceSlot(s.conference_id, s.cut_off, s.starts_at, room[s.conference_id], s.status)
            for s in slots
        ]
        chosen = choose_conference(accepted, live)
        expected[referral] = chosen.conference_id if chosen else None
        if chosen:
            room[chosen.conference_id] -= 1
    assert placed == expected
    assert None in placed.values()  # 14 referrals, 12 places


def test_order_section_accepts_a_one_pass_iterable() -> None:
    section = (candidate(f"M-{n}", risk_rank=n, pinned_position=1 if n == 1 else None) for n in range(1, 4))

    assert [c.case_ref for c in order_section(section)] == ["M-1", "M-3", "M-2"]
