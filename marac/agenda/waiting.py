"""Which accepted referrals wait for a conference, and which listed ones no longer belong on one.

A referral waits when it is accepted, not linked to another referral, not yet heard, and has no live
agenda item: one at a meeting still to come, or one already heard or withdrawn there.  A case
deferred or not reached at a closed meeting therefore waits again, marked as carried over.  A listed
referral that has since been withdrawn, returned or linked to another is taken off the open agenda.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.agenda.layout import OPEN_STATUSES, ListingFacts, Rearrangement, relayout
from marac.agenda.models import AgendaItem, Conference, ConferenceStatus, Outcome
from marac.cases.models import Case, Referral, ReferralStatus

# An outcome that ends a referral's time on the agenda.
_FINAL_OUTCOMES = (Outcome.HEARD, Outcome.WITHDRAWN)


@dataclass(frozen=True)
class Waiting:
    """An accepted referral waiting for a conference, with what placing and ordering it needs."""

    referral_id: uuid.UUID
    area_id: uuid.UUID
    case_id: uuid.UUID
    decided_at: datetime
    reference: str
    carried: bool
    urgent: bool
    facts: ListingFacts


def _live_item() -> Exists:
    """An item that keeps a referral off the queue: at a meeting still to come, or heard/withdrawn."""
    return (
        select(AgendaItem.id)
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .where(
            AgendaItem.referral_id == Referral.id,
            AgendaItem.notification_only.is_(False),
            or_(
                Conference.status.in_(
                    (ConferenceStatus.SCHEDULED, ConferenceStatus.PUBLISHED, ConferenceStatus.HELD)
                ),
                AgendaItem.outcome.in_(_FINAL_OUTCOMES),
            ),
        )
        .exists()
    )


def _was_listed() -> Exists:
    """Listed before at a meeting now closed (deferred or not heard there): it is carried over."""
    return (
        select(AgendaItem.id)
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .where(
            AgendaItem.referral_id == Referral.id,
            AgendaItem.notification_only.is_(False),
            Conference.status == ConferenceStatus.CLOSED,
        )
        .exists()
    )


async def waiting_referrals(
    session: AsyncSession, area_ids: Collection[uuid.UUID] | None = None
) -> list[Waiting]:
    """Accepted referrals that are on no live agenda, oldest acceptance first, with what ordering needs."""
    query = (
        select(
            Referral.id,
            Referral.area_id,
            Referral.case_id,
            Referral.decided_at,
            Referral.submitted_at,
            Referral.reference,
            _was_listed().label("carried"),
            Referral.urgent,
            Case.reference,
            Referral.has_children,
            Case.children_in_household,
            Referral.is_repeat,
            Referral.risk_rank,
        )
        .join(Case, Case.id == Referral.case_id)
        .where(
            Referral.status == ReferralStatus.ACCEPTED,
            Referral.linked_to_id.is_(None),
            Referral.heard_on.is_(None),  # heard before this service (or at a meeting): not waiting
            ~_live_item(),
        )
    )
    if area_ids is not None:
        query = query.where(Referral.area_id.in_(list(area_ids)))
    waiting = [
        Waiting(
            referral_id=row[0],
            area_id=row[1],
            case_id=row[2],
            decided_at=row[3] or row[4],
            reference=row[5],
            carried=bool(row[6]),
            urgent=bool(row[7]),
            facts=ListingFacts(row[5], row[8], bool(row[9] or row[10]), row[11], row[12], row[4]),
        )
        for row in await session.execute(query)
    ]
    waiting.sort(key=lambda w: (w.decided_at, str(w.referral_id)))
    return waiting


async def drop_withdrawn(
    session: AsyncSession, work: Rearrangement, area_ids: Collection[uuid.UUID] | None = None
) -> int:
    """Take off open agendas the cases whose referral is no longer accepted or has been linked to
    another referral; their agendas are laid out again (and republished when published)."""
    query = (
        select(AgendaItem, Conference)
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .join(Referral, Referral.id == AgendaItem.referral_id)
        .where(
            Conference.status.in_(OPEN_STATUSES),
            AgendaItem.notification_only.is_(False),
            or_(Referral.status != ReferralStatus.ACCEPTED, Referral.linked_to_id.is_not(None)),
        )
    )
    if area_ids is not None:
        query = query.where(Conference.area_id.in_(list(area_ids)))
    found = (await session.execute(query)).all()
    conferences: dict[uuid.UUID, Conference] = {}
    for item, conference in found:
        await session.delete(item)
        conferences[conference.id] = conference
    if found:
        await session.flush()
        for conference in conferences.values():
            await relayout(session, work, conference)
    return len(found)
