"""Demo step: the papers of the cycle — agenda, every briefing pack, minutes and action log — in OUT/docs.

Runs after the conference, notification and action steps.  The pack sweep issues packs on its own
when an earlier step ran the scheduler across a conference's pack moment; otherwise this step moves
the clock to the next published conference's pack moment and runs the sweep, as the scheduler would.
What each person received is written to ``OUT/docs`` under names that carry the conference date, the
agency and the copy reference — never anything about the people discussed:

* ``marac-agenda-2026-12-08-v1.docx`` (the coordinator's copy);
* ``marac-pack-2026-12-08-north-shire-police-K7RM2QXA.docx``, one per recipient;
* ``marac-minutes-2026-12-08-MIN-20261208-XXXXXX.docx`` and the action log as .docx and .xlsx, for
  the last meeting held.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from marac.access.auth import actor_for
from marac.access.guards import Actor
from marac.access.models import Agency, User
from marac.agenda.agenda_document import agenda_document
from marac.agenda.documents_models import BriefingPack
from marac.agenda.meeting_documents import action_log_document, minutes_document
from marac.agenda.models import Conference, ConferenceStatus
from marac.agenda.packs import pack_filename
from marac.agenda.packs_jobs import issue_briefing_packs
from marac.demo import DemoContext
from marac.scheduler import run_all_once


async def _coordinator(ctx: DemoContext) -> Actor:
    async with ctx.runtime.sessions() as session:
        person = await session.get(User, ctx.users["coordinator"].id)
        assert person is not None
        return actor_for(person)


async def _conferences(ctx: DemoContext) -> list[Conference]:
    """The area's conferences with a published agenda, in date order."""
    async with ctx.runtime.sessions() as session:
        rows = await session.scalars(
            select(Conference)
            .where(
                Conference.area_id == ctx.area.id,
                Conference.agenda_version > 0,
                Conference.status != ConferenceStatus.CANCELLED,
            )
            .order_by(Conference.starts_at)
        )
        return list(rows)


async def _with_packs(ctx: DemoContext) -> Conference | None:
    """The latest conference whose packs were issued, issuing the next one's if none were yet."""
    conferences = await _conferences(ctx)
    async with ctx.runtime.sessions() as session:
        issued = set(await session.scalars(select(BriefingPack.conference_id).distinct()))
    briefed = [c for c in conferences if c.id in issued]
    if briefed:
        return briefed[-1]
    upcoming = [
        c for c in conferences if c.status == ConferenceStatus.PUBLISHED and c.starts_at > ctx.clock.now()
    ]
    if not upcoming:
        return None
    conference = upcoming[0]
    if ctx.clock.now() < conference.packs_at:
        ctx.clock.set(conference.packs_at)
    await issue_briefing_packs(ctx.runtime)
    return conference


async def _write_packs(ctx: DemoContext, conference: Conference, docs: Path) -> int:
    async with ctx.runtime.sessions() as session:
        rows = await session.execute(
            select(BriefingPack, Agency.name)
            .outerjoin(Agency, Agency.id == BriefingPack.agency_id)
            .where(
                BriefingPack.conference_id == conference.id,
                BriefingPack.superseded_at.is_(None),
                BriefingPack.withdrawn_at.is_(None),
            )
        )
        packs = rows.all()
    for pack, agency in packs:
        (docs / pack_filename(conference.local_date, agency or "marac", pack.reference)).write_bytes(
            pack.content
        )
    return len(packs)


async def play(ctx: DemoContext) -> None:
    """Write the agenda, every current pack, and the last meeting's minutes and action log to OUT/docs."""
    docs = ctx.out_dir / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    coordinator = await _coordinator(ctx)
    protector = ctx.runtime.protector
    conference = await _with_packs(ctx)
    if conference is None:
        ctx.notes.append("packs: no published agenda to brief, so no briefing packs were issued")
    else:
        written = await _write_packs(ctx, conference, docs)
        async with ctx.runtime.transaction() as session:
            agenda = await agenda_document(session, ctx.clock, coordinator, conference.id)
        (docs / agenda.filename).write_bytes(agenda.content)
        await run_all_once(ctx.runtime)  # delivers the pack announcements to OUT/mail
        ctx.notes.append(
            f"packs: the agenda and {written} briefing packs (one per person, need-to-know) for the "
            f"conference of {conference.local_date:%d %B %Y} in {docs}"
        )
    held = [
        c for c in await _conferences(ctx) if c.status in (ConferenceStatus.HELD, ConferenceStatus.CLOSED)
    ]
    if not held:
        ctx.notes.append("packs: no meeting has been held yet, so there are no minutes or action log")
        return
    meeting = held[-1]
    async with ctx.runtime.transaction() as session:
        files = [
            await minutes_document(session, ctx.clock, coordinator, protector, meeting.id),
            await action_log_document(session, ctx.clock, coordinator, protector, meeting.id),
            await action_log_document(session, ctx.clock, coordinator, protector, meeting.id, "xlsx"),
        ]
    for document in files:
        (docs / document.filename).write_bytes(document.content)
    when = f"{meeting.local_date:%d %B %Y}"
    ctx.notes.append(f"packs: minutes and action log (.docx, .xlsx) of the meeting of {when} in {docs}")
