"""Append-only, hash-chained audit log.

Each event stores the SHA-256 of its own content together with the hash of the event before it, so
altering or removing any row breaks the chain at that point; ``marac audit verify`` finds the first
broken link.  Database triggers (see the migrations) refuse UPDATE and DELETE on the table, and events
are written in the same transaction as the change they describe, so a change is never without its entry.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from marac.access.guards import Actor
from marac.clock import Clock
from marac.db import Base

GENESIS = "0" * 64
# Any constant will do; it names the advisory lock that serialises writers of the chain on PostgreSQL.
_CHAIN_LOCK_KEY = 0x6D61726163


class AuditEvent(Base):
    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    occurred_at: Mapped[datetime]
    actor_id: Mapped[uuid.UUID | None]
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(80), index=True)
    area_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    client_address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


def _digest(prev_hash: str, event: AuditEvent) -> str:
    content = {
        "prev": prev_hash,
        "at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "actor": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "area_id": str(event.area_id) if event.area_id else None,
        "client": event.client_address,
        "detail": event.detail,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def record(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    action: str,
    object_type: str,
    object_id: object = None,
    *,
    area_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction.

    ``detail`` must never hold names, birth dates, addresses or risk answers: ids and field names only.
    """
    if session.get_bind().dialect.name == "postgresql":
        # Held until commit, so that two transactions cannot both extend the chain from the same head.
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    prev_hash = await session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
    event = AuditEvent(
        occurred_at=clock.now(),
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        area_id=area_id,
        client_address=actor.client_address,
        detail=json.loads(json.dumps(detail or {}, default=str)),
    )
    event.prev_hash = prev_hash or GENESIS
    event.hash = _digest(event.prev_hash, event)
    session.add(event)
    await session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


async def _events(session: AsyncSession, batch: int = 5000) -> AsyncIterator[AuditEvent]:
    last = 0
    while True:
        rows = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
            )
        ).all()
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1].seq


async def verify(session: AsyncSession) -> VerifyResult:
    """Walk the chain from the start; report the first event whose link or content does not hold."""
    expected_prev = GENESIS
    checked = 0
    async for event in _events(session):
        if event.prev_hash != expected_prev:
            return VerifyResult(
                checked, event.seq, "link to the previous event is broken (a row was removed?)"
            )
        if _digest(event.prev_hash, event) != event.hash:
            return VerifyResult(checked, event.seq, "content does not match its hash (the row was altered)")
        expected_prev = event.hash
        checked += 1
    return VerifyResult(checked)
