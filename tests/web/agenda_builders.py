"""Shared by the agenda, research and pack page tests: a published conference, sign-in, audit reads."""

from __future__ import annotations

import re
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from marac.agenda.models import AgendaItem, Conference
from marac.agenda.packs_distribution import issue_packs_now
from marac.audit import AuditEvent
from marac.runtime import Runtime
from tests.documents.pack_builders import SYSTEM, PackWorld, protector
from tests.web.conftest import sign_in_client

_CASE_REF = re.compile(r"MC-\d{5}")


async def sign_in_as(client: AsyncTestClient[Litestar], world: PackWorld, key: str) -> str:
    """Log in as one of the pack world's people (coordinator, police.rep, …); returns the CSRF token."""
    client.cookies.clear()  # whoever was signed in before
    return await sign_in_client(client, world.users[key].email)


def case_order(html: str) -> list[str]:
    """Case references in the order the page shows them (each once)."""
    return list(dict.fromkeys(_CASE_REF.findall(html)))


async def audited(runtime: Runtime, action: str) -> list[AuditEvent]:
    async with runtime.transaction() as session:
        return list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            )
        )


async def item_ids(runtime: Runtime, conference_id: uuid.UUID) -> dict[uuid.UUID, AgendaItem]:
    """The conference's agenda items by case id."""
    async with runtime.transaction() as session:
        rows = await session.scalars(select(AgendaItem).where(AgendaItem.conference_id == conference_id))
        return {item.case_id: item for item in rows}


async def conference(runtime: Runtime, conference_id: uuid.UUID) -> Conference:
    async with runtime.transaction() as session:
        found = await session.get(Conference, conference_id)
        assert found is not None
        return found


async def later_conference(runtime: Runtime, world: PackWorld) -> Conference:
    """The series' conference after the published one (January 2027, a draft)."""
    async with runtime.transaction() as session:
        found = await session.scalar(
            select(Conference)
            .where(Conference.series_id == world.series_id, Conference.starts_at > world.conference.starts_at)
            .order_by(Conference.starts_at)
            .limit(1)
        )
    assert found is not None
    return found


async def issue_packs(runtime: Runtime, world: PackWorld) -> None:
    async with runtime.transaction() as session:
        await issue_packs_now(
            session, runtime.clock, SYSTEM, runtime.settings, protector(runtime), world.conference.id
        )
