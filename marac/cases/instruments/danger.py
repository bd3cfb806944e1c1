"""Danger-assessment style instrument: weighted yes/no items.

The weights are licensed, so the service ships without them: until an administrator loads them
(:meth:`DangerAssessment.load_weights`) the instrument can be shown but not scored.  Bands: below 8
"variable", 8-13 "increased", 14-17 "severe", 18 and over "extreme"; high risk from "severe" up.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from marac.cases.instruments.base import (
    YES,
    AnswerType,
    AssessmentResult,
    AssessorRating,
    Band,
    Instrument,
    Question,
    raise_if_problems,
    read_json_mapping,
)
from marac.errors import FieldProblem, Unavailable

_VIOLENCE = "violence and threats"
_CONTROL = "control and the relationship"
_CIRCUMSTANCES = "circumstances"

_LABELS: tuple[tuple[str, str], ...] = (
    ("Violence has become more frequent or severe over the past year", _VIOLENCE),
    ("Owns a gun", _CIRCUMSTANCES),
    ("Victim left after living together in the past year", _CONTROL),
    ("Is unemployed", _CIRCUMSTANCES),
    ("Has used a weapon or threatened with one", _VIOLENCE),
    ("Threatens to kill the victim", _VIOLENCE),
    ("Has avoided arrest for domestic violence", _CIRCUMSTANCES),
    ("Victim has a child who is not the abuser's", _CONTROL),
    ("Has forced sex on the victim", _VIOLENCE),
    ("Has strangled or choked the victim", _VIOLENCE),
    ("Uses illegal drugs", _CIRCUMSTANCES),
    ("Has a drinking problem", _CIRCUMSTANCES),
    ("Controls most of the victim's daily life", _CONTROL),
    ("Violently and constantly jealous", _CONTROL),
    ("Has hurt the victim while pregnant", _VIOLENCE),
    ("Has threatened or attempted suicide", _CIRCUMSTANCES),
    ("Threatens to harm the children", _VIOLENCE),
    ("Victim believes the abuser could kill them", _VIOLENCE),
    ("Follows, spies on or leaves threatening messages", _CONTROL),
    ("Victim has threatened or attempted suicide", _CIRCUMSTANCES),
)

QUESTIONS: tuple[Question, ...] = tuple(
    Question(id=f"q{n}", label=label, answer_type=AnswerType.YES_NO, group=group)
    for n, (label, group) in enumerate(_LABELS, start=1)
)

VARIABLE = "variable"
INCREASED = "increased"
SEVERE = "severe"
EXTREME = "extreme"

BANDS: tuple[Band, ...] = (
    Band(VARIABLE, high_risk=False, min_score=0, max_score=7),
    Band(INCREASED, high_risk=False, min_score=8, max_score=13),
    Band(SEVERE, high_risk=True, min_score=14, max_score=17),
    Band(EXTREME, high_risk=True, min_score=18, max_score=None),
)

_NOT_LOADED = (
    "the danger-assessment weights are licensed and have not been loaded here; "
    "an administrator must load them before this instrument can be scored"
)


class DangerAssessment(Instrument):
    """Sum of the weights of the "yes" items, banded by :data:`BANDS`."""

    def __init__(self, weights: Mapping[str, int] | None = None) -> None:
        super().__init__(
            id="danger",
            version="1",
            title="Danger-assessment style instrument",
            questions=QUESTIONS,
            judgement_may_raise=False,
            assessor_rating=AssessorRating(),
        )
        self._weights: Mapping[str, int] | None = None
        if weights is not None:
            self._weights = self._checked_weights(weights)

    @property
    def bands(self) -> tuple[Band, ...]:
        return BANDS

    @property
    def ready(self) -> bool:
        return self._weights is not None

    def notes(self) -> tuple[str, ...]:
        return () if self.ready else (_NOT_LOADED,)

    def load_weights(self, source: str | os.PathLike[str] | Mapping[str, Any]) -> DangerAssessment:
        """A copy that can be scored, with weights from a JSON file or mapping ``{"q1": 4, ...}``.

        Every question needs a whole, non-negative weight; anything else is refused naming each entry.
        """
        weights = self._checked_weights(read_json_mapping(source, "weights"))
        return self._copy_with(_weights=weights)

    def _checked_weights(self, weights: Mapping[str, Any]) -> Mapping[str, int]:
        known = {q.id for q in self.questions}
        problems = [FieldProblem(f"weights.{qid}", "no such question") for qid in weights if qid not in known]
        for question in self.questions:
            value = weights.get(question.id)
            if value is None:
                problems.append(FieldProblem(f"weights.{question.id}", "a weight is required"))
            elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
                problems.append(FieldProblem(f"weights.{question.id}", "must be a whole number, 0 or more"))
        raise_if_problems(problems, "danger-assessment weights")
        return MappingProxyType({q.id: int(weights[q.id]) for q in self.questions})

    def score(self, answers: Mapping[str, str], assessor_rating: str | None = None) -> AssessmentResult:
        """Refuse clearly when the weights are missing, before looking at the answers."""
        if self._weights is None:
            raise Unavailable(_NOT_LOADED, instrument_id=self.id, version=self.version)
        return super().score(answers, assessor_rating)

    def _assess(self, answers: Mapping[str, str], assessor_rating: str | None) -> AssessmentResult:
        weights = self._weights
        assert weights is not None  # checked in score()
        yes = [q.id for q in self.questions if answers.get(q.id) == YES]
        score = sum(weights[qid] for qid in yes)
        band = next(b.name for b in reversed(BANDS) if b.min_score is not None and score >= b.min_score)
        explanation = f"weighted score {score} ({len(yes)} of {len(self.questions)} yes) — {band} danger"
        return self._result(score=score, band=band, explanation=explanation)
