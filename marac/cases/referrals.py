"""Reading referrals and the coordinator's decisions: accept, return, withdraw, heard.

Workflow: submitted → accepted | returned (with a reason) | withdrawn.  An accepted referral waits for a
conference until it is heard (:func:`record_hearing`, called by the agenda when the case is discussed).
A referral linked to a waiting one (a second referral for the same victim) is not listed on its own;
when the waiting one is returned or withdrawn, the earliest open linked referral takes its place.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from marac import audit
from marac.access.guards import MANAGERS, Actor, require_area, require_role
from marac.access.models import Area
from marac.cases import schemas, views
from marac.cases.access import ensure_may_see_referral, is_excluded, visible_referrals
from marac.cases.intake import local_today
from marac.cases.matching import WAITING
from marac.cases.models import Case, MatchSuggestion, Referral, ReferralStatus
from marac.cases.people import Protector
from marac.clock import Clock
from marac.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StaleVersion


async def list_referrals(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    area_id: uuid.UUID,
    *,
    status: ReferralStatus | None = None,
    include_linked: bool = False,
) -> list[schemas.ReferralSummary]:
    """The area's referrals the actor may see, newest first; linked referrals are folded into their
    waiting referral (``linked_count``) unless ``include_linked``."""
    require_area(actor, area_id, "area", area_id)
    linked = aliased(Referral)
    linked_count = (
        select(func.count()).select_from(linked).where(linked.linked_to_id == Referral.id).scalar_subquery()
    )
    query = (
        select(Referral, Case.reference, linked_count)
        .join(Case, Case.id == Referral.case_id)
        .where(visible_referrals(actor, area_id))
        .order_by(Referral.submitted_at.desc(), Referral.reference.desc())
    )
    if status is not None:
        query = query.where(Referral.status == status)
    if not include_linked:
        query = query.where(Referral.linked_to_id.is_(None))
    rows = (await session.execute(query)).all()
    await audit.record(
        session,
        actor,
        clock,
        "referral.list",
        "area",
        area_id,
        area_id=area_id,
        detail={"count": len(rows), "status": status.value if status else None},
    )
    return [views.referral_summary(referral, reference, count) for referral, reference, count in rows]


async def get_referral(
    session: AsyncSession, clock: Clock, actor: Actor, protector: Protector, referral_id: uuid.UUID
) -> schemas.Referral:
    """One referral in full for someone allowed to see it; the read is audited."""
    referral = await ensure_may_see_referral(session, actor, referral_id)
    await audit.record(
        session,
        actor,
        clock,
        "referral.view",
        "referral",
        referral.id,
        area_id=referral.area_id,
        detail={"case_id": referral.case_id},
    )
    return await referral_view(session, actor, protector, referral)


async def referral_view(
    session: AsyncSession, actor: Actor, protector: Protector, referral: Referral
) -> schemas.Referral:
    """The full shape of a referral the actor has already been allowed to see."""
    case_reference = await _case_reference(session, referral.case_id)
    linked = (
        await session.scalars(
            select(Referral).where(Referral.linked_to_id == referral.id).order_by(Referral.submitted_at)
        )
    ).all()
    suggestions: list[schemas.MatchSuggestion] = []
    if actor.has_role(referral.area_id, *MANAGERS):
        candidate = aliased(Case)
        rows = await session.execute(
            select(MatchSuggestion, candidate.reference)
            .join(candidate, candidate.id == MatchSuggestion.candidate_case_id)
            .where(MatchSuggestion.referral_id == referral.id)
            .order_by(MatchSuggestion.similarity.desc())
        )
        for row, candidate_reference in rows:
            if not await is_excluded(session, actor, row.candidate_case_id):
                suggestions.append(views.suggestion(row, referral, case_reference, candidate_reference))
    return views.referral_detail(referral, case_reference, protector, linked, suggestions)


async def accept_referral(
    session: AsyncSession, clock: Clock, actor: Actor, referral_id: uuid.UUID, version: int
) -> Referral:
    """The coordinator accepts an eligible referral: it now waits for a conference."""
    referral = await _for_decision(session, actor, referral_id, version, "accept referrals")
    if referral.status is not ReferralStatus.SUBMITTED:
        raise Conflict(
            f"Referral {referral.reference} is {referral.status.value}; only a submitted one can be accepted"
        )
    # A linked referral adds to the case of the referral it is linked to, which was decided on its own.
    if not referral.eligible and referral.linked_to_id is None:
        raise Conflict(
            f"Referral {referral.reference} meets no referral criterion; return it to the referrer, who may "
            "resubmit with professional judgement and reasons"
        )
    return await _decide(session, clock, actor, referral, ReferralStatus.ACCEPTED, None)


async def return_referral(
    session: AsyncSession, clock: Clock, actor: Actor, referral_id: uuid.UUID, version: int, reason: str
) -> Referral:
    """The coordinator returns a referral to the referrer, saying why (e.g. below the threshold)."""
    referral = await _for_decision(session, actor, referral_id, version, "return referrals")
    _require_open(referral, "returned")
    if not reason.strip():
        raise InvalidInput.for_field("reason", "say why the referral is returned")
    return await _decide(session, clock, actor, referral, ReferralStatus.RETURNED, reason.strip())


async def withdraw_referral(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    referral_id: uuid.UUID,
    version: int,
    reason: str | None,
) -> Referral:
    """The referring agency (or the coordinator) withdraws a referral that has not been heard."""
    referral = await ensure_may_see_referral(session, actor, referral_id)
    own_agency = actor.agency_id is not None and actor.agency_id == referral.referring_agency_id
    if not own_agency and not actor.has_role(referral.area_id, *MANAGERS):
        raise PermissionDenied("Only the referring agency or the coordinator may withdraw a referral")
    _check_version(referral, version)
    _require_open(referral, "withdrawn")
    return await _decide(
        session, clock, actor, referral, ReferralStatus.WITHDRAWN, (reason or "").strip() or None
    )


async def record_hearing(
    session: AsyncSession, clock: Clock, actor: Actor, referral_id: uuid.UUID, version: int, heard_on: date
) -> Referral:
    """Record that the case of an accepted referral was heard at a conference on ``heard_on``.

    Referrals linked to it were discussed with it and are marked heard too.  From now on a further
    referral with the same perpetrator within the repeat window is a repeat.
    """
    referral = await _for_decision(session, actor, referral_id, version, "record hearings")
    if referral.status is not ReferralStatus.ACCEPTED:
        raise Conflict(
            f"Referral {referral.reference} is {referral.status.value}; only an accepted one is heard"
        )
    area = await session.get(Area, referral.area_id)
    assert area is not None
    if heard_on < referral.referred_on or heard_on > local_today(clock, area.timezone):
        raise InvalidInput.for_field("heard_on", "must be between the referral date and today")
    marked = await mark_heard(session, referral, heard_on)
    await audit.record(
        session,
        actor,
        clock,
        "referral.heard",
        "referral",
        referral.id,
        area_id=referral.area_id,
        detail={"case_id": referral.case_id, "linked": [item.id for item in marked[1:]]},
    )
    return referral


async def mark_heard(session: AsyncSession, referral: Referral, heard_on: date) -> list[Referral]:
    """Mark a referral, the open referrals linked to it and its case as heard on ``heard_on``.

    For the agenda, which has already checked who is acting and audits the meeting itself: returns the
    referrals marked (this one first).  Once heard, a referral no longer waits, and a further referral
    with the same perpetrator within the repeat window is a repeat.
    """
    marked = [referral]
    marked += (
        await session.scalars(
            select(Referral).where(
                Referral.linked_to_id == referral.id,
                Referral.status.in_(WAITING),
                Referral.heard_on.is_(None),
            )
        )
    ).all()
    for item in marked:
        item.heard_on = heard_on
        item.version += 1
    case = await session.get(Case, referral.case_id)
    assert case is not None
    if case.last_heard_on is None or heard_on > case.last_heard_on:
        case.last_heard_on = heard_on
        case.version += 1
    return marked


async def _case_reference(session: AsyncSession, case_id: uuid.UUID) -> str:
    reference = await session.scalar(select(Case.reference).where(Case.id == case_id))
    if reference is None:
        raise NotFound("case", case_id)
    return reference


def _check_version(referral: Referral, version: int) -> None:
    if referral.version != version:
        raise StaleVersion("referral", referral.id, version, referral.version)


def _require_open(referral: Referral, becoming: str) -> None:
    if referral.status not in WAITING or referral.heard_on is not None:
        state = "heard" if referral.heard_on is not None else referral.status.value
        raise Conflict(f"Referral {referral.reference} is {state} and can no longer be {becoming}")


async def _for_decision(
    session: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, doing: str
) -> Referral:
    referral = await ensure_may_see_referral(session, actor, referral_id)
    require_role(
        actor, referral.area_id, *MANAGERS, object_type="referral", object_id=referral_id, doing=doing
    )
    _check_version(referral, version)
    return referral


async def _decide(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    referral: Referral,
    status: ReferralStatus,
    reason: str | None,
) -> Referral:
    previous = referral.status
    referral.status = status
    referral.decided_at = clock.now()
    referral.decided_by = actor.user_id
    referral.decision_reason = reason
    referral.version += 1
    promoted = await _promote_linked(session, referral) if status not in WAITING else None
    await audit.record(
        session,
        actor,
        clock,
        f"referral.{_VERBS[status]}",
        "referral",
        referral.id,
        area_id=referral.area_id,
        detail={"from": previous.value, "promoted_id": promoted.id if promoted else None},
    )
    return referral


_VERBS = {
    ReferralStatus.ACCEPTED: "accept",
    ReferralStatus.RETURNED: "return",
    ReferralStatus.WITHDRAWN: "withdraw",
    ReferralStatus.SUBMITTED: "submit",
}


async def _promote_linked(session: AsyncSession, referral: Referral) -> Referral | None:
    """A closed waiting referral hands its place to the earliest open referral linked to it."""
    if referral.linked_to_id is not None:
        return None
    linked: Sequence[Referral] = (
        await session.scalars(
            select(Referral).where(Referral.linked_to_id == referral.id).order_by(Referral.submitted_at)
        )
    ).all()
    open_ones = [r for r in linked if r.status in WAITING and r.heard_on is None]
    if not open_ones:
        return None
    successor = open_ones[0]
    successor.linked_to_id = None
    successor.version += 1
    for other in linked:
        if other is not successor:
            other.linked_to_id = successor.id
    return successor
