"""Who may see a case and its referrals: need-to-know, and the must-not-receive list.

The must-not-receive list of a case names users who get nothing about it, anywhere: the case, its
referrals, agenda items, packs, emails and invitations.  For them the case does not exist (404).  Every
domain that shows or sends something about a case calls these checks:

* :func:`ensure_not_excluded` / :func:`is_excluded` — one user, one case;
* :func:`excluded_user_ids` — who must not receive anything about a case (packs, emails);
* :func:`exclusions_for_cases` — the same for many cases at once (a whole agenda);
* :func:`excluded_case_ids` and :func:`not_excluded` — to leave a user's excluded cases out of lists.

Need-to-know for the identifying details of a case (:func:`may_see_case`):

* the area's coordinators, chairs and administrators (they run the MARAC);
* staff of an agency that referred the case (they supplied the details);
* the area's agency representatives once a referral of the case is accepted: it is going to a
  conference and they research it in their own agency's records;
* nobody else in the area, and nobody outside it (404 either way, so nobody learns the case exists).

Referrals are narrower (:func:`may_see_referral`): coordinators, chairs and administrators see every
referral of the area, everyone else only their own agency's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, exists, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from marac.access.guards import OVERSEERS, Actor, require_area
from marac.access.models import Role
from marac.cases.models import Case, ExcludedRecipient, Referral, ReferralStatus
from marac.errors import NotFound


async def excluded_user_ids(session: AsyncSession, case_id: uuid.UUID) -> set[uuid.UUID]:
    """The users on the case's must-not-receive list."""
    rows = await session.scalars(
        select(ExcludedRecipient.user_id).where(ExcludedRecipient.case_id == case_id)
    )
    return set(rows)


async def exclusions_for_cases(
    session: AsyncSession, case_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """For each case id, the users who must not receive anything about it (empty set when none)."""
    wanted = list(dict.fromkeys(case_ids))
    result: dict[uuid.UUID, set[uuid.UUID]] = {case_id: set() for case_id in wanted}
    if wanted:
        rows = await session.execute(
            select(ExcludedRecipient.case_id, ExcludedRecipient.user_id).where(
                ExcludedRecipient.case_id.in_(wanted)
            )
        )
        for case_id, user_id in rows:
            result[case_id].add(user_id)
    return result


async def excluded_case_ids(session: AsyncSession, user_id: uuid.UUID | None) -> set[uuid.UUID]:
    """The cases a user must not receive anything about."""
    if user_id is None:
        return set()
    rows = await session.scalars(
        select(ExcludedRecipient.case_id).where(ExcludedRecipient.user_id == user_id)
    )
    return set(rows)


def not_excluded(
    actor: Actor, case_id_column: ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID]
) -> ColumnElement[bool]:
    """A WHERE clause that drops the actor's excluded cases from a query over ``case_id_column``."""
    if actor.user_id is None:
        return true()
    return ~exists().where(
        ExcludedRecipient.case_id == case_id_column, ExcludedRecipient.user_id == actor.user_id
    )


async def is_excluded(session: AsyncSession, actor: Actor, case_id: uuid.UUID) -> bool:
    """True when the actor is on the case's must-not-receive list (the system never is)."""
    if actor.user_id is None:
        return False
    found = await session.scalar(
        select(ExcludedRecipient.user_id).where(
            ExcludedRecipient.case_id == case_id, ExcludedRecipient.user_id == actor.user_id
        )
    )
    return found is not None


async def ensure_not_excluded(
    session: AsyncSession,
    actor: Actor,
    case_id: uuid.UUID,
    object_type: str = "case",
    object_id: object = None,
) -> None:
    """Raise :class:`NotFound` (for ``object_type``/``object_id``) when the actor is excluded."""
    if await is_excluded(session, actor, case_id):
        raise NotFound(object_type, object_id if object_id is not None else case_id)


async def may_see_case(session: AsyncSession, actor: Actor, case: Case) -> bool:
    """Need-to-know for a case's identifying details (see the module docstring)."""
    if not actor.belongs_to(case.area_id) or case.merged_into_id is not None:
        return False
    if await is_excluded(session, actor, case.id):
        return False
    if actor.has_role(case.area_id, *OVERSEERS):
        return True
    if actor.agency_id is not None:
        referred = await session.scalar(
            select(Referral.id)
            .where(Referral.case_id == case.id, Referral.referring_agency_id == actor.agency_id)
            .limit(1)
        )
        if referred is not None:
            return True
    if Role.REPRESENTATIVE in actor.roles_in(case.area_id):
        accepted = await session.scalar(
            select(Referral.id)
            .where(Referral.case_id == case.id, Referral.status == ReferralStatus.ACCEPTED)
            .limit(1)
        )
        return accepted is not None
    return False


async def ensure_may_see_case(session: AsyncSession, actor: Actor, case_id: uuid.UUID) -> Case:
    """The case, when the actor may see its details; otherwise :class:`NotFound`, whatever the reason."""
    case = await session.get(Case, case_id)
    if case is None or not await may_see_case(session, actor, case):
        raise NotFound("case", case_id)
    return case


def may_see_referral(actor: Actor, referral: Referral) -> bool:
    """Area overseers see every referral; everyone else only their own agency's (exclusion aside)."""
    if not actor.belongs_to(referral.area_id):
        return False
    if actor.has_role(referral.area_id, *OVERSEERS):
        return True
    return actor.agency_id is not None and actor.agency_id == referral.referring_agency_id


def visible_referrals(actor: Actor, area_id: uuid.UUID) -> ColumnElement[bool]:
    """A WHERE clause for the referrals of an area that the actor may list."""
    clause = (Referral.area_id == area_id) & not_excluded(actor, Referral.case_id)
    if actor.has_role(area_id, *OVERSEERS):
        return clause
    if actor.agency_id is None:
        return false()
    return clause & (Referral.referring_agency_id == actor.agency_id)


async def ensure_may_see_referral(session: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> Referral:
    """The referral, when the actor may see it; otherwise :class:`NotFound`."""
    referral = await session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("referral", referral_id)
    require_area(actor, referral.area_id, "referral", referral_id)
    if not may_see_referral(actor, referral) or await is_excluded(session, actor, referral.case_id):
        raise NotFound("referral", referral_id)
    return referral
