"""Coordinator notices (overflow, no room, urgent referral, publication) forwarded by email.

The agenda writes notices as rows (``marac.agenda.notices``); this sweep queues each unsent one to the
area's coordinator mailbox — or, when the area has none, to each of its coordinators — and marks it sent
in the same transaction.  Notices hold references and dates only.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.models import Area, Membership, Role, User
from marac.agenda.models import ConferenceNotice, NoticeKind
from marac.agenda.notices import coordinator_notices, mark_notices_sent
from marac.cases.models import Referral
from marac.clock import Clock
from marac.notify.messages import AreaMail, notice_draft
from marac.notify.outbox import Draft, enqueue_many
from marac.settings import Settings, get_settings

SUBJECTS = {
    NoticeKind.OVERFLOW: "A case moved to a later conference",
    NoticeKind.NO_CONFERENCE: "No conference has room: schedule one",
    NoticeKind.URGENT_REFERRAL: "Urgent referral: consider an extraordinary conference",
    NoticeKind.AGENDA_PUBLISHED: "Agenda published",
    NoticeKind.CARRIED_OVER: "A case was carried to the next conference",
}


async def forward_coordinator_notices(
    session: AsyncSession, clock: Clock, *, settings: Settings | None = None, limit: int = 500
) -> int:
    """Queue the unsent notices for the coordinators and mark them sent; returns how many notices."""
    settings = settings or get_settings()
    notices = await coordinator_notices(session, limit=limit)
    if not notices:
        return 0
    areas = {
        area.id: AreaMail.of(area, settings)
        for area in await session.scalars(select(Area).where(Area.id.in_({n.area_id for n in notices})))
    }
    coordinators = await _coordinators(
        [a for a, mail in areas.items() if not mail.coordinator_mailbox], session
    )
    cases = await _cases({n.referral_id for n in notices if n.referral_id is not None}, session)
    drafts: list[Draft] = []
    for notice in notices:
        mail = areas[notice.area_id]
        recipients = (
            [(None, mail.coordinator_mailbox)]
            if mail.coordinator_mailbox
            else coordinators.get(notice.area_id, [])
        )
        for user_id, address in recipients:
            drafts.append(_draft(mail, notice, user_id, address, cases.get(notice.referral_id)))
    await enqueue_many(session, clock, settings, drafts)
    await mark_notices_sent(session, [n.id for n in notices], clock.now())
    return len(notices)


def _draft(
    mail: AreaMail,
    notice: ConferenceNotice,
    user_id: uuid.UUID | None,
    address: str,
    case_id: uuid.UUID | None,
) -> Draft:
    link = f"/conferences/{notice.conference_id}" if notice.conference_id else "/notices"
    return notice_draft(
        mail,
        key=f"conference-notice:{notice.id}:{address}",
        kind="conference_notice",
        to=address,
        subject=SUBJECTS.get(notice.kind, "Conference notice"),
        lines=[notice.message],
        link_path=link,
        recipient_user_id=user_id,
        # A coordinator on the case's must-not-receive list is not told about it.
        case_id=case_id if user_id is not None else None,
        conference_id=notice.conference_id,
    )


async def _coordinators(
    area_ids: list[uuid.UUID], session: AsyncSession
) -> dict[uuid.UUID, list[tuple[uuid.UUID | None, str]]]:
    found: dict[uuid.UUID, list[tuple[uuid.UUID | None, str]]] = defaultdict(list)
    if area_ids:
        rows = await session.execute(
            select(Membership.area_id, User.id, User.email)
            .join(User, User.id == Membership.user_id)
            .where(Membership.area_id.in_(area_ids), Membership.role == Role.COORDINATOR, User.active)
            .order_by(User.email)
        )
        for area_id, user_id, email in rows:
            found[area_id].append((user_id, email))
    return found


async def _cases(referral_ids: set[uuid.UUID], session: AsyncSession) -> dict[uuid.UUID | None, uuid.UUID]:
    if not referral_ids:
        return {}
    rows = await session.execute(select(Referral.id, Referral.case_id).where(Referral.id.in_(referral_ids)))
    return dict(rows.all())
