"""What every risk instrument is: questions, bands and a scoring function.

An instrument is data (its questions and bands) plus one function that turns validated answers into an
:class:`AssessmentResult`.  Instances are treated as immutable: methods that change something
(:meth:`Instrument.with_labels`, a DASH area's thresholds, licensed weights) return a copy, so the shared
instances in the registry are never altered by one area's configuration.
"""

from __future__ import annotations

import copy
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from marac.errors import FieldProblem, InvalidInput


class AnswerType(StrEnum):
    """How a question may be answered; each type has a fixed set of allowed values (except ``choice``)."""

    YES_NO_DONTKNOW = "yes_no_dontknow"
    YES_NO = "yes_no"
    RATING = "rating"
    CHOICE = "choice"


YES = "yes"
NO = "no"
DONT_KNOW = "dont_know"
PRESENT = "present"
POSSIBLY = "possibly"
ABSENT = "absent"

_FIXED_VALUES: dict[AnswerType, tuple[str, ...]] = {
    AnswerType.YES_NO_DONTKNOW: (YES, NO, DONT_KNOW),
    AnswerType.YES_NO: (YES, NO),
    AnswerType.RATING: (PRESENT, POSSIBLY, ABSENT),
}


@dataclass(frozen=True)
class Question:
    """One question of an instrument.

    ``label`` is our own short paraphrase; an area holding a licence may replace it with the full wording
    (see :meth:`Instrument.with_labels`).  ``choices`` is only used by ``AnswerType.CHOICE``.
    """

    id: str
    label: str
    answer_type: AnswerType
    required: bool = True
    group: str | None = None
    choices: tuple[str, ...] = ()

    @property
    def allowed(self) -> tuple[str, ...]:
        """The answer values this question accepts."""
        if self.answer_type is AnswerType.CHOICE:
            return self.choices
        return _FIXED_VALUES[self.answer_type]


@dataclass(frozen=True)
class Band:
    """A named result band; ``min_score``/``max_score`` are inclusive and ``None`` when open or unscored."""

    name: str
    high_risk: bool
    min_score: int | None = None
    max_score: int | None = None


@dataclass(frozen=True)
class AssessmentResult:
    """The outcome of one assessment, stored with the referral.

    ``score`` is ``None`` for structured-judgement instruments, whose result is the assessor's rating.
    ``raised_by_judgement`` is true when the assessor's rating lifted the computed band.
    """

    instrument_id: str
    version: str
    score: int | None
    band: str
    high_risk: bool
    explanation: str
    raised_by_judgement: bool = False

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, for storing with the assessment."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AssessmentResult:
        """Rebuild a stored result (the inverse of :meth:`as_dict`)."""
        return cls(
            instrument_id=str(data["instrument_id"]),
            version=str(data["version"]),
            score=None if data.get("score") is None else int(data["score"]),
            band=str(data["band"]),
            high_risk=bool(data["high_risk"]),
            explanation=str(data["explanation"]),
            raised_by_judgement=bool(data.get("raised_by_judgement", False)),
        )


@dataclass(frozen=True)
class AssessorRating:
    """Which overall ratings an assessor may give, and whether one must be given."""

    allowed: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class InstrumentDescription:
    """Everything a form needs to present an instrument; :meth:`as_dict` gives plain JSON."""

    id: str
    version: str
    title: str
    questions: tuple[Question, ...]
    bands: tuple[Band, ...]
    judgement_may_raise: bool
    assessor_rating: AssessorRating
    ready: bool
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """Plain dicts, lists and scalars only."""
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "questions": [
                {
                    "id": q.id,
                    "label": q.label,
                    "answer_type": q.answer_type.value,
                    "allowed": list(q.allowed),
                    "required": q.required,
                    "group": q.group,
                }
                for q in self.questions
            ],
            "bands": [asdict(b) for b in self.bands],
            "judgement_may_raise": self.judgement_may_raise,
            "assessor_rating": {
                "allowed": list(self.assessor_rating.allowed),
                "required": self.assessor_rating.required,
            },
            "ready": self.ready,
            "notes": list(self.notes),
        }


def read_json_mapping(source: str | os.PathLike[str] | Mapping[str, Any], what: str) -> Mapping[str, Any]:
    """Accept either a mapping or the path of a JSON file holding one object."""
    if isinstance(source, Mapping):
        return source
    path = Path(source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput.for_field(what, f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput.for_field(what, f"{path} must hold one JSON object")
    return data


def raise_if_problems(problems: list[FieldProblem], summary: str) -> None:
    """Raise one :class:`InvalidInput` naming every problem, or nothing when the list is empty."""
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        raise InvalidInput(f"{summary}: {len(problems)} {noun}", errors=problems)


class Instrument(ABC):
    """A risk instrument: the questions it asks, its bands and how it reaches a result.

    Subclasses set the attributes in ``__init__`` and implement :meth:`_assess`, which receives answers
    that have already been validated.
    """

    id: str
    version: str
    title: str
    judgement_may_raise: bool
    assessor_rating: AssessorRating

    def __init__(
        self,
        *,
        id: str,
        version: str,
        title: str,
        questions: Iterable[Question],
        judgement_may_raise: bool,
        assessor_rating: AssessorRating,
    ) -> None:
        self.id = id
        self.version = version
        self.title = title
        self._questions = tuple(questions)
        self._by_id = {q.id: q for q in self._questions}
        if len(self._by_id) != len(self._questions):
            raise ValueError(f"instrument {id} {version} has duplicate question ids")
        self.judgement_may_raise = judgement_may_raise
        self.assessor_rating = assessor_rating

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.version}>"

    @property
    def questions(self) -> tuple[Question, ...]:
        """The questions in the order a form shows them."""
        return self._questions

    def question(self, question_id: str) -> Question:
        """One question by id (``KeyError`` when unknown)."""
        return self._by_id[question_id]

    @property
    @abstractmethod
    def bands(self) -> tuple[Band, ...]:
        """The result bands, lowest first."""

    @property
    def ready(self) -> bool:
        """False while the instrument needs licensed data that has not been loaded."""
        return True

    def notes(self) -> tuple[str, ...]:
        """Short remarks a form should show (e.g. what is missing before it can be scored)."""
        return ()

    def answer_problems(self, answers: Mapping[str, str]) -> list[FieldProblem]:
        """Every unknown question, missing required answer and unacceptable value, in question order."""
        problems = [
            FieldProblem(f"answers.{qid}", f"{self.id} {self.version} has no question {qid}")
            for qid in answers
            if qid not in self._by_id
        ]
        for question in self._questions:
            value = answers.get(question.id)
            if value is None or value == "":
                if question.required:
                    problems.append(FieldProblem(f"answers.{question.id}", "an answer is required"))
            elif not isinstance(value, str) or value not in question.allowed:
                allowed = ", ".join(question.allowed)
                problems.append(FieldProblem(f"answers.{question.id}", f"{value!r} is not one of {allowed}"))
        return problems

    def rating_problems(self, assessor_rating: str | None) -> list[FieldProblem]:
        """What is wrong with the assessor's overall rating, if anything."""
        rating = self.assessor_rating
        if assessor_rating is None or assessor_rating == "":
            if rating.required:
                return [FieldProblem("assessor_rating", f"{self.title} needs the assessor's rating")]
            return []
        if not rating.allowed:
            return [FieldProblem("assessor_rating", f"{self.title} takes no assessor's rating")]
        if assessor_rating not in rating.allowed:
            allowed = ", ".join(rating.allowed)
            return [FieldProblem("assessor_rating", f"{assessor_rating!r} is not one of {allowed}")]
        return []

    def validate_answers(self, answers: Mapping[str, str]) -> None:
        """Raise :class:`InvalidInput` naming every bad answer (field ``answers.<question id>``)."""
        raise_if_problems(self.answer_problems(answers), f"{self.title} answers")

    def score(self, answers: Mapping[str, str], assessor_rating: str | None = None) -> AssessmentResult:
        """Validate the answers and the assessor's rating together, then reach the result."""
        problems = self.answer_problems(answers) + self.rating_problems(assessor_rating)
        raise_if_problems(problems, f"{self.title} answers")
        return self._assess(answers, assessor_rating or None)

    @abstractmethod
    def _assess(self, answers: Mapping[str, str], assessor_rating: str | None) -> AssessmentResult:
        """Reach the result from answers already validated."""

    def _result(
        self,
        *,
        score: int | None,
        band: str,
        explanation: str,
        raised_by_judgement: bool = False,
    ) -> AssessmentResult:
        high_risk = next(b.high_risk for b in self.bands if b.name == band)
        return AssessmentResult(
            instrument_id=self.id,
            version=self.version,
            score=score,
            band=band,
            high_risk=high_risk,
            explanation=explanation,
            raised_by_judgement=raised_by_judgement,
        )

    def with_labels(self, source: str | os.PathLike[str] | Mapping[str, str]) -> Self:
        """A copy whose labels come from a JSON file (or mapping) of ``{"q1": "full wording", ...}``.

        Areas holding a licence use this to show the instrument's own wording; questions not in the file
        keep our paraphrase.  Unknown ids or empty labels are refused so a mistyped file is noticed.
        """
        labels = read_json_mapping(source, "labels")
        problems = [
            FieldProblem(f"labels.{qid}", f"{self.id} {self.version} has no question {qid}")
            for qid in labels
            if qid not in self._by_id
        ]
        problems += [
            FieldProblem(f"labels.{qid}", "a label must be non-empty text")
            for qid, label in labels.items()
            if qid in self._by_id and (not isinstance(label, str) or not label.strip())
        ]
        raise_if_problems(problems, f"{self.title} labels")
        questions = tuple(
            Question(
                id=q.id,
                label=str(labels[q.id]).strip() if q.id in labels else q.label,
                answer_type=q.answer_type,
                required=q.required,
                group=q.group,
                choices=q.choices,
            )
            for q in self._questions
        )
        return self._copy_with(_questions=questions, _by_id={q.id: q for q in questions})

    def _copy_with(self, **attributes: Any) -> Self:
        clone = copy.copy(self)
        for name, value in attributes.items():
            setattr(clone, name, value)
        return clone

    def describe(self) -> InstrumentDescription:
        """What a form needs to build itself; call ``.as_dict()`` on it for JSON."""
        return InstrumentDescription(
            id=self.id,
            version=self.version,
            title=self.title,
            questions=self._questions,
            bands=self.bands,
            judgement_may_raise=self.judgement_may_raise,
            assessor_rating=self.assessor_rating,
            ready=self.ready,
            notes=self.notes(),
        )


def yes_count(answers: Mapping[str, str], question_ids: Iterable[str]) -> int:
    """How many of the given questions were answered "yes"."""
    return sum(1 for qid in question_ids if answers.get(qid) == YES)


class AssessorRatedInstrument(Instrument):
    """An instrument whose result is the assessor's low / moderate / high rating (B-SAFER, FREDA styles).

    The rating is required and is the result itself, so there is no computed result for judgement to raise.
    """

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"

    def __init__(self, *, id: str, version: str, title: str, questions: tuple[Question, ...]) -> None:
        super().__init__(
            id=id,
            version=version,
            title=title,
            questions=questions,
            judgement_may_raise=False,
            assessor_rating=AssessorRating(allowed=(self.LOW, self.MODERATE, self.HIGH), required=True),
        )

    @property
    def bands(self) -> tuple[Band, ...]:
        return (
            Band(self.LOW, high_risk=False),
            Band(self.MODERATE, high_risk=False),
            Band(self.HIGH, high_risk=True),
        )
