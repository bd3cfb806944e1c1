"""DASH-style risk checklist: 24 yes / no / don't-know questions, scored by counting "yes".

Labels are our own short paraphrases of the topics a DASH-style checklist covers; an area with the
licensed form loads its wording with :meth:`Instrument.with_labels`.  Band boundaries are local practice,
so an area may set them (:meth:`DashChecklist.with_thresholds`).
"""

from __future__ import annotations

from collections.abc import Mapping

from marac.cases.instruments.base import (
    DONT_KNOW,
    AnswerType,
    AssessmentResult,
    AssessorRating,
    Band,
    Instrument,
    Question,
    yes_count,
)
from marac.errors import FieldProblem, InvalidInput

_CURRENT = "current situation"
_PATTERN = "pattern of abuse"
_ABUSER = "the person causing harm"

_LABELS: tuple[tuple[str, str], ...] = (
    ("Injury in the current incident", _CURRENT),
    ("Victim is very frightened", _CURRENT),
    ("Victim fears further harm", _CURRENT),
    ("Victim is isolated from family or friends", _CURRENT),
    ("Victim has low mood or thoughts of suicide", _CURRENT),
    ("Separation, or an attempt to separate, in the past year", _CURRENT),
    ("Conflict over contact with children", _CURRENT),
    ("Persistent contact, following or harassment", _CURRENT),
    ("Victim is pregnant or has recently given birth", _CURRENT),
    ("Abuse is happening more often", _PATTERN),
    ("Abuse is getting worse", _PATTERN),
    ("Controlling or extremely jealous behaviour", _PATTERN),
    ("A weapon or object has been used to hurt", _PATTERN),
    ("Threats to kill the victim or someone else", _PATTERN),
    ("Strangling, choking, suffocating or drowning", _PATTERN),
    ("Sexual abuse", _PATTERN),
    ("Threats from, or fear of, another person", _PATTERN),
    ("Has hurt someone else (children, relatives, others)", _ABUSER),
    ("Has hurt an animal or pet", _ABUSER),
    ("Financial dependence or money problems", _ABUSER),
    ("Problems with alcohol, drugs or mental health", _ABUSER),
    ("Has threatened or attempted suicide", _ABUSER),
    ("Has breached bail, an order or an agreement", _ABUSER),
    ("Known to police or has a criminal history", _ABUSER),
)

QUESTIONS: tuple[Question, ...] = tuple(
    Question(id=f"q{n}", label=label, answer_type=AnswerType.YES_NO_DONTKNOW, group=group)
    for n, (label, group) in enumerate(_LABELS, start=1)
)

STANDARD = "standard"
MEDIUM = "medium"
HIGH = "high"
_BAND_ORDER = (STANDARD, MEDIUM, HIGH)

DEFAULT_HIGH = 14
DEFAULT_MEDIUM = 10


class DashChecklist(Instrument):
    """Counts "yes" answers: ``high`` from ``high_threshold``, ``medium`` from ``medium_threshold``.

    The assessor may give an overall rating (standard / medium / high) that raises the band, never
    lowers it.
    """

    def __init__(self, *, high_threshold: int = DEFAULT_HIGH, medium_threshold: int = DEFAULT_MEDIUM) -> None:
        super().__init__(
            id="dash",
            version="1",
            title="DASH-style risk checklist",
            questions=QUESTIONS,
            judgement_may_raise=True,
            assessor_rating=AssessorRating(allowed=_BAND_ORDER, required=False),
        )
        _check_thresholds(high_threshold, medium_threshold, len(QUESTIONS))
        self.high_threshold = high_threshold
        self.medium_threshold = medium_threshold

    def with_thresholds(self, thresholds: Mapping[str, int]) -> DashChecklist:
        """A copy with an area's band boundaries, e.g. ``{"high": 14, "medium": 10}``.

        Keys left out keep their current value.
        """
        unknown = [
            FieldProblem(f"thresholds.{key}", "not a DASH band (use high or medium)")
            for key in thresholds
            if key not in ("high", "medium")
        ]
        if unknown:
            raise InvalidInput("DASH thresholds: unknown band", errors=unknown)
        high = thresholds.get("high", self.high_threshold)
        medium = thresholds.get("medium", self.medium_threshold)
        _check_thresholds(high, medium, len(self.questions))
        return self._copy_with(high_threshold=high, medium_threshold=medium)

    @property
    def bands(self) -> tuple[Band, ...]:
        total = len(self.questions)
        return (
            Band(STANDARD, high_risk=False, min_score=0, max_score=self.medium_threshold - 1),
            Band(MEDIUM, high_risk=False, min_score=self.medium_threshold, max_score=self.high_threshold - 1),
            Band(HIGH, high_risk=True, min_score=self.high_threshold, max_score=total),
        )

    def band_for(self, score: int) -> str:
        """The band a count of "yes" falls in."""
        if score >= self.high_threshold:
            return HIGH
        if score >= self.medium_threshold:
            return MEDIUM
        return STANDARD

    def _assess(self, answers: Mapping[str, str], assessor_rating: str | None) -> AssessmentResult:
        ids = [q.id for q in self.questions]
        score = yes_count(answers, ids)
        dont_know = sum(1 for qid in ids if answers.get(qid) == DONT_KNOW)
        explanation = f"{score} of {len(ids)} yes"
        if dont_know:
            explanation += f" ({dont_know} don't know)"
        band = self.band_for(score)
        raised = False
        if assessor_rating is not None and assessor_rating != band:
            if _BAND_ORDER.index(assessor_rating) > _BAND_ORDER.index(band):
                explanation += f"; raised from {band} to {assessor_rating} by the assessor's judgement"
                band, raised = assessor_rating, True
            else:
                explanation += f"; the assessor's rating of {assessor_rating} does not lower the result"
        return self._result(score=score, band=band, explanation=explanation, raised_by_judgement=raised)


def _check_thresholds(high: object, medium: object, total: int) -> None:
    problems: list[FieldProblem] = []
    for name, value in (("high", high), ("medium", medium)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= total:
            problems.append(FieldProblem(f"thresholds.{name}", f"must be a whole number from 1 to {total}"))
    if not problems and isinstance(high, int) and isinstance(medium, int) and medium > high:
        problems.append(FieldProblem("thresholds.medium", "must not be above the high threshold"))
    if problems:
        raise InvalidInput("DASH thresholds are not usable", errors=problems)
