"""The referral form: built from the chosen instrument's questions, read back into the intake schema.

Field names follow the paths the intake service names in its errors (``victim.forename``,
``answers.q3``, ``perpetrators.0.birth_date``), so every message lands next to its own field.  The live
preview scores what has been answered so far and says which criteria are met; it reads nothing about
anyone, saves nothing and audits nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec

from marac.access.area_settings import AreaSettings
from marac.cases import schemas
from marac.cases.eligibility import assess_eligibility
from marac.cases.instruments import (
    ABSENT,
    DONT_KNOW,
    NO,
    POSSIBLY,
    PRESENT,
    YES,
    AnswerType,
    Instrument,
    get_instrument,
    list_instruments,
)
from marac.cases.instruments.base import raise_if_problems
from marac.cases.intake import eligibility_rules, input_problems, instrument_for_area, stored_reasons
from marac.errors import FieldProblem, InvalidInput
from marac.web.forms import FormInput, explain

# Blank rows offered for further people and incidents: enough for nearly every referral, no script needed.
PERPETRATOR_SLOTS = 2
CHILD_SLOTS = 4
INCIDENT_SLOTS = 6

ANSWER_LABELS = {
    YES: "Yes",
    NO: "No",
    DONT_KNOW: "Don't know",
    PRESENT: "Present",
    POSSIBLY: "Possibly present",
    ABSENT: "Absent",
}
# What an unanswered question counts as while the form is being filled in: never towards the risk.
_NOT_YET = {AnswerType.YES_NO_DONTKNOW: NO, AnswerType.YES_NO: NO, AnswerType.RATING: ABSENT}

GENDERS = [
    ("female", "Female"),
    ("male", "Male"),
    ("non_binary", "Non-binary"),
    ("other", "Other"),
    ("not_known", "Not known"),
]
ETHNICITIES = [
    ("white_british", "White British"),
    ("white_irish", "White Irish"),
    ("white_other", "Any other White background"),
    ("mixed", "Mixed or multiple ethnic groups"),
    ("asian", "Asian or Asian British"),
    ("black", "Black, Black British, Caribbean or African"),
    ("arab", "Arab"),
    ("other", "Any other ethnic group"),
    ("not_stated", "Not stated"),
]
YES_NO = [("yes", "Yes"), ("no", "No")]
_PATH = re.compile(r"\[(\d+)\]")
_AT = re.compile(r" - at `\$\.?([^`]*)`")


def answer_label(value: str) -> str:
    return ANSWER_LABELS.get(value, value.replace("_", " ").capitalize())


@dataclass(frozen=True)
class QuestionField:
    name: str  # "answers.q1"
    number: int
    label: str
    options: tuple[tuple[str, str], ...]
    required: bool


@dataclass(frozen=True)
class QuestionGroup:
    title: str
    questions: tuple[QuestionField, ...]


@dataclass(frozen=True)
class InstrumentForm:
    """What the template needs of one instrument (plain values: safe to keep across a rollback)."""

    id: str
    version: str
    title: str
    groups: tuple[QuestionGroup, ...]
    rating_options: tuple[tuple[str, str], ...]
    rating_required: bool
    judgement_may_raise: bool

    @property
    def question_count(self) -> int:
        return sum(len(group.questions) for group in self.groups)

    @classmethod
    def of(cls, instrument: Instrument) -> InstrumentForm:
        groups: list[QuestionGroup] = []
        for number, question in enumerate(instrument.questions, start=1):
            field = QuestionField(
                name=f"answers.{question.id}",
                number=number,
                label=question.label,
                options=tuple((value, answer_label(value)) for value in question.allowed),
                required=question.required,
            )
            title = (question.group or "Questions").capitalize()
            if groups and groups[-1].title == title:
                groups[-1] = QuestionGroup(title, (*groups[-1].questions, field))
            else:
                groups.append(QuestionGroup(title, (field,)))
        rating = instrument.assessor_rating
        return cls(
            id=instrument.id,
            version=instrument.version,
            title=instrument.title,
            groups=tuple(groups),
            rating_options=tuple((value, answer_label(value)) for value in rating.allowed),
            rating_required=rating.required,
            judgement_may_raise=instrument.judgement_may_raise,
        )


@dataclass(frozen=True)
class InstrumentChoice:
    id: str
    title: str
    ready: bool
    notes: str


def instrument_choices() -> list[InstrumentChoice]:
    """The latest version of every instrument; those needing licensed data say so and cannot be chosen."""
    latest = {instrument.id: get_instrument(instrument.id) for instrument in list_instruments()}
    return [InstrumentChoice(i.id, i.title, i.ready, " ".join(i.notes())) for i in latest.values()]


def chosen_instrument(instrument_id: str, settings: AreaSettings) -> Instrument:
    """The instrument as this area uses it; an unknown or unready one is an error on ``instrument``."""
    try:
        return instrument_for_area(instrument_id, None, settings)
    except InvalidInput as exc:
        message = exc.errors[0].message if exc.errors else exc.detail
        raise InvalidInput.for_field("instrument", message) from None


# --- reading the form --------------------------------------------------------------------------------


class _Reader:
    """Reads typed fields, collecting every problem instead of stopping at the first."""

    def __init__(self, form: FormInput) -> None:
        self.form = form
        self.problems: list[FieldProblem] = []

    def text(self, name: str) -> str | None:
        return self.form.get(name) or None

    def day(self, name: str) -> date | None:
        value = self.form.get(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problems.append(FieldProblem(name, "Enter a real date, like 23/11/2026"))
            return None

    def whole(self, name: str, highest: int) -> int | None:
        value = self.form.get(name)
        if not value:
            return None
        if not value.isdigit() or int(value) > highest:
            self.problems.append(FieldProblem(name, f"Enter a whole number from 0 to {highest}"))
            return None
        return int(value)

    def flag(self, name: str) -> bool:
        return self.form.get(name) in {"on", "true", "yes", "1"}

    def maybe(self, name: str) -> bool | None:
        value = self.form.get(name)
        return None if not value else value == "yes"

    def person(self, prefix: str, *, required: bool, details: bool = False) -> dict[str, Any] | None:
        names = {key: self.form.get(f"{prefix}.{key}") for key in ("forename", "surname")}
        birth_date = self.day(f"{prefix}.birth_date")
        if not required and not any(names.values()) and not self.form.get(f"{prefix}.birth_date"):
            return None
        for key, value in names.items():
            if not value:
                self.problems.append(FieldProblem(f"{prefix}.{key}", f"Enter the {key}"))
        person: dict[str, Any] = {**names, "birth_date": birth_date}
        if details:
            aliases = [a.strip() for a in self.form.get(f"{prefix}.aliases").split(",") if a.strip()]
            person.update(
                aliases=aliases,
                address=self.text(f"{prefix}.address"),
                gender=self.text(f"{prefix}.gender"),
                ethnicity=self.text(f"{prefix}.ethnicity"),
                disability=self.maybe(f"{prefix}.disability"),
                lgbt=self.maybe(f"{prefix}.lgbt"),
            )
        return person

    def incidents(self) -> list[dict[str, Any]]:
        found = []
        for n in range(INCIDENT_SLOTS):
            occurred_on = self.day(f"police_incidents.{n}.occurred_on")
            reference = self.form.get(f"police_incidents.{n}.reference")
            if occurred_on is not None:
                found.append({"occurred_on": occurred_on, "reference": reference})
            elif reference and not self.form.get(f"police_incidents.{n}.occurred_on"):
                self.problems.append(
                    FieldProblem(f"police_incidents.{n}.occurred_on", "Enter the date of this incident")
                )
        return found


def referral_data(form: FormInput, instrument: Instrument, today: date) -> schemas.ReferralCreate:
    """The intake schema from the posted form, every problem reported by field at once.

    The intake service checks the same again; asking its checks here as well means the referrer sees
    a missing answer and an impossible date together, not one after the other.
    """
    read = _Reader(form)
    answers = answers_of(form, instrument)
    victim = read.person("victim", required=True, details=True)
    perpetrators = [read.person(f"perpetrators.{n}", required=False) for n in range(PERPETRATOR_SLOTS)]
    children = [read.person(f"children.{n}", required=False) for n in range(CHILD_SLOTS)]
    data: dict[str, Any] = {
        "victim": victim,
        "perpetrators": [p for p in perpetrators if p is not None],
        "children": [c for c in children if c is not None],
        "children_in_household": read.whole("children_in_household", 30),
        "police_incidents": read.incidents(),
        "instrument_id": instrument.id,
        "instrument_version": instrument.version,
        "answers": answers,
        "assessor_rating": read.text("assessor_rating"),
        "professional_judgement": read.flag("professional_judgement"),
        "judgement_reasons": read.text("judgement_reasons"),
        "victim_aware": read.flag("victim_aware"),
        "consent": read.flag("consent"),
        "safe_contact": read.text("safe_contact"),
        "police_reference": read.text("police_reference"),
        "urgent": read.flag("urgent"),
        "referred_on": read.day("referred_on"),
        "incident_on": read.day("incident_on"),
    }
    raise_if_problems(read.problems, "the referral cannot be recorded as it is")
    try:
        referral = msgspec.convert(data, schemas.ReferralCreate, strict=False)
    except msgspec.ValidationError as exc:
        text = _PATH.sub(r".\1", str(exc))
        _, message = explain(text, {})
        # ``explain`` names the top-level field; the form's field is the whole path (``victim.address``).
        where = _AT.search(text)
        field = where.group(1) if where else "form"
        raise InvalidInput(f"{field}: {message}", errors=[FieldProblem(field, message)]) from exc
    problems = input_problems(referral, referral.referred_on or today, today)
    problems += instrument.answer_problems(answers) + instrument.rating_problems(referral.assessor_rating)
    raise_if_problems(problems, "the referral cannot be recorded as it is")
    return referral


def answers_of(form: FormInput, instrument: Instrument) -> dict[str, str]:
    """The answers given, by question id (unanswered questions left out for the instrument to name)."""
    return {q.id: form.get(f"answers.{q.id}") for q in instrument.questions if form.get(f"answers.{q.id}")}


# --- the live preview --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LivePreview:
    """Score, band and eligibility of the answers so far (``complete`` once every question is answered)."""

    instrument_title: str
    answered: int
    total: int
    score: int | None
    band: str | None
    high_risk: bool
    explanation: str
    waiting_for: tuple[str, ...]
    eligible: bool
    reasons: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return self.answered == self.total and not self.waiting_for


def preview(form: FormInput, instrument: Instrument, settings: AreaSettings, today: date) -> LivePreview:
    """What the referral would score and which criteria it would meet, from the form alone.

    Repeats and police incidents the MARAC already knows about are found only on submission: looking
    them up here would let anyone probe a person's history without leaving a trace.
    """
    given = answers_of(form, instrument)
    answers: dict[str, str] = {}
    answered = 0
    for question in instrument.questions:
        value = given.get(question.id)
        if value in question.allowed:
            answers[question.id] = value
            answered += 1
        elif question.answer_type in _NOT_YET:
            answers[question.id] = _NOT_YET[question.answer_type]
    rating = form.get("assessor_rating") or None
    waiting_for: list[str] = []
    if instrument.rating_problems(rating):
        rating = None
        if instrument.assessor_rating.required:
            waiting_for.append("the assessor's rating")
    result = None
    if not waiting_for and not instrument.answer_problems(answers):
        result = instrument.score(answers, rating)
    read = _Reader(form)
    incidents = [read.day(f"police_incidents.{n}.occurred_on") for n in range(INCIDENT_SLOTS)]
    referred_on = read.day("referred_on") or today
    reasons_text = form.get("judgement_reasons")
    judgement = read.flag("professional_judgement")
    if judgement and not reasons_text:
        waiting_for.append("your written reasons for professional judgement")
    eligibility = assess_eligibility(
        result=result,
        professional_judgement=judgement and bool(reasons_text),
        judgement_reasons=reasons_text,
        incidents=[day for day in incidents if day is not None and day <= today],
        referral_date=min(referred_on, today),
        previous_referrals=[],
        rules=eligibility_rules(settings),
        incident_date=None,
    )
    return LivePreview(
        instrument_title=instrument.title,
        answered=answered,
        total=len(instrument.questions),
        score=result.score if result else None,
        band=result.band if result else None,
        high_risk=bool(result and result.high_risk),
        explanation=result.explanation if result and answered == len(instrument.questions) else "",
        waiting_for=tuple(waiting_for),
        eligible=eligibility.eligible,
        # As stored with the referral: the judgement narrative is never echoed back.
        reasons=tuple(stored_reasons(eligibility, result)),
    )
