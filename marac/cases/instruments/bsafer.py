"""B-SAFER style structured professional judgement (Swedish version, with victim vulnerability).

Ten factors about the person causing harm (five on the assault history, five psychosocial) and five victim
vulnerability factors, each rated present / possibly present / absent for now and for the past.  The
assessor gives the final low / moderate / high: the result is never computed from the ratings, which
are summarised only to help a reader.
"""

from __future__ import annotations

from collections.abc import Mapping

from marac.cases.instruments.base import (
    POSSIBLY,
    PRESENT,
    AnswerType,
    AssessmentResult,
    AssessorRatedInstrument,
    Question,
)

ASSAULT_HISTORY = "assault history"
PSYCHOSOCIAL = "psychosocial adjustment"
VICTIM_VULNERABILITY = "victim vulnerability"

_FACTORS: tuple[tuple[str, str], ...] = (
    ("Serious physical or sexual violence", ASSAULT_HISTORY),
    ("Serious threats, thoughts or intentions of violence", ASSAULT_HISTORY),
    ("Escalating violence or threats", ASSAULT_HISTORY),
    ("Breaches of court orders or conditions", ASSAULT_HISTORY),
    ("Attitudes that excuse or condone partner violence", ASSAULT_HISTORY),
    ("Other serious offending", PSYCHOSOCIAL),
    ("Relationship problems, such as separation", PSYCHOSOCIAL),
    ("Problems with work or money", PSYCHOSOCIAL),
    ("Substance misuse", PSYCHOSOCIAL),
    ("Mental health problems", PSYCHOSOCIAL),
    ("Inconsistent attitude or behaviour towards the abuser", VICTIM_VULNERABILITY),
    ("Extreme fear of the abuser", VICTIM_VULNERABILITY),
    ("Poor access to support or resources", VICTIM_VULNERABILITY),
    ("Unsafe living situation", VICTIM_VULNERABILITY),
    ("Victim's own health or personal difficulties", VICTIM_VULNERABILITY),
)

PERIODS = (("now", "now"), ("past", "in the past"))

QUESTIONS: tuple[Question, ...] = tuple(
    Question(id=f"f{n}_{period}", label=f"{label} — {wording}", answer_type=AnswerType.RATING, group=group)
    for n, (label, group) in enumerate(_FACTORS, start=1)
    for period, wording in PERIODS
)

LOW = AssessorRatedInstrument.LOW
MODERATE = AssessorRatedInstrument.MODERATE
HIGH = AssessorRatedInstrument.HIGH


class BSaferJudgement(AssessorRatedInstrument):
    """The assessor's rating is required and is the result; ``score`` is always ``None``."""

    def __init__(self) -> None:
        super().__init__(
            id="bsafer",
            version="1",
            title="B-SAFER style structured judgement",
            questions=QUESTIONS,
        )

    def _assess(self, answers: Mapping[str, str], assessor_rating: str | None) -> AssessmentResult:
        assert assessor_rating is not None  # required, checked by rating_problems
        now = [q.id for q in self.questions if q.id.endswith("_now")]
        present = sum(1 for qid in now if answers.get(qid) == PRESENT)
        possibly = sum(1 for qid in now if answers.get(qid) == POSSIBLY)
        explanation = (
            f"assessor's judgement: {assessor_rating} "
            f"({present} of {len(now)} factors present now, {possibly} possibly)"
        )
        return self._result(score=None, band=assessor_rating, explanation=explanation)
