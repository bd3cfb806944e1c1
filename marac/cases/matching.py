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

from sqlalchemy import exists, false, select
from sqlalchemy.ext.asyncio import AsyncSession

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
    waiting: Referral | None = None  # a referral of the case not yet heard: the new one is linked to it
    near_matches: list[NearMatch] = field(default_factory=list)


async def find_victim_case(
    session: AsyncSession, protector: Protector, area_id: uuid.UUID, victim: schemas.PersonCreate
) -> Case | None:
    """The open case whose victim has the same name and birth date (exact blind-index match)."""
    index = protector.name_index(victim.surname, victim.forename, victim.birth_date)
    if index is None:
        return None
    rows = await session.execute(
        select(Person.id, Person.same_as_id).where(Person.area_id == area_id, Person.blind_index == index)
    )
    person_ids = {same_as or person_id for person_id, same_as in rows}
    if not person_ids:
        return None
    return await session.scalar(
        select(Case)
        .where(Case.victim_id.in_(person_ids), Case.merged_into_id.is_(None))
        .order_by(Case.created_at.desc())
        .limit(1)
    )


async def near_matches(
    session: AsyncSession,
    protector: Protector,
    area_id: uuid.UUID,
    victim: schemas.PersonCreate,
    *,
    exclude_case_id: uuid.UUID | None = None,
) -> list[NearMatch]:
    """Open cases whose victim shares the birth date and has a name at least the threshold alike."""
    index = protector.birth_date_index(victim.birth_date)
    if index is None:
        return []
    query = (
        select(Case, Person)
        .join(Person, Case.victim_id == Person.id)
        .where(Person.area_id == area_id, Person.birth_date_index == index, Case.merged_into_id.is_(None))
    )
    if exclude_case_id is not None:
        query = query.where(Case.id != exclude_case_id)
    found: list[NearMatch] = []
    for case, person in await session.execute(query):
        similarity = similarity_to(protector, person, victim.forename, victim.surname)
        if similarity >= protector.near_match_threshold:
            found.append(NearMatch(case, round(similarity, 3)))
    return sorted(found, key=lambda match: -match.similarity)


async def match_parties(
    session: AsyncSession,
    protector: Protector,
    case_id: uuid.UUID,
    people: Sequence[schemas.PersonCreate],
    role: PartyRole,
) -> list[Person | None]:
    """For each person given, the case's existing record of them in ``role``, or ``None``.

    Same blind index when a birth date is known; otherwise (or when the record has none) the same
    normalised name among the case's few parties.
    """
    if not people:
        return []
    known = list(
        (
            await session.scalars(
                select(Person)
                .join(CaseParty, CaseParty.person_id == Person.id)
                .where(CaseParty.case_id == case_id, CaseParty.role == role)
            )
        ).all()
    )
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


async def previous_referrals(
    session: AsyncSession, case_id: uuid.UUID, perpetrator_ids: Iterable[uuid.UUID]
) -> list[PreviousReferral]:
    """The case's earlier referrals to this MARAC (accepted and heard), with "same perpetrator"."""
    ids = list(perpetrator_ids)
    same = exists().where(
        ReferralPerpetrator.referral_id == Referral.id, ReferralPerpetrator.person_id.in_(ids)
    )
    rows = await session.execute(
        select(Referral.referred_on, same if ids else false()).where(
            Referral.case_id == case_id,
            Referral.status == ReferralStatus.ACCEPTED,
            Referral.heard_on.is_not(None),
        )
    )
    return [PreviousReferral(day, bool(same_perpetrator)) for day, same_perpetrator in rows]


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
    case = await find_victim_case(session, protector, area_id, victim)
    all_incidents = set(incidents)
    matched: list[Person | None] = [None] * len(perpetrators)
    previous: list[PreviousReferral] = []
    waiting: Referral | None = None
    found_near: list[NearMatch] = []
    if case is not None:
        matched = await match_parties(session, protector, case.id, perpetrators, PartyRole.PERPETRATOR)
        previous = await previous_referrals(session, case.id, [p.id for p in matched if p is not None])
        all_incidents |= await known_incidents(session, case.id)
        waiting = await waiting_referral(session, case.id)
    else:
        found_near = await near_matches(session, protector, area_id, victim)
    eligibility = assess_eligibility(
        result=result,
        professional_judgement=professional_judgement,
        judgement_reasons=judgement_reasons,
        incidents=[day for day, _ in all_incidents],
        referral_date=referred_on,
        previous_referrals=previous,
        rules=rules,
        incident_date=incident_on,
    )
    return ReferralCheck(eligibility, case, matched, waiting, found_near)
