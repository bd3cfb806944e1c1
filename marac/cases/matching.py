"""Finding the case a referral belongs to, and the history that decides repeats and escalation.

Everything here matches on blind indexes: the victim by the keyed hash of name and birth date, near
matches by the hash of the birth date alone (only those few candidates are decrypted and compared).
:func:`check_referral` is the whole eligibility and repeat check for one referral; it reads but never
writes, so the submission and the benchmark run exactly the same lookups.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from marac.cases import schemas
from marac.cases.eligibility import Eligibility, EligibilityRules, PreviousReferral, assess_eligibility
from marac.cases.instruments import AssessmentResult
from marac.cases.models import (
    Case,
    CaseParty,
    PartyRole,
    Person,
    PoliceIncident,
    Referral,
    ReferralPerpetrator,
    ReferralStatus,
)
from marac.cases.people import Protector, same_name, similarity_to

WAITING = (ReferralStatus.SUBMITTED, ReferralStatus.ACCEPTED)
# Built once: an alias made per call rebuilds its column proxies every time.
_PARTY = aliased(Person, name="party")


@dataclass(frozen=True)
class NearMatch:
    """Another case whose victim was born the same day and has a similar name."""

    case: Case
    similarity: float


@dataclass
class ReferralCheck:
    """What the lookups found for one referral, and the eligibility that follows."""

    eligibility: Eligibility
    case: Case | None = None  # the victim's existing case, matched exactly
    perpetrators: list[Person | None] = field(default_factory=list)  # existing records, per perpetrator
    waiting_id: uuid.UUID | None = None  # the case's referral not yet heard: the new one is linked to it
    near_matches: list[NearMatch] = field(default_factory=list)


@dataclass
class VictimMatch:
    """The victim's open case with its perpetrator records, or else the near matches."""

    case: Case | None = None
    perpetrators: list[Person] = field(default_factory=list)
    near: list[NearMatch] = field(default_factory=list)


async def match_victim(
    session: AsyncSession, protector: Protector, area_id: uuid.UUID, victim: schemas.PersonCreate
) -> VictimMatch:
    """The victim's open case (same name and birth date), or else near matches (same birth date and a
    name at least the threshold alike), best first.

    One read: the area's people born that day who are, or were merged into, the victim of an open case,
    with those cases' perpetrators (a handful of rows).  Names are decrypted only when there is no
    exact match, and only for those few people.
    """
    birth_index = protector.birth_date_index(victim.birth_date)
    if birth_index is None:
        return VictimMatch()
    name_index = protector.name_index(victim.surname, victim.forename, victim.birth_date)
    party = _PARTY
    rows = (
        await session.execute(
            select(Case, Person, party)
            .select_from(Person)
            .join(Case, Case.victim_id == func.coalesce(Person.same_as_id, Person.id))
            .outerjoin(CaseParty, (CaseParty.case_id == Case.id) & (CaseParty.role == PartyRole.PERPETRATOR))
            .outerjoin(party, party.id == CaseParty.person_id)
            .where(
                Person.area_id == area_id,
                Person.birth_date_index == birth_index,
                Case.merged_into_id.is_(None),
            )
            .order_by(Case.created_at.desc(), Case.id)
        )
    ).all()
    exact = next((case for case, person, _ in rows if person.blind_index == name_index), None)
    if exact is not None:
        perpetrators = list({p.id: p for case, _, p in rows if case is exact and p is not None}.values())
        return VictimMatch(exact, perpetrators)
    best: dict[uuid.UUID, NearMatch] = {}
    for case, person in dict.fromkeys((case, person) for case, person, _ in rows):
        similarity = round(similarity_to(protector, person, victim.forename, victim.surname), 3)
        if similarity >= protector.near_match_threshold and similarity > getattr(
            best.get(case.id), "similarity", 0
        ):
            best[case.id] = NearMatch(case, similarity)
    return VictimMatch(near=sorted(best.values(), key=lambda match: -match.similarity))


async def match_parties(
    session: AsyncSession,
    protector: Protector,
    case_id: uuid.UUID,
    people: Sequence[schemas.PersonCreate],
    role: PartyRole,
    known: Sequence[Person] | None = None,
) -> list[Person | None]:
    """For each person given, the case's existing record of them in ``role``, or ``None``.

    Same blind index when a birth date is known; otherwise (or when the record has none) the same
    normalised name among the case's few parties.
    """
    if not people:
        return []
    if known is None:
        known = (
            await session.scalars(
                select(Person)
                .join(CaseParty, CaseParty.person_id == Person.id)
                .where(CaseParty.case_id == case_id, CaseParty.role == role)
            )
        ).all()
    matched: list[Person | None] = []
    for data in people:
        index = protector.name_index(data.surname, data.forename, data.birth_date)
        person = next((p for p in known if index is not None and p.blind_index == index), None)
        if person is None:
            person = next(
                (
                    p
                    for p in known
                    if (index is None or p.blind_index is None)
                    and same_name(protector, p, data.forename, data.surname)
                ),
                None,
            )
        matched.append(person)
    return matched


@dataclass(frozen=True)
class CaseHistory:
    """What the case's referrals say about a new one: earlier referrals heard, and one still waiting."""

    previous: list[PreviousReferral]
    waiting_id: uuid.UUID | None


async def case_history(
    session: AsyncSession, case_id: uuid.UUID, perpetrator_ids: Iterable[uuid.UUID]
) -> CaseHistory:
    """One read of the case's referrals.

    Earlier referrals to this MARAC are the accepted ones that were heard ("same perpetrator" when one
    of ``perpetrator_ids`` was named in them); the waiting one is the first submitted or accepted
    referral not yet heard and not itself linked to another.
    """
    ids = list(perpetrator_ids)
    same = exists().where(
        ReferralPerpetrator.referral_id == Referral.id, ReferralPerpetrator.person_id.in_(ids)
    )
    rows = await session.execute(
        select(
            Referral.id,
            Referral.status,
            Referral.heard_on,
            Referral.linked_to_id,
            Referral.referred_on,
            same if ids else false(),
        )
        .where(Referral.case_id == case_id, Referral.status.in_(WAITING))
        .order_by(Referral.submitted_at, Referral.reference)
    )
    previous: list[PreviousReferral] = []
    waiting_id: uuid.UUID | None = None
    for referral_id, status, heard_on, linked_to_id, referred_on, same_perpetrator in rows:
        if heard_on is not None:
            if status is ReferralStatus.ACCEPTED:
                previous.append(PreviousReferral(referred_on, bool(same_perpetrator)))
        elif linked_to_id is None and waiting_id is None:
            waiting_id = referral_id
    return CaseHistory(previous, waiting_id)


async def previous_referrals(
    session: AsyncSession, case_id: uuid.UUID, perpetrator_ids: Iterable[uuid.UUID]
) -> list[PreviousReferral]:
    """The case's earlier referrals to this MARAC (accepted and heard), with "same perpetrator"."""
    return (await case_history(session, case_id, perpetrator_ids)).previous


async def waiting_referral(session: AsyncSession, case_id: uuid.UUID) -> Referral | None:
    """The case's referral that is submitted or accepted but not yet heard (the first, if several)."""
    return await session.scalar(
        select(Referral)
        .where(
            Referral.case_id == case_id,
            Referral.status.in_(WAITING),
            Referral.heard_on.is_(None),
            Referral.linked_to_id.is_(None),
        )
        .order_by(Referral.submitted_at, Referral.reference)
        .limit(1)
    )


async def known_incidents(session: AsyncSession, case_id: uuid.UUID) -> set[tuple[date, str]]:
    """Police incidents already recorded for the case, as (date, reference)."""
    rows = await session.execute(
        select(PoliceIncident.occurred_on, PoliceIncident.reference).where(PoliceIncident.case_id == case_id)
    )
    return {(day, reference) for day, reference in rows}


async def check_referral(
    session: AsyncSession,
    protector: Protector,
    area_id: uuid.UUID,
    *,
    victim: schemas.PersonCreate,
    perpetrators: Sequence[schemas.PersonCreate],
    incidents: Iterable[tuple[date, str]],
    referred_on: date,
    incident_on: date | None,
    result: AssessmentResult | None,
    professional_judgement: bool,
    judgement_reasons: str | None,
    rules: EligibilityRules,
) -> ReferralCheck:
    """Find the victim's case, its history and near matches, and decide eligibility (no writes)."""
    victim_match = await match_victim(session, protector, area_id, victim)
    case = victim_match.case
    all_incidents = set(incidents)
    matched: list[Person | None] = [None] * len(perpetrators)
    history = CaseHistory([], None)
    if case is not None:
        matched = await match_parties(
            session, protector, case.id, perpetrators, PartyRole.PERPETRATOR, victim_match.perpetrators
        )
        history = await case_history(session, case.id, [p.id for p in matched if p is not None])
        all_incidents |= await known_incidents(session, case.id)
    eligibility = assess_eligibility(
        result=result,
        professional_judgement=professional_judgement,
        judgement_reasons=judgement_reasons,
        incidents=[day for day, _ in all_incidents],
        referral_date=referred_on,
        previous_referrals=history.previous,
        rules=rules,
        incident_date=incident_on,
    )
    return ReferralCheck(eligibility, case, matched, history.waiting_id, victim_match.near)
