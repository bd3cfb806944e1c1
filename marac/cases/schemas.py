"""Request and response shapes of the cases API (msgspec: strict, unknown fields refused, lengths capped).

Lists (``ReferralSummary``, ``CaseSummary``) carry references, dates and flags only; names, birth dates,
addresses and risk answers appear only in the detail views, which are audited.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from marac.cases.models import MatchStatus, ReferralStatus

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Alias = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ShortCode = Annotated[str, msgspec.Meta(max_length=40)]
Narrative = Annotated[str, msgspec.Meta(max_length=4000)]
# Answers are checked by the instrument, which names the question (``answers.q3``) for a wrong type too.
AnswerValue = str | int | float | bool | None

Gender = Literal["female", "male", "non_binary", "other", "not_known"]
# Broad census-style groups, enough for the quarterly data return's "minoritised ethnic groups".
Ethnicity = Literal[
    "white_british", "white_irish", "white_other", "mixed", "asian", "black", "arab", "other", "not_stated"
]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


# --- instruments --------------------------------------------------------------------------------------


class InstrumentQuestion(msgspec.Struct, kw_only=True):
    id: str
    label: str
    answer_type: str
    allowed: list[str]
    required: bool
    group: str | None


class InstrumentBand(msgspec.Struct, kw_only=True):
    name: str
    high_risk: bool
    min_score: int | None
    max_score: int | None


class AssessorRatingRule(msgspec.Struct, kw_only=True):
    allowed: list[str]
    required: bool


class Instrument(msgspec.Struct, kw_only=True):
    """What a form needs to build itself for one risk instrument."""

    id: str
    version: str
    title: str
    questions: list[InstrumentQuestion]
    bands: list[InstrumentBand]
    judgement_may_raise: bool
    assessor_rating: AssessorRatingRule
    ready: bool
    notes: list[str]


# --- people and referrals in --------------------------------------------------------------------------


class PersonCreate(Strict):
    """A victim, perpetrator or child as the referrer knows them; everything identifying is encrypted."""

    forename: Name
    surname: Name
    aliases: Annotated[list[Alias], msgspec.Meta(max_length=10)] = msgspec.field(default_factory=list)
    birth_date: date | None = None
    address: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    gender: Gender | None = None
    ethnicity: Ethnicity | None = None
    disability: bool | None = None
    lgbt: bool | None = None


class PoliceIncidentCreate(Strict):
    occurred_on: date
    reference: ShortCode = ""


class ReferralCreate(Strict):
    victim: PersonCreate
    perpetrators: Annotated[list[PersonCreate], msgspec.Meta(max_length=10)] = msgspec.field(
        default_factory=list
    )
    children: Annotated[list[PersonCreate], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    # How many children live in the household, when more are known than are named.
    children_in_household: Annotated[int, msgspec.Meta(ge=0, le=30)] | None = None
    police_incidents: Annotated[list[PoliceIncidentCreate], msgspec.Meta(max_length=100)] = msgspec.field(
        default_factory=list
    )
    instrument_id: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] | None = None
    instrument_version: Annotated[str, msgspec.Meta(min_length=1, max_length=20)] | None = None
    answers: Annotated[dict[ShortCode, AnswerValue], msgspec.Meta(max_length=100)] = msgspec.field(
        default_factory=dict
    )
    assessor_rating: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    professional_judgement: bool = False
    judgement_reasons: Narrative | None = None
    victim_aware: bool = False
    consent: bool = False
    safe_contact: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    police_reference: ShortCode | None = None
    urgent: bool = False
    referred_on: date | None = None
    incident_on: date | None = None
    # Coordinators may enter a referral on behalf of an agency; referrers always refer for their own.
    referring_agency_id: uuid.UUID | None = None


class ReferralDecision(Strict):
    version: int


class ReferralReturn(Strict):
    version: int
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class ReferralWithdraw(Strict):
    version: int
    reason: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class ReferralHeard(Strict):
    version: int
    heard_on: date


class ExcludedRecipientCreate(Strict):
    user_id: uuid.UUID
    # Why, in a few words that name nobody (e.g. "relative of a party").
    reason: Annotated[str, msgspec.Meta(max_length=200)] = ""


# --- out ----------------------------------------------------------------------------------------------


class Assessment(msgspec.Struct, kw_only=True):
    instrument_id: str
    version: str
    score: int | None
    band: str
    high_risk: bool
    explanation: str
    raised_by_judgement: bool


class LinkedReferral(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    status: ReferralStatus
    referred_on: date


class MatchSuggestion(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    referral_id: uuid.UUID
    referral_reference: str
    case_id: uuid.UUID
    case_reference: str
    candidate_case_id: uuid.UUID
    candidate_case_reference: str
    similarity: float
    status: MatchStatus
    decided_at: datetime | None


class ReferralSummary(msgspec.Struct, kw_only=True):
    """A row of a referral list: no names, no answers."""

    id: uuid.UUID
    reference: str
    area_id: uuid.UUID
    case_id: uuid.UUID
    case_reference: str
    status: ReferralStatus
    referring_agency_id: uuid.UUID
    referred_on: date
    submitted_at: datetime
    eligible: bool
    criteria: list[str]
    is_repeat: bool
    urgent: bool
    has_children: bool
    risk_rank: int
    linked_to_id: uuid.UUID | None
    linked_count: int
    heard_on: date | None
    version: int


class Referral(ReferralSummary, kw_only=True):
    """One referral in full, for those allowed to see it (every read is audited)."""

    referrer_id: uuid.UUID | None
    incident_on: date | None
    instrument_id: str | None
    instrument_version: str | None
    answers: dict[str, AnswerValue]
    assessor_rating: str | None
    assessment: Assessment | None
    professional_judgement: bool
    judgement_reasons: str | None
    reasons: list[str]
    summary: str
    last_referral_on: date | None
    victim_aware: bool
    consent: bool
    safe_contact: str | None
    police_reference: str | None
    victim_age: int | None
    youngest_perpetrator_age: int | None
    decided_at: datetime | None
    decided_by: uuid.UUID | None
    decision_reason: str | None
    linked: list[LinkedReferral]
    match_suggestions: list[MatchSuggestion]


class Person(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    forename: str
    surname: str
    aliases: list[str]
    birth_date: date | None
    address: str | None
    gender: str | None
    ethnicity: str | None
    disability: bool | None
    lgbt: bool | None


class PoliceIncident(msgspec.Struct, kw_only=True):
    occurred_on: date
    reference: str


class CaseSummary(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    created_at: datetime
    referral_count: int
    latest_referral_on: date | None
    children_in_household: int
    last_heard_on: date | None


class Case(msgspec.Struct, kw_only=True):
    """A case with the people in it, decrypted for someone with a need to know (audited as case.view)."""

    id: uuid.UUID
    reference: str
    area_id: uuid.UUID
    victim: Person
    perpetrators: list[Person]
    children: list[Person]
    children_in_household: int
    police_incidents: list[PoliceIncident]
    referrals: list[ReferralSummary]
    created_at: datetime
    last_heard_on: date | None
    version: int


class ExcludedRecipient(msgspec.Struct, kw_only=True):
    case_id: uuid.UUID
    user_id: uuid.UUID
    reason: str
    added_by: uuid.UUID | None
    added_at: datetime
