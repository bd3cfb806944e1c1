"""FREDA-style dangerousness assessment: yes/no items plus the assessor's rating.

The items guide the assessor; the result is the assessor's low / moderate / high, which is required.
The count of "yes" is kept as the score so that it can be reported alongside the rating.
"""

from __future__ import annotations

from collections.abc import Mapping

from marac.cases.instruments.base import (
    AnswerType,
    AssessmentResult,
    AssessorRatedInstrument,
    Question,
    yes_count,
)

_VIOLENCE = "violence and threats"
_CONTROL = "control and the relationship"
_CIRCUMSTANCES = "the abuser's circumstances"

_LABELS: tuple[tuple[str, str], ...] = (
    ("Earlier violence against the victim", _VIOLENCE),
    ("Violence has become more frequent or more serious", _VIOLENCE),
    ("Threats to kill", _VIOLENCE),
    ("A weapon has been used or threatened", _VIOLENCE),
    ("Strangling or choking", _VIOLENCE),
    ("Sexual violence", _VIOLENCE),
    ("Violence towards children or others", _VIOLENCE),
    ("Jealousy or controlling behaviour", _CONTROL),
    ("Separation, or the victim wants to leave", _CONTROL),
    ("Stalking or persistent contact", _CONTROL),
    ("Breaches of a contact ban or other order", _CONTROL),
    ("Substance misuse", _CIRCUMSTANCES),
    ("Mental health problems", _CIRCUMSTANCES),
    ("Has threatened or attempted suicide", _CIRCUMSTANCES),
    ("Victim fears for their life", _CIRCUMSTANCES),
)

QUESTIONS: tuple[Question, ...] = tuple(
    Question(id=f"q{n}", label=label, answer_type=AnswerType.YES_NO, group=group)
    for n, (label, group) in enumerate(_LABELS, start=1)
)

LOW = AssessorRatedInstrument.LOW
MODERATE = AssessorRatedInstrument.MODERATE
HIGH = AssessorRatedInstrument.HIGH


class FredaAssessment(AssessorRatedInstrument):
    """The assessor's rating is the result; the score is the count of "yes"."""

    def __init__(self) -> None:
        super().__init__(
            id="freda",
            version="1",
            title="FREDA-style dangerousness assessment",
            questions=QUESTIONS,
        )

    def _assess(self, answers: Mapping[str, str], assessor_rating: str | None) -> AssessmentResult:
        assert assessor_rating is not None  # required, checked by rating_problems
        score = yes_count(answers, (q.id for q in self.questions))
        explanation = f"{score} of {len(self.questions)} yes; assessor's judgement: {assessor_rating}"
        return self._result(score=score, band=assessor_rating, explanation=explanation)
