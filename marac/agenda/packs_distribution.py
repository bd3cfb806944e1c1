"""Issuing briefing packs: made at the pack lead time, remade when what they show changes.

From its pack moment (``Conference.packs_at``, by default two working days before the meeting) until the
meeting starts, every published conference's packs are kept in line with the facts:

* each recipient's copy is built from the latest agenda version and compared, by fingerprint, with
  the copy they hold; only a changed copy is made again (as the next version of their copy, with a
  new reference), and the copy it replaces is marked superseded;
* a recipient is told by email when they get their first copy or a copy made from a new agenda
  version — not for a late research note — and the email links to the portal: the document is never
  attached and the email names no case;
* someone who no longer receives packs (no longer a representative, or the conference was cancelled)
  has their copy withdrawn.

Every issue is audited with each copy's reference, recipient and SHA-256, and every withdrawal with
the copy's reference, so a leaked copy can be traced.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from marac import audit
from marac.access.guards import Actor
from marac.access.models import Area
from marac.agenda.documents import PackDoc
from marac.agenda.documents_models import BriefingPack
from marac.agenda.docx import render
from marac.agenda.models import Conference, ConferenceStatus
from marac.agenda.packs import ConferencePacks, PackRecipient, cases_for, fingerprint, pack_context
from marac.agenda.packs_sources import load_conference_packs
from marac.agenda.visibility import get_conference, require_manager
from marac.cases.people import Protector
from marac.clock import Clock
from marac.errors import Conflict
from marac.notify.invitations import facts
from marac.notify.messages import AreaMail, ConferenceFacts, notice_draft
from marac.notify.outbox import Draft, enqueue_many
from marac.settings import Settings

# Letters and digits that cannot be misread for each other when someone reads a reference aloud.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 8


@dataclass(frozen=True)
class PackRun:
    """What one pass over a conference's packs did."""

    conference_id: uuid.UUID
    agenda_version: int
    issued: int = 0
    announced: int = 0
    unchanged: int = 0
    withdrawn: int = 0


def new_reference() -> str:
    """A random copy reference such as ``K7RM2QXA`` (32⁸ possibilities; uniqueness is checked too)."""
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


async def _unused_references(session: AsyncSession, count: int) -> list[str]:
    while True:
        wanted = list(dict.fromkeys(new_reference() for _ in range(count)))
        taken = set(
            await session.scalars(select(BriefingPack.reference).where(BriefingPack.reference.in_(wanted)))
        )
        fresh = [reference for reference in wanted if reference not in taken]
        if len(fresh) == count:
            return fresh


def _render_all(contexts: Sequence[PackDoc], template_dir: Path | None) -> list[bytes]:
    return [render("briefing_pack", context, template_dir=template_dir) for context in contexts]


async def current_packs(session: AsyncSession, conference_id: uuid.UUID) -> dict[uuid.UUID, BriefingPack]:
    """Each recipient's current copy for a conference (without its content, which is not needed here)."""
    rows = await session.scalars(
        select(BriefingPack)
        .options(defer(BriefingPack.content, raiseload=True))
        .where(
            BriefingPack.conference_id == conference_id,
            BriefingPack.superseded_at.is_(None),
            BriefingPack.withdrawn_at.is_(None),
        )
    )
    return {row.recipient_user_id: row for row in rows}


async def _last_numbers(session: AsyncSession, conference_id: uuid.UUID) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(BriefingPack.recipient_user_id, func.max(BriefingPack.number))
        .where(BriefingPack.conference_id == conference_id)
        .group_by(BriefingPack.recipient_user_id)
    )
    return dict(rows.all())


def _announcement(
    mail: AreaMail, meeting: ConferenceFacts, recipient: PackRecipient, pack: BriefingPack
) -> Draft:
    """The email telling one recipient their copy is ready: time, place, versions, the copy reference
    and a portal link — never a case, never the document."""
    replaces = f" It replaces version {pack.number - 1}." if pack.number > 1 else ""
    return notice_draft(
        mail,
        key=f"briefing-pack:{pack.conference_id}:{recipient.user_id}:{pack.number}",
        kind="briefing_pack",
        to=recipient.email,
        subject=f"{'Updated b' if pack.number > 1 else 'B'}riefing pack: {meeting.title}, "
        f"{meeting.short_date(mail.timezone)}",
        lines=[
            f"Your briefing pack for {meeting.title} on {meeting.when(mail.timezone)} is ready.",
            f"This is version {pack.number} of your copy, made from agenda version {pack.agenda_version}."
            + replaces,
            f"Copy reference: {pack.reference}.",
            "Briefing packs are never sent by email: sign in to the MARAC portal to download yours.",
        ],
        link_path=f"/conferences/{pack.conference_id}/packs",
        recipient_user_id=recipient.user_id,
        conference_id=pack.conference_id,
    )


async def _announce(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    conference: Conference,
    area: Area,
    series_name: str,
    to_tell: list[tuple[PackRecipient, BriefingPack]],
) -> int:
    """Queue the announcements in one statement; returns how many were queued."""
    if not to_tell:
        return 0
    mail = AreaMail.of(area, settings)
    meeting = facts(conference, series_name)
    drafts = [_announcement(mail, meeting, recipient, pack) for recipient, pack in to_tell]
    queued = await enqueue_many(session, clock, settings, drafts)
    for (_, pack), draft, row in zip(to_tell, drafts, queued, strict=True):
        if row is not None:
            pack.announced_at, pack.notification_key = clock.now(), draft.key
    return sum(row is not None for row in queued)


async def _withdraw(
    session: AsyncSession, clock: Clock, actor: Actor, pack: BriefingPack, reason: str
) -> None:
    pack.withdrawn_at = clock.now()
    await audit.record(
        session,
        actor,
        clock,
        "pack.withdraw",
        "briefing_pack",
        pack.id,
        area_id=pack.area_id,
        detail={"reference": pack.reference, "version": pack.number, "reason": reason},
    )


async def issue_packs(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    settings: Settings,
    protector: Protector,
    conference: Conference,
) -> PackRun:
    """Bring every copy of one conference's pack in line with its facts (see the module docstring)."""
    if session.get_bind().dialect.name == "postgresql":
        # Two sweeps, or a sweep and the coordinator, must not issue the same version twice.
        await session.execute(select(Conference.id).where(Conference.id == conference.id).with_for_update())
    now = clock.now()
    # Held for the whole issue, so that the session keeps it and the facts' loading reads no area again.
    area = await session.get(Area, conference.area_id)
    assert area is not None  # foreign key
    packs: ConferencePacks = await load_conference_packs(session, protector, conference, now)
    held = await current_packs(session, conference.id)
    changed: list[tuple[PackRecipient, PackDoc, str]] = []
    unchanged = 0
    for recipient in packs.recipients:
        context = pack_context(packs, recipient, reference="", generated_at=now)
        print_hash = fingerprint(context)
        previous = held.get(recipient.user_id)
        if previous is not None and previous.fingerprint == print_hash:
            unchanged += 1
            continue
        changed.append((recipient, context, print_hash))
    references = await _unused_references(session, len(changed)) if changed else []
    contexts = [
        replace(context, recipient=replace(context.recipient, reference=reference))
        for (_, context, _), reference in zip(changed, references, strict=True)
    ]
    documents = await asyncio.to_thread(_render_all, contexts, packs.template_dir)
    numbers = await _last_numbers(session, conference.id) if changed else {}
    issued: list[BriefingPack] = []
    to_tell: list[tuple[PackRecipient, BriefingPack]] = []
    for (recipient, _, print_hash), context, content in zip(changed, contexts, documents, strict=True):
        previous = held.get(recipient.user_id)
        if previous is not None:
            previous.superseded_at = now
        pack = BriefingPack(
            id=uuid.uuid4(),
            conference_id=conference.id,
            area_id=conference.area_id,
            recipient_user_id=recipient.user_id,
            agency_id=recipient.agency_id,
            number=numbers.get(recipient.user_id, 0) + 1,
            agenda_version=packs.agenda_version,
            reference=context.recipient.reference,
            case_ids=[str(case.case_id) for case in cases_for(packs, recipient)],
            fingerprint=print_hash,
            content=content,
            content_hash=hashlib.sha256(content).hexdigest(),
            size=len(content),
            generated_at=now,
        )
        issued.append(pack)
        # Told for a first copy or a new agenda version; a late research note changes the copy quietly.
        if previous is None or previous.agenda_version != pack.agenda_version:
            to_tell.append((recipient, pack))
    # Announced before the copies are stored, so that each is written once, with when it was announced.
    announced = await _announce(session, clock, settings, conference, area, packs.series_name, to_tell)
    session.add_all(issued)
    await session.flush()
    if issued:
        # One entry for the whole issue: which copy reference went to whom, and its SHA-256.
        await audit.record(
            session,
            actor,
            clock,
            "pack.issue",
            "conference",
            conference.id,
            area_id=conference.area_id,
            detail={
                "agenda_version": packs.agenda_version,
                "copies": [
                    {
                        "pack_id": str(pack.id),
                        "reference": pack.reference,
                        "recipient_user_id": str(pack.recipient_user_id),
                        "version": pack.number,
                        "cases": len(pack.case_ids),
                        "sha256": pack.content_hash,
                    }
                    for pack in issued
                ],
            },
        )
    wanted = {recipient.user_id for recipient in packs.recipients}
    gone = [pack for user_id, pack in held.items() if user_id not in wanted]
    for pack in gone:
        await _withdraw(session, clock, actor, pack, "no longer a recipient")
    await session.flush()
    return PackRun(conference.id, packs.agenda_version, len(changed), announced, unchanged, len(gone))


def packs_due(conference: Conference, now: datetime) -> bool:
    """Whether a conference's packs are kept up to date now: published, from its pack moment until
    the meeting starts."""
    return (
        conference.status == ConferenceStatus.PUBLISHED
        and conference.agenda_version > 0
        and conference.packs_at <= now < conference.starts_at
    )


async def due_conference_ids(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """Conferences whose packs the sweep keeps up to date now, soonest first."""
    rows = await session.scalars(
        select(Conference.id)
        .where(
            Conference.status == ConferenceStatus.PUBLISHED,
            Conference.agenda_version > 0,
            Conference.packs_at <= now,
            Conference.starts_at > now,
        )
        .order_by(Conference.starts_at, Conference.id)
    )
    return list(rows)


async def issue_due_packs(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    settings: Settings,
    protector: Protector,
    conference_id: uuid.UUID,
) -> PackRun | None:
    """The sweep's step for one conference: issue its packs if they are still due (idempotent)."""
    conference = await session.get(Conference, conference_id)
    if conference is None or not packs_due(conference, clock.now()):
        return None
    return await issue_packs(session, clock, actor, settings, protector, conference)


async def withdraw_cancelled(session: AsyncSession, clock: Clock, actor: Actor) -> int:
    """Withdraw every copy of a cancelled conference's pack (the sweep's clean-up; idempotent)."""
    rows = await session.scalars(
        select(BriefingPack)
        .join(Conference, Conference.id == BriefingPack.conference_id)
        .where(
            Conference.status == ConferenceStatus.CANCELLED,
            BriefingPack.superseded_at.is_(None),
            BriefingPack.withdrawn_at.is_(None),
        )
    )
    packs = list(rows)
    for pack in packs:
        await _withdraw(session, clock, actor, pack, "conference cancelled")
    return len(packs)


async def issue_packs_now(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    settings: Settings,
    protector: Protector,
    conference_id: uuid.UUID,
) -> PackRun:
    """The coordinator issues (or brings up to date) a conference's packs before the pack moment."""
    conference = await get_conference(session, actor, conference_id)
    require_manager(actor, conference, "issue briefing packs")
    if conference.status != ConferenceStatus.PUBLISHED or conference.agenda_version == 0:
        raise Conflict("Briefing packs are issued from a published agenda, until the meeting is held")
    if clock.now() >= conference.starts_at:
        raise Conflict("The meeting has started: its briefing packs can no longer change")
    return await issue_packs(session, clock, actor, settings, protector, conference)
