"""Demo step: actions agreed at the meeting the agenda step held, reported on, then followed up by the
scheduler as the clock moves on — reminders, overdue notices, an escalation to the chair, a daily
digest and the status-report requests before the next conference land in ``OUT/mail``.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from marac.access.auth import actor_for
from marac.access.guards import Actor
from marac.access.models import AgencyKind, User
from marac.actions import schemas, services
from marac.actions.dashboard import action_dashboard
from marac.actions.models import Action
from marac.actions.reminders import ReminderPolicy
from marac.actions.views import local_today
from marac.agenda.models import AgendaItem, Conference, ConferenceStatus
from marac.demo import DemoContext
from marac.errors import MaracError
from marac.notify.models import Notification
from marac.scheduler import run_all_once

DAYS_FOLLOWED = 30


@dataclass(frozen=True)
class Plan:
    """One action to agree: which case (by position on the agenda), who owns it, due in how many days."""

    case: int
    agency: AgencyKind
    owner: str | None  # email local part; None leaves it to the agency's point of contact
    due_in: int
    description: str


PLANS = [
    Plan(0, AgencyKind.POLICE, "police.rep", 10, "Flag the address for an urgent response and review bail."),
    Plan(0, AgencyKind.IDVA, "idva.rep", 5, "Agree a safety plan with the victim and offer a refuge place."),
    Plan(0, AgencyKind.HOUSING, None, 14, "Assess for a sanctuary scheme at the current address."),
    Plan(1, AgencyKind.CHILDRENS_SOCIAL_CARE, "csc.rep", 7, "Complete a strategy discussion for the child."),
    Plan(1, AgencyKind.HEALTH_ACUTE, "hospital.rep", 9, "Add a safeguarding alert to the hospital record."),
    Plan(1, AgencyKind.MENTAL_HEALTH, "mh.rep", 3, "Share the care coordinator's contact with the IDVA."),
    Plan(2, AgencyKind.CHILDRENS_SOCIAL_CARE, "csc.rep", 12, "Visit the school with the designated lead."),
]


async def _actor(ctx: DemoContext, local: str) -> Actor:
    async with ctx.runtime.sessions() as session:
        user = await session.get(User, ctx.users[local].id)
        assert user is not None
        return actor_for(user)


async def _held_conference(ctx: DemoContext) -> Conference | None:
    """The meeting the agenda step held, or the latest held one of the demo area."""
    async with ctx.runtime.sessions() as session:
        held = ctx.shared.get("held_conference_id")
        if isinstance(held, uuid.UUID):
            return await session.get(Conference, held)
        return await session.scalar(
            select(Conference)
            .where(
                Conference.area_id == ctx.area.id,
                Conference.status.in_((ConferenceStatus.HELD, ConferenceStatus.CLOSED)),
            )
            .order_by(Conference.starts_at.desc())
            .limit(1)
        )


async def _cases(ctx: DemoContext, conference: Conference) -> list[uuid.UUID]:
    async with ctx.runtime.sessions() as session:
        rows = await session.scalars(
            select(AgendaItem.case_id)
            .where(AgendaItem.conference_id == conference.id)
            .order_by(AgendaItem.section, AgendaItem.position)
        )
        return list(dict.fromkeys(rows))


async def _agree(ctx: DemoContext, conference: Conference, cases: list[uuid.UUID]) -> list[Action]:
    coordinator = await _actor(ctx, "coordinator")
    protector = ctx.runtime.protector
    excluded = {(case_id, user_id) for case_id, user_id in ctx.shared.get("excluded", [])}  # type: ignore[attr-defined]
    today = local_today(ctx.area.timezone, ctx.clock.now())
    agreed = []
    for plan in PLANS:
        case_id = cases[plan.case % len(cases)]
        owner = ctx.users[plan.owner].id if plan.owner else None
        if (case_id, owner) in excluded:
            owner = None  # never a person on the case's must-not-receive list
        async with ctx.runtime.transaction() as session:
            agreed.append(
                await services.create_action(
                    session,
                    ctx.clock,
                    coordinator,
                    protector,
                    conference.id,
                    schemas.ActionCreate(
                        case_id=case_id,
                        description=plan.description,
                        owner_agency_id=ctx.agencies[plan.agency].id,
                        owner_user_id=owner,
                        deadline=max(today, conference.local_date) + timedelta(days=plan.due_in),
                    ),
                )
            )
    return agreed


async def _report(ctx: DemoContext, who: str, action: Action, status: str, note: str, on: date) -> None:
    actor = await _actor(ctx, who)
    protector = ctx.runtime.protector
    async with ctx.runtime.transaction() as session:
        current = await session.get(Action, action.id)
        assert current is not None
        await services.report_status(
            session,
            ctx.clock,
            actor,
            protector,
            action.id,
            schemas.StatusReportCreate(version=current.version, status=status, reported_on=on, note=note),  # type: ignore[arg-type]
        )


async def _follow_up(ctx: DemoContext, actions: list[Action]) -> None:
    """Move the clock a day at a time past the deadlines, running the scheduler each morning."""
    policy = ReminderPolicy.of(ctx.area)
    start = local_today(ctx.area.timezone, ctx.clock.now())
    idva, hospital, police = actions[1], actions[4], actions[0]
    for day in range(1, DAYS_FOLLOWED + 1):
        today = start + timedelta(days=day)
        ctx.clock.set(max(ctx.clock.now(), policy.at(today) + timedelta(minutes=5)))
        if day == 2:
            await _report(ctx, "idva.rep", idva, "completed", "Safety plan agreed; refuge offered.", today)
            await _report(ctx, "police.rep", police, "open", "Address flagged; bail review booked.", today)
        if day == 6:
            await _report(ctx, "hospital.rep", hospital, "not_possible", "Registered elsewhere now.", today)
        await run_all_once(ctx.runtime)
    await run_all_once(ctx.runtime)  # delivers what the last morning queued


async def play(ctx: DemoContext) -> None:
    """Agree actions at the held meeting, report on some, and let reminders and escalations run."""
    conference = await _held_conference(ctx)
    if conference is None:
        ctx.notes.append("actions: no held conference from the agenda step; no actions agreed")
        return
    cases = await _cases(ctx, conference)
    if not cases:
        ctx.notes.append("actions: the held conference listed no cases; no actions agreed")
        return
    async with ctx.runtime.transaction() as session:
        reader = await session.get(User, ctx.users["csc.rep"].id)
        assert reader is not None
        reader.digest_mode = True  # one representative reads a daily digest instead
    try:
        actions = await _agree(ctx, conference, cases)
        ctx.notes.append(
            f"actions: {len(actions)} actions agreed at the meeting of {conference.local_date:%d %B %Y} "
            f"({', '.join(a.reference for a in actions)}); csc.rep reads a daily digest"
        )
        await _follow_up(ctx, actions)
    except MaracError as exc:  # a demo must finish; say what went wrong instead of stopping
        ctx.notes.append(f"actions: follow-up stopped: {exc.detail}")
        return
    async with ctx.runtime.sessions() as session:
        kinds = Counter(
            dict(
                (
                    await session.execute(
                        select(Notification.kind, func.count())
                        .where(Notification.area_id == ctx.area.id, Notification.kind.startswith("action_"))
                        .group_by(Notification.kind)
                    )
                ).all()
            )
        )
    ctx.notes.append(
        f"actions: {DAYS_FOLLOWED} days followed: "
        + ", ".join(
            f"{n} {kind.removeprefix('action_').replace('_', ' ')}" for kind, n in sorted(kinds.items())
        )
        + " emails queued (see mail/)"
    )
    chair = await _actor(ctx, "chair")
    async with ctx.runtime.transaction() as session:
        view = await action_dashboard(session, ctx.clock, chair, ctx.area.id)
    rate = view.overall.completion_rate
    ctx.notes.append(
        f"actions: chair's view — completion {rate:.0%} of actions due, {len(view.overdue)} overdue, "
        f"{view.not_possible} not possible, {view.not_done} not done"
        if rate is not None
        else f"actions: chair's view — {len(view.overdue)} overdue"
    )
