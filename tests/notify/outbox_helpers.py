"""Builders shared by the outbox, delivery and privacy tests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from marac.access.models import Area, User
from marac.cases import schemas as case_schemas
from marac.cases.models import Case, ExcludedRecipient
from marac.cases.people import Protector, new_person
from marac.notify.models import Notification
from marac.notify.outbox import Draft
from marac.runtime import Runtime


def draft(
    user: User,
    key: str,
    *,
    due_at: datetime | None = None,
    case_id: uuid.UUID | None = None,
    area: Area | None = None,
    subject: str | None = None,
) -> Draft:
    """A small reminder-like message to ``user``."""
    return Draft(
        key=key,
        kind="test",
        to=user.email,
        subject=subject or f"Message {key}",
        text=f"Details are in the portal: https://marac.example/messages/{key}",
        html=f"<p>Message {key}</p>",
        marking="OFFICIAL-SENSITIVE",
        reply_to="marac.coordinator@north.example",
        recipient_user_id=user.id,
        area_id=area.id if area else None,
        case_id=case_id,
        due_at=due_at,
    )


async def rows(runtime: Runtime, **where: Any) -> list[Notification]:
    """Outbox rows in due order, optionally filtered by column values."""
    async with runtime.sessions() as session:
        query = select(Notification).order_by(Notification.due_at, Notification.queued_order)
        for name, value in where.items():
            query = query.where(getattr(Notification, name) == value)
        return list((await session.scalars(query)).all())


async def make_case(
    runtime: Runtime,
    area: Area,
    reference: str,
    victim: case_schemas.PersonCreate,
    *,
    excluded: list[User] = (),  # type: ignore[assignment]
) -> Case:
    """A case whose victim's details are stored encrypted, as the cases service stores them."""
    protector = Protector.from_settings(runtime.settings.security)
    now = runtime.clock.now()
    async with runtime.transaction() as session:
        person = new_person(protector, area.id, victim, now)
        session.add(person)
        await session.flush()
        case = Case(area_id=area.id, reference=reference, victim_id=person.id, created_at=now)
        session.add(case)
        await session.flush()
        for user in excluded:
            session.add(ExcludedRecipient(case_id=case.id, user_id=user.id, reason="related", added_at=now))
    return case


async def exclude(runtime: Runtime, case: Case, user: User) -> None:
    async with runtime.transaction() as session:
        session.add(
            ExcludedRecipient(
                case_id=case.id, user_id=user.id, reason="related", added_at=runtime.clock.now()
            )
        )


VICTIM = case_schemas.PersonCreate(
    forename="Rosalind",
    surname="Featherstonehaugh",
    birth_date=date(1989, 4, 17),
    address="14 Quillbury Terrace, Northtown NT4 7QX",
)
