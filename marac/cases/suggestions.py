"""Near-match suggestions: the coordinator confirms (merge into the existing case) or rejects them.

A referral whose victim matches no one exactly opens a case of its own; when another case's victim was
born the same day and has a similar name, a suggestion is recorded.  Confirming it merges the new case
into the existing one: people the two cases share become one record (the new record points at the old
with ``same_as_id``, so that spelling finds the case next time), police incidents and the
must-not-receive list are combined, and the referral is assessed again with the case's history — it may
now be a repeat, or be linked to a referral already waiting.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from marac import audit
from marac.access.area_settings import load_area_settings
from marac.access.guards import MANAGERS, Actor, require_role
from marac.access.models import Area
from marac.cases import schemas, views
from marac.cases.access import excluded_user_ids, is_excluded, not_excluded
from marac.cases.eligibility import assess_eligibility
from marac.cases.instruments import AssessmentResult
from marac.cases.intake import eligibility_rules, stored_reasons
from marac.cases.matching import WAITING, known_incidents, previous_referrals, waiting_referral
from marac.cases.models import (
    Case,
    CaseParty,
    ExcludedRecipient,
    MatchStatus,
    MatchSuggestion,
    Person,
    PoliceIncident,
    Referral,
    ReferralPerpetrator,
)
from marac.cases.people import Protector, same_name
from marac.clock import Clock
from marac.errors import Conflict, NotFound


async def list_suggestions(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    area_id: uuid.UUID,
    status: MatchStatus | None = MatchStatus.PENDING,
) -> list[schemas.MatchSuggestion]:
    """The area's near-match suggestions (pending by default) for its coordinators."""
    require_role(actor, area_id, *MANAGERS, object_type="area", object_id=area_id, doing="review matches")
    case, candidate = aliased(Case), aliased(Case)
    query = (
        select(MatchSuggestion, Referral, case.reference, candidate.reference)
        .join(Referral, Referral.id == MatchSuggestion.referral_id)
        .join(case, case.id == Referral.case_id)
        .join(candidate, candidate.id == MatchSuggestion.candidate_case_id)
        .where(Referral.area_id == area_id)
        .where(not_excluded(actor, case.id), not_excluded(actor, candidate.id))
        .order_by(Referral.submitted_at, MatchSuggestion.similarity.desc())
    )
    if status is not None:
        query = query.where(MatchSuggestion.status == status)
    rows = (await session.execute(query)).all()
    await audit.record(
        session, actor, clock, "match.list", "area", area_id, area_id=area_id, detail={"count": len(rows)}
    )
    return [views.suggestion(row, referral, ref, cand) for row, referral, ref, cand in rows]


async def _pending(
    session: AsyncSession, actor: Actor, suggestion_id: uuid.UUID
) -> tuple[MatchSuggestion, Referral]:
    row = await session.get(MatchSuggestion, suggestion_id)
    referral = await session.get(Referral, row.referral_id) if row else None
    if row is None or referral is None:
        raise NotFound("match suggestion", suggestion_id)
    require_role(
        actor,
        referral.area_id,
        *MANAGERS,
        object_type="match suggestion",
        object_id=suggestion_id,
        doing="decide on matches",
    )
    for case_id in (referral.case_id, row.candidate_case_id):
        if await is_excluded(session, actor, case_id):
            raise NotFound("match suggestion", suggestion_id)
    if row.status is not MatchStatus.PENDING:
        raise Conflict(f"This suggestion has already been {row.status.value}")
    return row, referral


async def reject_match(
    session: AsyncSession, clock: Clock, actor: Actor, suggestion_id: uuid.UUID
) -> MatchSuggestion:
    """Not the same person: the cases stay apart."""
    row, referral = await _pending(session, actor, suggestion_id)
    row.status, row.decided_by, row.decided_at = MatchStatus.REJECTED, actor.user_id, clock.now()
    await audit.record(
        session,
        actor,
        clock,
        "match.reject",
        "match_suggestion",
        row.id,
        area_id=referral.area_id,
        detail={"referral_id": referral.id, "candidate_case_id": row.candidate_case_id},
    )
    return row


async def confirm_match(
    session: AsyncSession, clock: Clock, actor: Actor, protector: Protector, suggestion_id: uuid.UUID
) -> MatchSuggestion:
    """The same person: merge the referral's case into the candidate case and assess it again."""
    row, referral = await _pending(session, actor, suggestion_id)
    source = await session.get(Case, referral.case_id)
    target = await session.get(Case, row.candidate_case_id)
    assert source is not None
    assert target is not None
    while target.merged_into_id is not None:
        merged_into = await session.get(Case, target.merged_into_id)
        assert merged_into is not None
        target = merged_into
    now = clock.now()
    if source.id != target.id:
        moved = await merge_cases(session, protector, source, target)
        for moved_referral in moved:
            await _reassess(session, protector, moved_referral, target)
    row.status, row.decided_by, row.decided_at = MatchStatus.CONFIRMED, actor.user_id, now
    others = await session.scalars(
        select(MatchSuggestion).where(
            MatchSuggestion.referral_id == referral.id,
            MatchSuggestion.id != row.id,
            MatchSuggestion.status == MatchStatus.PENDING,
        )
    )
    for other in others:
        other.status, other.decided_by, other.decided_at = MatchStatus.REJECTED, actor.user_id, now
    await audit.record(
        session,
        actor,
        clock,
        "match.confirm",
        "match_suggestion",
        row.id,
        area_id=referral.area_id,
        detail={"referral_id": referral.id, "merged_case_id": source.id, "into_case_id": target.id},
    )
    return row


async def merge_cases(
    session: AsyncSession, protector: Protector, source: Case, target: Case
) -> list[Referral]:
    """Move everything of ``source`` into ``target``; returns the referrals moved, oldest first."""
    victim = await session.get(Person, source.victim_id)
    assert victim is not None
    victim.same_as_id = target.victim_id
    parties = (
        await session.execute(
            select(CaseParty, Person)
            .join(Person, Person.id == CaseParty.person_id)
            .where(CaseParty.case_id == source.id)
        )
    ).all()
    existing = (
        await session.execute(
            select(CaseParty, Person)
            .join(Person, Person.id == CaseParty.person_id)
            .where(CaseParty.case_id == target.id)
        )
    ).all()
    source_referrals = select(Referral.id).where(Referral.case_id == source.id)
    for party, person in parties:
        twin = next(
            (
                other
                for other_party, other in existing
                if other_party.role == party.role
                and (
                    (person.blind_index is not None and person.blind_index == other.blind_index)
                    or (
                        (person.blind_index is None or other.blind_index is None)
                        and same_name(protector, other, *_names(protector, person))
                    )
                )
            ),
            None,
        )
        if twin is None:
            # A new primary key: delete and add rather than rewrite the key of a loaded row.
            await session.delete(party)
            session.add(CaseParty(case_id=target.id, person_id=person.id, role=party.role))
            continue
        person.same_as_id = twin.id
        await session.execute(
            update(ReferralPerpetrator)
            .where(
                ReferralPerpetrator.person_id == person.id,
                ReferralPerpetrator.referral_id.in_(source_referrals),
            )
            .values(person_id=twin.id)
        )
        await session.delete(party)
    known = await known_incidents(session, target.id)
    for incident in (
        await session.scalars(select(PoliceIncident).where(PoliceIncident.case_id == source.id))
    ).all():
        if (incident.occurred_on, incident.reference) in known:
            await session.delete(incident)
        else:
            incident.case_id = target.id
    already = await excluded_user_ids(session, target.id)
    for excluded in (
        await session.scalars(select(ExcludedRecipient).where(ExcludedRecipient.case_id == source.id))
    ).all():
        if excluded.user_id not in already:
            session.add(
                ExcludedRecipient(
                    case_id=target.id,
                    user_id=excluded.user_id,
                    reason=excluded.reason,
                    added_by=excluded.added_by,
                    added_at=excluded.added_at,
                )
            )
    moved = list(
        (
            await session.scalars(
                select(Referral).where(Referral.case_id == source.id).order_by(Referral.submitted_at)
            )
        ).all()
    )
    for referral in moved:
        referral.case_id = target.id
    await _repoint_suggestions(session, source.id, target.id)
    target.children_in_household = max(target.children_in_household, source.children_in_household)
    source.merged_into_id = target.id
    source.version += 1
    target.version += 1
    await session.flush()
    return moved


def _names(protector: Protector, person: Person) -> tuple[str, str]:
    return (
        protector.cipher.decrypt(person.forename_enc, context="person.forename"),
        protector.cipher.decrypt(person.surname_enc, context="person.surname"),
    )


async def _repoint_suggestions(session: AsyncSession, source_id: uuid.UUID, target_id: uuid.UUID) -> None:
    """Suggestions from other referrals that named the merged case now name the case it joined."""
    rows = (
        await session.scalars(select(MatchSuggestion).where(MatchSuggestion.candidate_case_id == source_id))
    ).all()
    for row in rows:
        duplicate = await session.scalar(
            select(MatchSuggestion.id).where(
                MatchSuggestion.referral_id == row.referral_id, MatchSuggestion.candidate_case_id == target_id
            )
        )
        if duplicate is not None:
            await session.delete(row)
        else:
            row.candidate_case_id = target_id


async def _reassess(session: AsyncSession, protector: Protector, referral: Referral, case: Case) -> None:
    """Link to the case's waiting referral and decide eligibility again with the case's history."""
    if referral.status not in WAITING or referral.heard_on is not None:
        return
    waiting = await waiting_referral(session, case.id)
    if waiting is not None and waiting.id != referral.id and waiting.submitted_at <= referral.submitted_at:
        referral.linked_to_id = waiting.id
        await session.execute(
            update(Referral).where(Referral.linked_to_id == referral.id).values(linked_to_id=waiting.id)
        )
    area = await session.get(Area, referral.area_id)
    assert area is not None
    perpetrator_ids = await session.scalars(
        select(ReferralPerpetrator.person_id).where(ReferralPerpetrator.referral_id == referral.id)
    )
    result = AssessmentResult.from_dict(referral.result) if referral.result else None
    eligibility = assess_eligibility(
        result=result,
        professional_judgement=referral.professional_judgement,
        judgement_reasons=protector.open(referral.judgement_reasons_enc, "referral.judgement_reasons"),
        incidents=[day for day, _ in await known_incidents(session, case.id)],
        referral_date=referral.referred_on,
        previous_referrals=await previous_referrals(session, case.id, list(perpetrator_ids)),
        rules=eligibility_rules(load_area_settings(area.settings)),
        incident_date=referral.incident_on,
    )
    referral.eligible = eligibility.eligible
    referral.criteria = [c.value for c in eligibility.criteria]
    referral.reasons = stored_reasons(eligibility, result)
    referral.is_repeat = eligibility.is_repeat
    referral.last_referral_on = eligibility.last_referral
    referral.has_children = case.children_in_household > 0
    referral.version += 1


async def suggestion_view(session: AsyncSession, suggestion_id: uuid.UUID) -> schemas.MatchSuggestion:
    """A suggestion as the API shows it (references only), after a decision on it."""
    case, candidate = aliased(Case), aliased(Case)
    row = (
        await session.execute(
            select(MatchSuggestion, Referral, case.reference, candidate.reference)
            .join(Referral, Referral.id == MatchSuggestion.referral_id)
            .join(case, case.id == Referral.case_id)
            .join(candidate, candidate.id == MatchSuggestion.candidate_case_id)
            .where(MatchSuggestion.id == suggestion_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("match suggestion", suggestion_id)
    return views.suggestion(*row)
