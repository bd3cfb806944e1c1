"""Whether a referral meets the MARAC criteria (DESIGN.md section 2).

A case is eligible when any criterion holds: visible high risk (the instrument's result is high),
professional judgement (with written reasons), potential escalation (enough police incidents in a
window) or repeat (a further incident with the same perpetrator within a window after the last referral).

How "within N months" is counted, for both windows: an earlier date is within N months of a later one
when it is on or before the later date and strictly after the later date minus N calendar months.  So an
incident exactly 12 months before the referral does not count towards escalation, and an incident exactly
12 months after the last referral is a new referral, not a repeat.  Subtracting months keeps the day of
the month, clamped to the month's last day (29 February 2024 minus 12 months is 28 February 2023), which
means the 12 months after 29 February 2024 run to 28 February 2025 inclusive.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from marac.cases.instruments.base import AssessmentResult
from marac.errors import FieldProblem, InvalidInput

JUDGEMENT_EXCERPT = 80


class Criterion(StrEnum):
    """Why a case is eligible; the values are stored with the referral and counted in data returns."""

    VISIBLE_HIGH_RISK = "visible_high_risk"
    PROFESSIONAL_JUDGEMENT = "professional_judgement"
    POTENTIAL_ESCALATION = "potential_escalation"
    REPEAT = "repeat"


@dataclass(frozen=True)
class EligibilityRules:
    """An area's numbers for the criteria; the defaults are the common national practice."""

    escalation_incidents: int = 3
    escalation_window_months: int = 12
    repeat_window_months: int = 12

    def __post_init__(self) -> None:
        problems = [
            FieldProblem(f"rules.{name}", "must be a whole number, 1 or more")
            for name in ("escalation_incidents", "escalation_window_months", "repeat_window_months")
            if not _positive_int(getattr(self, name))
        ]
        if problems:
            raise InvalidInput("eligibility rules are not usable", errors=problems)

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> EligibilityRules:
        """Build from an area's settings; keys left out keep the defaults, unknown keys are refused."""
        known = {"escalation_incidents", "escalation_window_months", "repeat_window_months"}
        unknown = [
            FieldProblem(f"rules.{key}", "not an eligibility rule") for key in settings if key not in known
        ]
        if unknown:
            raise InvalidInput("eligibility rules are not usable", errors=unknown)
        return cls(**dict(settings))


@dataclass(frozen=True)
class PreviousReferral:
    """An earlier referral of the same victim to this MARAC."""

    date: dt.date
    same_perpetrator: bool


@dataclass(frozen=True)
class Eligibility:
    """The outcome: which criteria hold, each with a reason a person can read.

    ``last_referral`` is the latest earlier referral with the same perpetrator, whether or not it is
    recent enough to make this a repeat.
    """

    eligible: bool
    criteria: tuple[Criterion, ...]
    reasons: tuple[str, ...]
    is_repeat: bool
    last_referral: dt.date | None

    @property
    def summary(self) -> str:
        """One line for a referrer: the reasons, or why nothing applies."""
        return "; ".join(self.reasons) if self.reasons else "no referral criterion is met"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole calendar months (negative goes back), clamped to the month's end."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def within_months(earlier: dt.date, later: dt.date, months: int) -> bool:
    """True when ``earlier`` is on or before ``later`` and strictly after ``later`` minus ``months``."""
    return add_months(later, -months) < earlier <= later


def assess_eligibility(
    *,
    result: AssessmentResult | None,
    professional_judgement: bool,
    judgement_reasons: str | None,
    incidents: Sequence[dt.date],
    referral_date: dt.date,
    previous_referrals: Sequence[PreviousReferral],
    rules: EligibilityRules,
    incident_date: dt.date | None = None,
) -> Eligibility:
    """Decide which MARAC criteria a referral meets.

    ``incidents`` are the dates of domestic-abuse incidents known to police; those after the referral
    date are ignored.  ``incident_date`` is the date of the further incident this referral is about,
    used for the repeat rule; it defaults to the referral date.  Professional judgement without written
    reasons is refused (:class:`InvalidInput` on ``judgement_reasons``).  Judgement only ever adds a
    criterion, so a high instrument result stays eligible whatever the judgement flag says.
    """
    _check_dates(incidents, referral_date, previous_referrals, incident_date)
    reasons_text = " ".join((judgement_reasons or "").split())
    if professional_judgement and not reasons_text:
        raise InvalidInput.for_field(
            "judgement_reasons", "professional judgement needs the referrer's written reasons"
        )

    criteria: list[Criterion] = []
    reasons: list[str] = []
    if result is not None and result.high_risk:
        criteria.append(Criterion.VISIBLE_HIGH_RISK)
        reasons.append(f"{result.explanation} — visible high risk")
    if professional_judgement:
        criteria.append(Criterion.PROFESSIONAL_JUDGEMENT)
        excerpt = reasons_text[:JUDGEMENT_EXCERPT]
        if len(reasons_text) > JUDGEMENT_EXCERPT:
            excerpt = excerpt.rstrip() + "..."
        reasons.append(f"professional judgement: {excerpt}")

    window = rules.escalation_window_months
    recent = sum(1 for day in incidents if within_months(day, referral_date, window))
    if recent >= rules.escalation_incidents:
        criteria.append(Criterion.POTENTIAL_ESCALATION)
        noun = "incident" if recent == 1 else "incidents"
        reasons.append(f"{recent} police {noun} in {window} months — potential escalation")

    further_incident = incident_date or referral_date
    last_referral = max(
        (p.date for p in previous_referrals if p.same_perpetrator and p.date <= further_incident),
        default=None,
    )
    is_repeat = last_referral is not None and within_months(
        last_referral, further_incident, rules.repeat_window_months
    )
    if is_repeat:
        assert last_referral is not None  # narrowed for the type checker
        criteria.append(Criterion.REPEAT)
        reasons.append(f"repeat: last referral {last_referral.isoformat()}")

    return Eligibility(
        eligible=bool(criteria),
        criteria=tuple(criteria),
        reasons=tuple(reasons),
        is_repeat=is_repeat,
        last_referral=last_referral,
    )


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _check_dates(
    incidents: Sequence[dt.date],
    referral_date: dt.date,
    previous_referrals: Sequence[PreviousReferral],
    incident_date: dt.date | None,
) -> None:
    """Refuse datetimes where calendar dates are meant: comparing the two would fail or mislead."""
    problems: list[FieldProblem] = []
    if isinstance(referral_date, dt.datetime):
        problems.append(FieldProblem("referral_date", "must be a calendar date, not a date and time"))
    if incident_date is not None and isinstance(incident_date, dt.datetime):
        problems.append(FieldProblem("incident_date", "must be a calendar date, not a date and time"))
    problems += [
        FieldProblem(f"incidents.{n}", "must be a calendar date, not a date and time")
        for n, day in enumerate(incidents)
        if isinstance(day, dt.datetime)
    ]
    problems += [
        FieldProblem(f"previous_referrals.{n}.date", "must be a calendar date, not a date and time")
        for n, previous in enumerate(previous_referrals)
        if isinstance(previous.date, dt.datetime)
    ]
    if problems:
        raise InvalidInput("dates are not usable", errors=problems)
