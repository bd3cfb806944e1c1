"""Demo step: the conference cycle — a monthly series, queueing, publication, research, a held meeting.

Runs after the cases step.  The coordinator sets up a monthly MARAC (second Tuesday, 10:00 Europe/
London) attended by every agency; the scheduler's sweeps queue the accepted referrals and publish the
first agenda at its cut-off; representatives record their research; on the day the chair records
attendance, outcomes and minutes and closes the meeting; the next agenda is published with the cases
not heard at its head.  Everything goes through the real services and sweeps on the simulated clock.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from marac.access.auth import actor_for
from marac.access.guards import Actor
from marac.access.models import User
from marac.agenda import meeting, research, schemas, series
from marac.agenda.meeting_controllers import cipher_of
from marac.agenda.models import (
    AgendaItem,
    AttendanceStatus,
    Conference,
    ConferenceNotice,
    ConferenceStatus,
    Outcome,
    ResearchState,
)
from marac.demo import DemoContext
from marac.errors import MaracError
from marac.scheduler import run_all_once

# Representatives who record research in the demo, and what their agency tends to find.
RESEARCHERS = {
    "police.rep": (ResearchState.INFORMATION_HELD, ResearchState.SHARED),
    "csc.rep": (ResearchState.NOTHING_HELD, ResearchState.INFORMATION_HELD),
    "hospital.rep": (ResearchState.NOTHING_HELD, ResearchState.SHARED),
    "idva.rep": (ResearchState.SHARED,),
    "housing.rep": (ResearchState.NOTHING_HELD,),
}
NOTES = {
    ResearchState.SHARED: "Summary shared with the chair before the meeting",
    ResearchState.INFORMATION_HELD: "Records found; officer will attend",
}


def _day(conference: Conference) -> str:
    return f"{conference.local_date.day} {conference.local_date:%B %Y}"


async def _actor(ctx: DemoContext, local: str) -> Actor:
    async with ctx.runtime.sessions() as session:
        user = await session.get(User, ctx.users[local].id)
        assert user is not None
        return actor_for(user)


async def _conferences(ctx: DemoContext, series_id: uuid.UUID) -> list[Conference]:
    async with ctx.runtime.sessions() as session:
        rows = await session.scalars(
            select(Conference)
            .where(Conference.series_id == series_id, Conference.status != ConferenceStatus.CANCELLED)
            .order_by(Conference.starts_at)
        )
        return list(rows)


async def _items(ctx: DemoContext, conference_id: uuid.UUID) -> list[AgendaItem]:
    async with ctx.runtime.sessions() as session:
        rows = await session.scalars(
            select(AgendaItem)
            .where(AgendaItem.conference_id == conference_id)
            .order_by(AgendaItem.starts_at, AgendaItem.position)
        )
        return list(rows)


async def _set_up_series(ctx: DemoContext, coordinator: Actor) -> series.SeriesDetail:
    representatives = [
        ctx.users[local].id
        for local in (
            *RESEARCHERS,
            "asc.rep",
            "gp.rep",
            "mh.rep",
            "probation.rep",
            "education.rep",
            "recovery.rep",
        )
    ]
    today = ctx.clock.now().astimezone(ZoneInfo(ctx.area.timezone)).date()
    data = schemas.ConferenceSeriesCreate(
        name="North Shire MARAC",
        kind="monthly_nth_weekday",
        nth=2,
        weekday=1,
        start_date=today,
        start_time="10:00",
        duration_minutes=180,
        location="North Shire Civic Centre, Committee Room 2",
        online_link="https://meet.north-shire.example/marac",
        minutes_per_case=10,
        chair_user_id=ctx.users["chair"].id,
        agency_ids=[agency.id for agency in ctx.agencies.values()],
        representative_ids=representatives,
    )
    async with ctx.runtime.transaction() as session:
        return await series.create_series(session, ctx.clock, coordinator, ctx.area.id, data)


async def _research(ctx: DemoContext, conference: Conference) -> Counter[str]:
    """Each researching representative records a status on the cases they may see."""
    cipher = cipher_of(ctx.runtime)
    recorded: Counter[str] = Counter()
    for local, findings in RESEARCHERS.items():
        actor = await _actor(ctx, local)
        assert actor.agency_id is not None
        async with ctx.runtime.transaction() as session:
            overview = await research.research_overview(session, ctx.clock, actor, conference.id, cipher)
        for number, line in enumerate(overview.lines):
            if number % 4 == 3:
                continue  # not every case is finished before the meeting
            status = findings[number % len(findings)]
            body = schemas.ResearchUpdate(status=status, note=NOTES.get(status))
            async with ctx.runtime.transaction() as session:
                await research.record_research(
                    session, ctx.clock, actor, line.item_id, actor.agency_id, body, cipher
                )
            recorded[local] += 1
        ctx.clock.advance(hours=3)
    return recorded


async def _hold_meeting(ctx: DemoContext, conference: Conference) -> Counter[str]:
    """Attendance, an outcome and minutes per case, and the chair closes the meeting."""
    chair = await _actor(ctx, "chair")
    cipher = cipher_of(ctx.runtime)
    ctx.clock.set(conference.starts_at + timedelta(minutes=5))
    async with ctx.runtime.transaction() as session:
        for number, agency in enumerate(ctx.agencies.values()):
            status = (AttendanceStatus.PRESENT, AttendanceStatus.PRESENT, AttendanceStatus.DEPUTY)[number % 3]
            if number == 4:
                status = AttendanceStatus.APOLOGIES
            deputy = "Deputy safeguarding lead" if status == AttendanceStatus.DEPUTY else None
            update = schemas.AttendanceUpdate(status=status, deputy_name=deputy)
            await meeting.record_attendance(session, ctx.clock, chair, conference.id, agency.id, update)
    outcomes: Counter[str] = Counter()
    items = [item for item in await _items(ctx, conference.id) if not item.notification_only]
    for number, item in enumerate(items):
        if number == len(items) - 1 and len(items) > 2:
            outcomes["not reached"] += 1
            continue  # time ran out: carried to the next meeting
        outcome = Outcome.DEFERRED if number == 1 else Outcome.HEARD
        minutes = (
            "Risk discussed; safety plan agreed with the IDVA; actions allocated."
            if outcome == Outcome.HEARD
            else "Deferred: the police research was not complete."
        )
        ctx.clock.advance(minutes=10)
        async with ctx.runtime.transaction() as session:
            await meeting.record_outcome(
                session,
                ctx.clock,
                chair,
                item.id,
                schemas.OutcomeUpdate(version=item.version, outcome=outcome, minutes=minutes),
                cipher,
            )
        outcomes[outcome.value] += 1
    ctx.clock.set(conference.ends_at)
    async with ctx.runtime.transaction() as session:
        current = await session.get(Conference, conference.id)
        assert current is not None
        await meeting.close_meeting(
            session, ctx.clock, chair, conference.id, schemas.ConferenceClose(version=current.version)
        )
    return outcomes


async def play(ctx: DemoContext) -> None:
    """Set up the series, run the cycle to a closed meeting and the next published agenda."""
    coordinator = await _actor(ctx, "coordinator")
    detail = await _set_up_series(ctx, coordinator)
    ctx.shared["series_id"] = detail.series.id
    meetings = await _conferences(ctx, detail.series.id)
    ctx.notes.append(
        f"agenda: monthly series set up; {len(meetings)} conferences materialised, the first on "
        f"{meetings[0].local_date:%A} {_day(meetings[0])} at 10:00 Europe/London"
    )
    if not ctx.shared.get("referrals"):
        ctx.notes.append("agenda: no accepted referrals from the cases step; nothing queued")
        return
    await run_all_once(ctx.runtime)  # the scheduler queues the accepted referrals
    first = next(
        c for c in await _conferences(ctx, detail.series.id) if c.status == ConferenceStatus.SCHEDULED
    )
    for candidate in await _conferences(ctx, detail.series.id):
        if await _items(ctx, candidate.id):
            first = candidate
            break
    ctx.clock.set(max(ctx.clock.now(), first.publish_at) + timedelta(minutes=1))
    await run_all_once(ctx.runtime)  # ... and publishes the agenda at its cut-off
    listed = await _items(ctx, first.id)
    ctx.notes.append(f"agenda: {len(listed)} cases listed for {_day(first)}; agenda published at the cut-off")
    try:
        recorded = await _research(ctx, first)
        ctx.notes.append(
            "agenda: research recorded by " + ", ".join(f"{who} ({n})" for who, n in recorded.items())
        )
        outcomes = await _hold_meeting(ctx, first)
    except MaracError as exc:  # a demo must finish; say what went wrong instead of stopping
        ctx.notes.append(f"agenda: the meeting could not be recorded: {exc.detail}")
        return
    ctx.shared["held_conference_id"] = first.id
    ctx.notes.append(
        f"agenda: meeting of {_day(first)} held and closed: "
        + ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items()))
    )
    following = [c for c in await _conferences(ctx, detail.series.id) if c.starts_at > first.starts_at]
    if following:
        upcoming = following[0]
        ctx.clock.set(max(ctx.clock.now(), upcoming.publish_at) + timedelta(minutes=1))
        await run_all_once(ctx.runtime)
        carried = [i for i in await _items(ctx, upcoming.id) if i.carried_over]
        ctx.shared["next_conference_id"] = upcoming.id
        ctx.notes.append(
            f"agenda: next agenda ({_day(upcoming)}) published with {len(carried)} "
            "carried-over cases at the head of their sections"
        )
    async with ctx.runtime.sessions() as session:
        notices = Counter(
            kind.value
            for kind in await session.scalars(
                select(ConferenceNotice.kind).where(ConferenceNotice.area_id == ctx.area.id)
            )
        )
    ctx.notes.append(
        "agenda: coordinator notices: " + ", ".join(f"{n} {k}" for k, n in sorted(notices.items()))
    )
