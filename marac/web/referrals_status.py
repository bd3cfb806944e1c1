"""What happened to a referral, in words: submitted, accepted, not accepted (why), queued for a
conference (when), heard; and the rows the referral lists and dashboard panels show.

The rows start from what the referral services returned (they decide who sees what and audit the
listing); the extra reads here are keyed by those referrals' ids: the agency's name, the note given
when a referral was not accepted, and the conference it is listed at.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.access.models import Agency
from marac.agenda.layout import Rearrangement
from marac.agenda.models import AgendaItem, Conference, ConferenceStatus, Outcome
from marac.agenda.publication import settle
from marac.agenda.queueing import queue_waiting_referrals
from marac.cases import schemas
from marac.cases.eligibility import Criterion
from marac.cases.models import Referral, ReferralStatus
from marac.clock import Clock

CRITERION_LABELS = {
    Criterion.VISIBLE_HIGH_RISK.value: "Visible high risk",
    Criterion.PROFESSIONAL_JUDGEMENT.value: "Professional judgement",
    Criterion.POTENTIAL_ESCALATION.value: "Potential escalation",
    Criterion.REPEAT.value: "Repeat",
}

# A listing at one of these still lies ahead (or is being heard right now).
_UPCOMING = (ConferenceStatus.SCHEDULED, ConferenceStatus.PUBLISHED, ConferenceStatus.HELD)


def long_date(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


@dataclass(frozen=True)
class Listing:
    """The conference a referral is (or was last) listed at."""

    conference_id: uuid.UUID
    local_date: date
    status: ConferenceStatus
    outcome: Outcome | None


@dataclass(frozen=True)
class Progress:
    """Where a referral stands: a short label ("Queued for conference") and the detail that goes with it."""

    label: str
    detail: str = ""
    kind: str = "open"  # open | accepted | queued | heard | closed: styles the label

    @property
    def text(self) -> str:
        return f"{self.label}: {self.detail}" if self.detail else self.label


@dataclass(frozen=True)
class ReferralRow:
    id: uuid.UUID
    reference: str
    case_reference: str
    agency: str
    referred_on: date
    eligible: bool
    criteria: tuple[str, ...]
    is_repeat: bool
    urgent: bool
    has_children: bool
    linked: bool
    linked_count: int  # further referrals for the same victim, to be heard with this one
    possible_match: bool
    progress: Progress

    @property
    def criteria_text(self) -> str:
        return ", ".join(self.criteria) if self.criteria else "No criterion met"


def progress_of(
    referral: schemas.ReferralSummary, listing: Listing | None, decision_reason: str | None
) -> Progress:
    if referral.heard_on is not None:
        return Progress(f"Heard on {long_date(referral.heard_on)}", kind="heard")
    if referral.status is ReferralStatus.WITHDRAWN:
        return Progress("Withdrawn", decision_reason or "", kind="closed")
    if referral.status is ReferralStatus.RETURNED:
        return Progress("Not accepted", decision_reason or "", kind="closed")
    if referral.status is ReferralStatus.SUBMITTED:
        detail = "Waiting for the coordinator's decision"
        if referral.linked_to_id is not None:
            detail = "Added to the referral already waiting for this victim"
        return Progress("Submitted", detail)
    if referral.linked_to_id is not None:
        return Progress(
            "Accepted", "To be heard with the referral already waiting for this victim", "accepted"
        )
    if listing is not None and listing.outcome is None and listing.status in _UPCOMING:
        return Progress(f"Queued for conference {long_date(listing.local_date)}", kind="queued")
    if listing is not None and listing.outcome is Outcome.DEFERRED:
        return Progress("Accepted", "Deferred: waiting for the next conference", "accepted")
    return Progress("Accepted", "Waiting for a conference with room", "accepted")


async def listings(session: AsyncSession, referral_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Listing]:
    """The latest conference each referral is listed at (cancelled meetings left out)."""
    found: dict[uuid.UUID, Listing] = {}
    ids = list(referral_ids)
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(
                AgendaItem.referral_id,
                Conference.id,
                Conference.local_date,
                Conference.status,
                AgendaItem.outcome,
            )
            .join(Conference, Conference.id == AgendaItem.conference_id)
            .where(
                AgendaItem.referral_id.in_(ids[start : start + 500]),
                AgendaItem.notification_only.is_(False),
                Conference.status != ConferenceStatus.CANCELLED,
            )
            .order_by(Conference.starts_at)
        )
        for referral_id, conference_id, local_date, status, outcome in rows:
            found[referral_id] = Listing(conference_id, local_date, status, outcome)
    return found


async def decision_reasons(session: AsyncSession, referral_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The coordinator's note on referrals not accepted or withdrawn (about the referral, not people)."""
    ids = list(referral_ids)
    found: dict[uuid.UUID, str] = {}
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(Referral.id, Referral.decision_reason).where(
                Referral.id.in_(ids[start : start + 500]), Referral.decision_reason.is_not(None)
            )
        )
        found.update({referral_id: reason for referral_id, reason in rows if reason})
    return found


async def agency_names(session: AsyncSession, area_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await session.execute(select(Agency.id, Agency.name).where(Agency.area_id == area_id))
    return {row[0]: row[1] for row in rows}


async def referral_rows(
    session: AsyncSession,
    area_id: uuid.UUID,
    referrals: Sequence[schemas.ReferralSummary],
    possible_matches: frozenset[uuid.UUID] = frozenset(),
) -> list[ReferralRow]:
    """Rows for referrals a service has already listed for the actor."""
    ids = [r.id for r in referrals]
    listed = await listings(session, ids)
    reasons = await decision_reasons(session, ids)
    agencies = await agency_names(session, area_id)
    return [
        ReferralRow(
            id=r.id,
            reference=r.reference,
            case_reference=r.case_reference,
            agency=agencies.get(r.referring_agency_id, ""),
            referred_on=r.referred_on,
            eligible=r.eligible,
            criteria=tuple(CRITERION_LABELS.get(c, c) for c in r.criteria),
            is_repeat=r.is_repeat,
            urgent=r.urgent,
            has_children=r.has_children,
            linked=r.linked_to_id is not None,
            linked_count=r.linked_count,
            possible_match=r.id in possible_matches,
            progress=progress_of(r, listed.get(r.id), reasons.get(r.id)),
        )
        for r in referrals
    ]


async def queue_accepted(session: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID) -> None:
    """Place the area's waiting referrals now, as the scheduler's queue sweep would within a minute.

    The coordinator then sees the conference an accepted referral is listed for straight away; the
    sweep, being idempotent, finds nothing left to do.
    """
    work = Rearrangement(clock.now())
    await queue_waiting_referrals(session, clock, work, actor, area_ids=[area_id])
    await settle(session, clock, actor, work)
