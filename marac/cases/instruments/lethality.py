"""Lethality-screen style instrument: 11 yes/no items.

High when any of items 1-3 is "yes", when 4 or more of items 4-11 are "yes", or when the assessor
believes so.  Labels are our own paraphrases.
"""

from __future__ import annotations

from collections.abc import Mapping

from marac.cases.instruments.base import (
    YES,
    AnswerType,
    AssessmentResult,
    AssessorRating,
    Band,
    Instrument,
    Question,
    yes_count,
)

_TRIGGER = "any one means high danger"
_FURTHER = "four or more mean high danger"

_LABELS: tuple[str, ...] = (
    "A weapon has been used or threatened",
    "Threats to kill the victim or the children",
    "Victim believes they may be killed",
    "Has a gun or can easily get one",
    "Has ever tried to strangle or choke",
    "Violently jealous or controls daily life",
    "Victim has left or separated after living together",
    "Is unemployed",
    "Has tried to kill themself",
    "Victim has a child the abuser knows is not theirs",
    "Follows, spies on or leaves threatening messages",
)

TRIGGER_ITEMS = ("q1", "q2", "q3")
FURTHER_ITEMS = tuple(f"q{n}" for n in range(4, 12))
FURTHER_NEEDED = 4

QUESTIONS: tuple[Question, ...] = tuple(
    Question(
        id=f"q{n}",
        label=label,
        answer_type=AnswerType.YES_NO,
        group=_TRIGGER if f"q{n}" in TRIGGER_ITEMS else _FURTHER,
    )
    for n, label in enumerate(_LABELS, start=1)
)

STANDARD = "standard"
HIGH = "high"


class LethalityScreen(Instrument):
    """The result is high or standard; the score reported is the total count of "yes"."""

    def __init__(self) -> None:
        super().__init__(
            id="lethality",
            version="1",
            title="Lethality screen",
            questions=QUESTIONS,
            judgement_may_raise=True,
            assessor_rating=AssessorRating(allowed=(STANDARD, HIGH), required=False),
        )

    @property
    def bands(self) -> tuple[Band, ...]:
        return (Band(STANDARD, high_risk=False), Band(HIGH, high_risk=True))

    def _assess(self, answers: Mapping[str, str], assessor_rating: str | None) -> AssessmentResult:
        score = yes_count(answers, (q.id for q in self.questions))
        triggers = [qid for qid in TRIGGER_ITEMS if answers.get(qid) == YES]
        further = yes_count(answers, FURTHER_ITEMS)
        summary = f"{score} of {len(self.questions)} yes"
        if triggers:
            items = ", ".join(qid.removeprefix("q") for qid in triggers)
            noun = "item" if len(triggers) == 1 else "items"
            return self._result(score=score, band=HIGH, explanation=f"{summary}; {noun} {items} yes — high")
        if further >= FURTHER_NEEDED:
            explanation = f"{summary}; {further} of items 4-11 yes — high"
            return self._result(score=score, band=HIGH, explanation=explanation)
        if assessor_rating == HIGH:
            explanation = f"{summary}; high by the assessor's judgement"
            return self._result(score=score, band=HIGH, explanation=explanation, raised_by_judgement=True)
        return self._result(score=score, band=STANDARD, explanation=f"{summary}; not high")
