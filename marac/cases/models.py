"""People, cases, referrals, police incidents, match suggestions and must-not-receive lists.

Identifying fields (names, aliases, birth dates, addresses, safe-contact notes) are stored only as
ciphertext (see :mod:`marac.cases.identity`); matching uses keyed blind indexes, never plaintext.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marac.db import Base, UUIDPrimaryKey


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    return Enum(kind, name=name, native_enum=False, length=40, values_callable=lambda e: [m.value for m in e])


class PartyRole(enum.StrEnum):
    PERPETRATOR = "perpetrator"
    CHILD = "child"


class ReferralStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class MatchStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Person(UUIDPrimaryKey, Base):
    """A victim, perpetrator or child; every identifying value is encrypted."""

    __tablename__ = "person"
    # Matching always looks within one area; leading with the area lets every backend's planner use
    # these (with separate indexes SQLite picks the area index and scans the whole area).
    __table_args__ = (
        Index("ix_person_area_blind_index", "area_id", "blind_index"),
        Index("ix_person_area_birth_date_index", "area_id", "birth_date_index"),
    )

    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    forename_enc: Mapped[str] = mapped_column(Text)
    surname_enc: Mapped[str] = mapped_column(Text)
    aliases_enc: Mapped[str | None] = mapped_column(Text, default=None)
    birth_date_enc: Mapped[str | None] = mapped_column(Text, default=None)
    address_enc: Mapped[str | None] = mapped_column(Text, default=None)
    # Set when the coordinator confirmed that this record and another are the same person (a near
    # match): matching follows it, so the spelling on this record finds the other person's case too.
    same_as_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    # Keyed hash of normalised surname + forename + birth date: exact matching without plaintext.
    blind_index: Mapped[str | None] = mapped_column(String(64), default=None)
    # Keyed hash of the birth date alone: finds near-match candidates (same birth date, similar name).
    birth_date_index: Mapped[str | None] = mapped_column(String(64), default=None)
    # Diversity fields for the quarterly data return (categories, not narrative).
    gender: Mapped[str | None] = mapped_column(String(20), default=None)
    ethnicity: Mapped[str | None] = mapped_column(String(40), default=None)
    disability: Mapped[bool | None] = mapped_column(default=None)
    lgbt: Mapped[bool | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class Case(UUIDPrimaryKey, Base):
    __tablename__ = "marac_case"
    __table_args__ = (UniqueConstraint("area_id", "reference"),)

    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(20))
    victim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    children_in_household: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    last_heard_on: Mapped[date | None] = mapped_column(default=None)
    # A case opened for a referral that the coordinator later confirmed belongs to an existing case.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("marac_case.id"), default=None)
    version: Mapped[int] = mapped_column(default=1)


class CaseParty(Base):
    """Perpetrators and children of a case."""

    __tablename__ = "case_party"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("marac_case.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), primary_key=True, index=True)
    role: Mapped[PartyRole] = mapped_column(_enum(PartyRole, "party_role"))


class PoliceIncident(UUIDPrimaryKey, Base):
    """A domestic-abuse incident known to police, for the potential-escalation criterion."""

    __tablename__ = "police_incident"
    __table_args__ = (UniqueConstraint("case_id", "occurred_on", "reference"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date]
    reference: Mapped[str] = mapped_column(String(40), default="")
    recorded_at: Mapped[datetime]


class Referral(UUIDPrimaryKey, Base):
    __tablename__ = "referral"
    __table_args__ = (
        UniqueConstraint("area_id", "reference"),
        Index("ix_referral_area_status", "area_id", "status"),
    )

    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    reference: Mapped[str] = mapped_column(String(20))
    referring_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    referrer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    referred_on: Mapped[date]
    incident_on: Mapped[date | None] = mapped_column(default=None)
    submitted_at: Mapped[datetime]
    status: Mapped[ReferralStatus] = mapped_column(
        _enum(ReferralStatus, "referral_status"), default=ReferralStatus.SUBMITTED
    )
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # Why the referral was returned or withdrawn (a short note on the referral, not about the people).
    decision_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # Set when the case is heard at a conference; until then an accepted referral is "waiting".
    heard_on: Mapped[date | None] = mapped_column(default=None)
    # Assessment: instrument id + version, answers, the computed result.
    instrument_id: Mapped[str | None] = mapped_column(String(40), default=None)
    instrument_version: Mapped[str | None] = mapped_column(String(20), default=None)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    assessor_rating: Mapped[str | None] = mapped_column(String(20), default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    risk_rank: Mapped[int] = mapped_column(default=0)
    professional_judgement: Mapped[bool] = mapped_column(default=False)
    # The referrer's narrative may name people, so it is encrypted like the identifying fields.
    judgement_reasons_enc: Mapped[str | None] = mapped_column(Text, default=None)
    # Eligibility as computed on submission, with reasons a person can read.
    eligible: Mapped[bool] = mapped_column(default=False)
    criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_repeat: Mapped[bool] = mapped_column(default=False)
    last_referral_on: Mapped[date | None] = mapped_column(default=None)
    # A second referral for a victim already waiting is linked to the waiting one, not listed twice.
    linked_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referral.id"), default=None)
    victim_aware: Mapped[bool] = mapped_column(default=False)
    consent: Mapped[bool] = mapped_column(default=False)
    safe_contact_enc: Mapped[str | None] = mapped_column(Text, default=None)
    police_reference: Mapped[str | None] = mapped_column(String(40), default=None)
    urgent: Mapped[bool] = mapped_column(default=False)
    has_children: Mapped[bool] = mapped_column(default=False)
    victim_age: Mapped[int | None] = mapped_column(default=None)
    youngest_perpetrator_age: Mapped[int | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(default=1)


class ReferralPerpetrator(Base):
    """The perpetrators a referral is about: "same victim and same perpetrator" decides a repeat."""

    __tablename__ = "referral_perpetrator"

    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), primary_key=True, index=True)


class ReferenceCounter(Base):
    """The last number handed out in a series of references (``R-2026`` per area, ``MC`` per area)."""

    __tablename__ = "reference_counter"

    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), primary_key=True)
    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class MatchSuggestion(UUIDPrimaryKey, Base):
    """A near match (same birth date, similar name) offered to the coordinator to confirm or reject."""

    __tablename__ = "match_suggestion"
    __table_args__ = (UniqueConstraint("referral_id", "candidate_case_id"),)

    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    candidate_case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id", ondelete="CASCADE"))
    similarity: Mapped[float]
    status: Mapped[MatchStatus] = mapped_column(
        _enum(MatchStatus, "match_status"), default=MatchStatus.PENDING
    )
    decided_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class ExcludedRecipient(Base):
    """A person who must not receive anything about this case (e.g. a worker related to a party)."""

    __tablename__ = "excluded_recipient"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("marac_case.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    reason: Mapped[str] = mapped_column(String(200), default="")
    added_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    added_at: Mapped[datetime]
