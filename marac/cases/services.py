"""Cases: reading one (decrypted, audited), listing an area's cases, and the must-not-receive list."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import MANAGERS, OVERSEERS, Actor, require_role
from marac.access.models import Membership, User
from marac.cases import schemas, views
from marac.cases.access import ensure_may_see_case, not_excluded, visible_referrals
from marac.cases.models import Case, CaseParty, ExcludedRecipient, PartyRole, Person, PoliceIncident, Referral
from marac.cases.people import Protector, reveal
from marac.clock import Clock
from marac.errors import Conflict, InvalidInput, NotFound


async def get_case(
    session: AsyncSession, clock: Clock, actor: Actor, protector: Protector, case_id: uuid.UUID
) -> schemas.Case:
    """A case with its people decrypted, for someone with a need to know; audited as ``case.view``."""
    case = await ensure_may_see_case(session, actor, case_id)
    victim = await session.get(Person, case.victim_id)
    assert victim is not None
    parties = await session.execute(
        select(CaseParty.role, Person)
        .join(Person, Person.id == CaseParty.person_id)
        .where(CaseParty.case_id == case.id)
        .order_by(Person.created_at)
    )
    perpetrators: list[schemas.Person] = []
    children: list[schemas.Person] = []
    for role, person in parties:
        (perpetrators if role is PartyRole.PERPETRATOR else children).append(
            reveal(protector, person).as_schema()
        )
    incidents = await session.scalars(
        select(PoliceIncident).where(PoliceIncident.case_id == case.id).order_by(PoliceIncident.occurred_on)
    )
    referrals = await session.scalars(
        select(Referral)
        .where(Referral.case_id == case.id, visible_referrals(actor, case.area_id))
        .order_by(Referral.submitted_at)
    )
    await audit.record(session, actor, clock, "case.view", "case", case.id, area_id=case.area_id)
    return schemas.Case(
        id=case.id,
        reference=case.reference,
        area_id=case.area_id,
        victim=reveal(protector, victim).as_schema(),
        perpetrators=perpetrators,
        children=children,
        children_in_household=case.children_in_household,
        police_incidents=[
            schemas.PoliceIncident(occurred_on=i.occurred_on, reference=i.reference) for i in incidents
        ],
        referrals=[views.referral_summary(r, case.reference) for r in referrals],
        created_at=case.created_at,
        last_heard_on=case.last_heard_on,
        version=case.version,
    )


async def list_cases(
    session: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID
) -> list[schemas.CaseSummary]:
    """The area's open cases for its coordinators and chairs: references and counts, no names."""
    require_role(actor, area_id, *OVERSEERS, object_type="area", object_id=area_id, doing="list cases")
    counts = (
        select(
            Referral.case_id,
            func.count(Referral.id).label("referrals"),
            func.max(Referral.referred_on).label("latest"),
        )
        .group_by(Referral.case_id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(Case, counts.c.referrals, counts.c.latest)
            .outerjoin(counts, counts.c.case_id == Case.id)
            .where(Case.area_id == area_id, Case.merged_into_id.is_(None), not_excluded(actor, Case.id))
            .order_by(Case.reference)
        )
    ).all()
    await audit.record(
        session, actor, clock, "case.list", "area", area_id, area_id=area_id, detail={"count": len(rows)}
    )
    return [
        schemas.CaseSummary(
            id=case.id,
            reference=case.reference,
            created_at=case.created_at,
            referral_count=count or 0,
            latest_referral_on=latest,
            children_in_household=case.children_in_household,
            last_heard_on=case.last_heard_on,
        )
        for case, count, latest in rows
    ]


# --- the must-not-receive list --------------------------------------------------------------------------


async def _managed_case(session: AsyncSession, actor: Actor, case_id: uuid.UUID) -> Case:
    case = await ensure_may_see_case(session, actor, case_id)
    require_role(
        actor,
        case.area_id,
        *MANAGERS,
        object_type="case",
        object_id=case_id,
        doing="manage who must not receive a case",
    )
    return case


async def list_excluded(
    session: AsyncSession, clock: Clock, actor: Actor, case_id: uuid.UUID
) -> list[ExcludedRecipient]:
    """The case's must-not-receive list, for its coordinators."""
    case = await _managed_case(session, actor, case_id)
    rows = await session.scalars(
        select(ExcludedRecipient)
        .where(ExcludedRecipient.case_id == case.id)
        .order_by(ExcludedRecipient.added_at)
    )
    await audit.record(session, actor, clock, "case.excluded.list", "case", case.id, area_id=case.area_id)
    return list(rows)


async def exclude_user(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    case_id: uuid.UUID,
    data: schemas.ExcludedRecipientCreate,
) -> ExcludedRecipient:
    """Put a user of the area on the case's must-not-receive list: the case is hidden from them."""
    case = await _managed_case(session, actor, case_id)
    member = await session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id == data.user_id, Membership.area_id == case.area_id)
        .limit(1)
    )
    if member is None:
        raise InvalidInput.for_field("user_id", "no such user in this area")
    entry = ExcludedRecipient(
        case_id=case.id,
        user_id=data.user_id,
        reason=data.reason.strip(),
        added_by=actor.user_id,
        added_at=clock.now(),
    )
    session.add(entry)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict("This user is already on the case's must-not-receive list") from exc
    await audit.record(
        session,
        actor,
        clock,
        "case.excluded.add",
        "case",
        case.id,
        area_id=case.area_id,
        detail={"user_id": data.user_id},
    )
    return entry


async def include_user(
    session: AsyncSession, clock: Clock, actor: Actor, case_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Take a user off the case's must-not-receive list."""
    case = await _managed_case(session, actor, case_id)
    entry = await session.get(ExcludedRecipient, (case.id, user_id))
    if entry is None:
        raise NotFound("must-not-receive entry", user_id)
    await session.delete(entry)
    await audit.record(
        session,
        actor,
        clock,
        "case.excluded.remove",
        "case",
        case.id,
        area_id=case.area_id,
        detail={"user_id": user_id},
    )
