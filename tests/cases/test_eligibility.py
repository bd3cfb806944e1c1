"""Referral criteria: visible high risk, professional judgement, escalation and repeats."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from marac.cases.eligibility import (
    Criterion,
    Eligibility,
    EligibilityRules,
    PreviousReferral,
    add_months,
    assess_eligibility,
    within_months,
)
from marac.cases.instruments import AssessmentResult, get_instrument
from marac.errors import InvalidInput

REFERRAL = date(2026, 5, 20)


def dash_result(yes: int) -> AssessmentResult:
    answers = {f"q{n}": "yes" if n <= yes else "no" for n in range(1, 25)}
    return get_instrument("dash").score(answers)


def assess(
    *,
    result: AssessmentResult | None = None,
    judgement: bool = False,
    reasons: str | None = None,
    incidents: Sequence[date] = (),
    referral_date: date = REFERRAL,
    previous: Sequence[PreviousReferral] = (),
    rules: EligibilityRules | None = None,
    **extra: Any,
) -> Eligibility:
    return assess_eligibility(
        result=result,
        professional_judgement=judgement,
        judgement_reasons=reasons,
        incidents=incidents,
        referral_date=referral_date,
        previous_referrals=previous,
        rules=rules or EligibilityRules(),
        **extra,
    )


# --- visible high risk and judgement ------------------------------------------------------------


def test_fourteen_yes_is_visible_high_risk() -> None:
    outcome = assess(result=dash_result(14))
    assert outcome.eligible
    assert outcome.criteria == (Criterion.VISIBLE_HIGH_RISK,)
    assert outcome.reasons == ("14 of 24 yes — visible high risk",)


def test_thirteen_yes_alone_is_not_eligible() -> None:
    outcome = assess(result=dash_result(13))
    assert not outcome.eligible
    assert outcome.criteria == ()
    assert outcome.summary == "no referral criterion is met"


def test_judgement_raises_a_medium_result_with_the_reasons_shown() -> None:
    reasons = "Victim disclosed a new threat to kill at the hospital and has nowhere safe to stay tonight"
    outcome = assess(result=dash_result(11), judgement=True, reasons=reasons)
    assert outcome.eligible
    assert outcome.criteria == ("professional_judgement",)
    assert outcome.reasons == (f"professional judgement: {reasons[:80].rstrip()}...",)


def test_short_judgement_reasons_are_shown_whole_with_spacing_tidied() -> None:
    outcome = assess(judgement=True, reasons="  Threats to kill\n after separation ")
    assert outcome.reasons == ("professional judgement: Threats to kill after separation",)


@pytest.mark.parametrize("reasons", [None, "", "   \n\t"])
def test_judgement_without_reasons_is_refused(reasons: str | None) -> None:
    with pytest.raises(InvalidInput) as error:
        assess(result=dash_result(5), judgement=True, reasons=reasons)
    assert [p.field for p in error.value.errors] == ["judgement_reasons"]


def test_judgement_cannot_lower_a_high_result() -> None:
    # No judgement given (or reasons only written, flag off): the instrument's high result still stands.
    for reasons in (None, "I think the risk is lower than the checklist says"):
        outcome = assess(result=dash_result(20), judgement=False, reasons=reasons)
        assert outcome.eligible
        assert outcome.criteria == ("visible_high_risk",)


def test_judgement_and_high_result_are_both_recorded() -> None:
    outcome = assess(result=dash_result(16), judgement=True, reasons="Escalating stalking")
    assert outcome.criteria == ("visible_high_risk", "professional_judgement")


def test_structured_judgement_result_counts_as_high_risk() -> None:
    result = get_instrument("bsafer").score(
        {f"f{n}_{p}": "absent" for n in range(1, 16) for p in ("now", "past")}, "high"
    )
    outcome = assess(result=result)
    assert outcome.reasons == (
        "assessor's judgement: high (0 of 15 factors present now, 0 possibly) — visible high risk",
    )


# --- potential escalation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("incidents", "expected"),
    [
        # The third incident exactly 12 months before the referral is outside the window ...
        ([date(2025, 5, 20), date(2025, 9, 1), date(2026, 4, 1)], False),
        # ... one day later it is inside.
        ([date(2025, 5, 21), date(2025, 9, 1), date(2026, 4, 1)], True),
        # An incident on the referral date itself counts.
        ([date(2025, 9, 1), date(2026, 4, 1), REFERRAL], True),
        # Incidents dated after the referral are not known to it.
        ([date(2025, 9, 1), date(2026, 4, 1), REFERRAL + timedelta(days=1)], False),
        ([date(2025, 9, 1), date(2026, 4, 1)], False),
    ],
)
def test_three_incidents_within_twelve_months_is_potential_escalation(
    incidents: list[date], expected: bool
) -> None:
    outcome = assess(incidents=incidents)
    assert outcome.eligible is expected
    if expected:
        assert outcome.reasons == ("3 police incidents in 12 months — potential escalation",)


def test_area_with_three_in_six_months() -> None:
    rules = EligibilityRules(escalation_incidents=3, escalation_window_months=6)
    incidents = [date(2025, 11, 20), date(2026, 1, 5), date(2026, 5, 1)]
    assert not assess(incidents=incidents, rules=rules).eligible
    incidents[0] = date(2025, 11, 21)
    outcome = assess(incidents=incidents, rules=rules)
    assert outcome.reasons == ("3 police incidents in 6 months — potential escalation",)


# --- repeats ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "is_repeat"),
    [
        (date(2025, 5, 21), True),  # 12 months less a day before: still within
        (date(2025, 5, 20), False),  # exactly 12 months after the last referral: a new referral
        (date(2025, 5, 19), False),
        (REFERRAL, True),  # referred earlier the same day for another incident
    ],
)
def test_repeat_within_twelve_months_of_the_last_referral(last: date, is_repeat: bool) -> None:
    outcome = assess(result=dash_result(2), previous=[PreviousReferral(last, same_perpetrator=True)])
    assert outcome.is_repeat is is_repeat
    assert outcome.eligible is is_repeat  # a repeat is referred whatever the score
    assert outcome.last_referral == last
    if is_repeat:
        assert outcome.reasons == (f"repeat: last referral {last.isoformat()}",)


def test_repeat_is_measured_from_the_latest_referral_with_the_same_perpetrator() -> None:
    previous = [
        PreviousReferral(date(2024, 1, 10), same_perpetrator=True),
        PreviousReferral(date(2026, 3, 10), same_perpetrator=False),
        PreviousReferral(date(2025, 8, 1), same_perpetrator=True),
        PreviousReferral(date(2026, 9, 1), same_perpetrator=True),  # after this referral: not earlier
    ]
    outcome = assess(previous=previous)
    assert (outcome.is_repeat, outcome.last_referral) == (True, date(2025, 8, 1))
    only_other = assess(previous=[previous[1]])
    assert (only_other.is_repeat, only_other.last_referral) == (False, None)


def test_repeat_uses_the_further_incident_date_when_given() -> None:
    previous = [PreviousReferral(date(2025, 5, 1), same_perpetrator=True)]
    late_referral = date(2026, 5, 10)  # over 12 months after the last referral ...
    assert not assess(referral_date=late_referral, previous=previous).is_repeat
    # ... but the incident it reports happened within them.
    outcome = assess(referral_date=late_referral, previous=previous, incident_date=date(2026, 4, 30))
    assert outcome.is_repeat


def test_all_criteria_together_in_a_fixed_order() -> None:
    outcome = assess(
        result=dash_result(15),
        judgement=True,
        reasons="Children present at every incident",
        incidents=[date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)],
        previous=[PreviousReferral(date(2026, 3, 10), same_perpetrator=True)],
    )
    assert outcome.criteria == (
        "visible_high_risk",
        "professional_judgement",
        "potential_escalation",
        "repeat",
    )
    assert outcome.reasons[2] == "4 police incidents in 12 months — potential escalation"
    assert outcome.reasons[3] == "repeat: last referral 2026-03-10"


# --- month arithmetic and input checks ----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 2, 29), -12, date(2023, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -13, date(2024, 12, 15)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_twelve_months_around_29_february() -> None:
    # Referral on 29 February 2024: the window starts after 28 February 2023.
    assert not within_months(date(2023, 2, 28), date(2024, 2, 29), 12)
    assert within_months(date(2023, 3, 1), date(2024, 2, 29), 12)
    # Last referral on 29 February 2024: a further incident on 28 February 2025 is a repeat,
    # on 1 March 2025 it is a new referral.
    previous = [PreviousReferral(date(2024, 2, 29), same_perpetrator=True)]
    assert assess(referral_date=date(2025, 2, 28), previous=previous).is_repeat
    assert not assess(referral_date=date(2025, 3, 1), previous=previous).is_repeat


def test_escalation_window_from_29_february() -> None:
    incidents = [date(2023, 2, 28), date(2023, 6, 1), date(2024, 1, 1)]
    assert not assess(referral_date=date(2024, 2, 29), incidents=incidents).eligible
    incidents[0] = date(2023, 3, 1)
    assert assess(referral_date=date(2024, 2, 29), incidents=incidents).eligible


def test_datetimes_are_refused_where_dates_are_meant() -> None:
    with pytest.raises(InvalidInput) as error:
        assess(incidents=[date(2026, 1, 1), datetime(2026, 2, 1, 9, 30, tzinfo=UTC)])
    assert [p.field for p in error.value.errors] == ["incidents.1"]


@pytest.mark.parametrize(
    "settings",
    [{"escalation_incidents": 0}, {"repeat_window_months": -1}, {"escalation_window_months": True}],
)
def test_unusable_rules_are_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as error:
        EligibilityRules.from_mapping(settings)
    assert [p.field for p in error.value.errors] == [f"rules.{next(iter(settings))}"]


def test_rules_from_area_settings() -> None:
    rules = EligibilityRules.from_mapping({"escalation_window_months": 6})
    assert rules == EligibilityRules(
        escalation_incidents=3, escalation_window_months=6, repeat_window_months=12
    )
    with pytest.raises(InvalidInput, match="not usable"):
        EligibilityRules.from_mapping({"repeat_months": 6})
