"""Notices for the coordinator: overflow, no conference with room, urgent referrals, publications.

A notice is a row, written in the same transaction as the change that caused it, with a key that
makes writing it twice harmless.  The coordinator sees them in the API; the notification outbox picks
up the unsent ones (:func:`coordinator_notices`) and marks them sent (:func:`mark_notices_sent`).
Messages carry references and dates only, never names, so they may travel by email.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import MANAGERS, Actor, require_role
from marac.agenda.models import ConferenceNotice, NoticeKind
from marac.cases.access import not_excluded
from marac.cases.models import Referral
from marac.clock import Clock
from marac.errors import NotFound

# Rows written in bulk go straight to the table: the ORM's bulk path costs more than the insert.
NOTICES = cast(Table, ConferenceNotice.__table__)


@dataclass(frozen=True)
class NewNotice:
    """A notice to write; ``dedupe_key`` names the event so that a repeated sweep writes it once."""

    area_id: uuid.UUID
    kind: NoticeKind
    message: str
    dedupe_key: str
    conference_id: uuid.UUID | None = None
    referral_id: uuid.UUID | None = None
    detail: dict[str, Any] = field(default_factory=dict)


async def add_notices(session: AsyncSession, now: datetime, notices: Iterable[NewNotice]) -> int:
    """Write the notices not written before (by ``dedupe_key``); returns how many were new."""
    wanted = {notice.dedupe_key: notice for notice in notices}
    if not wanted:
        return 0
    existing: set[str] = set()
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        existing.update(
            await session.scalars(
                select(ConferenceNotice.dedupe_key).where(
                    ConferenceNotice.dedupe_key.in_(keys[start : start + 500])
                )
            )
        )
    rows = [
        {
            "id": uuid.uuid4(),
            "area_id": notice.area_id,
            "conference_id": notice.conference_id,
            "referral_id": notice.referral_id,
            "kind": notice.kind,
            "message": notice.message[:500],
            "detail": notice.detail,
            "dedupe_key": key[:200],
            "created_at": now,
        }
        for key, notice in wanted.items()
        if key not in existing
    ]
    if rows:
        await session.execute(NOTICES.insert(), rows)
    return len(rows)


async def coordinator_notices(
    session: AsyncSession, *, area_id: uuid.UUID | None = None, limit: int = 200
) -> list[ConferenceNotice]:
    """Notices not yet handed to the outbox, oldest first: what the notification sweep sends to the
    area's coordinator mailbox (``AreaSettings.coordinator_mailbox``)."""
    query = select(ConferenceNotice).where(ConferenceNotice.sent_at.is_(None))
    if area_id is not None:
        query = query.where(ConferenceNotice.area_id == area_id)
    query = query.order_by(ConferenceNotice.created_at, ConferenceNotice.id).limit(limit)
    return list(await session.scalars(query))


async def mark_notices_sent(session: AsyncSession, notice_ids: Sequence[uuid.UUID], at: datetime) -> None:
    """Record that the outbox has taken these notices (called in the outbox's own transaction)."""
    if notice_ids:
        await session.execute(
            update(ConferenceNotice)
            .where(ConferenceNotice.id.in_(list(notice_ids)), ConferenceNotice.sent_at.is_(None))
            .values(sent_at=at)
        )


async def list_notices(
    session: AsyncSession, actor: Actor, area_id: uuid.UUID, *, include_acknowledged: bool = False
) -> list[ConferenceNotice]:
    """The area's notices for its coordinators, newest first; none about a case the coordinator must
    not receive."""
    require_role(actor, area_id, *MANAGERS, doing="see conference notices")
    query = (
        select(ConferenceNotice)
        .outerjoin(Referral, Referral.id == ConferenceNotice.referral_id)
        .where(
            ConferenceNotice.area_id == area_id,
            or_(ConferenceNotice.referral_id.is_(None), not_excluded(actor, Referral.case_id)),
        )
    )
    if not include_acknowledged:
        query = query.where(ConferenceNotice.acknowledged_at.is_(None))
    query = query.order_by(ConferenceNotice.created_at.desc(), ConferenceNotice.id).limit(500)
    return list(await session.scalars(query))


async def acknowledge_notice(
    session: AsyncSession, clock: Clock, actor: Actor, notice_id: uuid.UUID
) -> ConferenceNotice:
    """Mark a notice as dealt with; acknowledging twice keeps the first acknowledgement."""
    notice = await session.get(ConferenceNotice, notice_id)
    if notice is None:
        raise NotFound("conference notice", notice_id)
    require_role(
        actor, notice.area_id, *MANAGERS, object_type="conference notice", doing="acknowledge notices"
    )
    if notice.acknowledged_at is None:
        notice.acknowledged_at = clock.now()
        notice.acknowledged_by = actor.user_id
        await audit.record(
            session,
            actor,
            clock,
            "notice.acknowledge",
            "conference_notice",
            notice.id,
            area_id=notice.area_id,
        )
    return notice
