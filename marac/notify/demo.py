"""Demo step: invitations go out, representatives answer, and everything lands in OUT/mail and OUT/calendar.

Runs after the agenda step has materialised conferences.  Mail from the demo always goes to files under
``OUT/mail`` (one ``.eml`` per message, named by Message-ID) whatever the service is configured with, and
each person's private calendar feed is written to ``OUT/calendar/<email local part>.ics``.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from sqlalchemy import select

from marac.access.auth import actor_for
from marac.access.models import User
from marac.agenda import conferences
from marac.agenda import schemas as agenda_schemas
from marac.agenda.models import Conference, ConferenceStatus
from marac.demo import DemoContext
from marac.errors import MaracError
from marac.notify import feeds, jobs, services
from marac.notify.delivery import to_mail
from marac.notify.models import DeliveryStatus, Invitation, Notification, Response
from marac.notify.transports import FileTransport

log = logging.getLogger(__name__)

# (who answers, answer, deputy's email local part)
ANSWERS: list[tuple[str, Response, str | None]] = [
    ("police.rep", Response.DELEGATED, "police.referrer"),
    ("hospital.rep", Response.ACCEPTED, None),
    ("housing.rep", Response.ACCEPTED, None),
    ("csc.rep", Response.DECLINED, None),
]


def route_mail_to_files(ctx: DemoContext) -> Path:
    """Point the demo runtime's mail at ``OUT/mail`` (never SMTP), for this and every later step."""
    mail_dir = ctx.out_dir / "mail"
    settings = ctx.runtime.settings
    if settings.mail.smtp_url is not None or settings.mail.mail_dir != mail_dir:
        mail = dataclasses.replace(settings.mail, smtp_url=None, mail_dir=mail_dir)
        ctx.runtime.settings = dataclasses.replace(settings, mail=mail)
    return mail_dir


async def export_sent(ctx: DemoContext, mail_dir: Path) -> int:
    """Write every message already sent to ``OUT/mail`` too (files are named by Message-ID, so a message
    written before is only replaced): steps that ran before this one may have sent mail elsewhere."""
    async with ctx.runtime.sessions() as session:
        sent = (
            await session.scalars(select(Notification).where(Notification.status == DeliveryStatus.SENT))
        ).all()
    transport = FileTransport(mail_dir)
    sender = ctx.runtime.settings.mail.sender
    outcomes = await transport.send_many([to_mail(row, sender) for row in sent])
    return sum(1 for outcome in outcomes if outcome is None)


async def answer_invitations(ctx: DemoContext) -> list[str]:
    """Representatives answer the invitation to the next conference through the real service."""
    async with ctx.runtime.sessions() as session:
        conference = await session.scalar(
            select(Conference)
            .join(Invitation, Invitation.conference_id == Conference.id)
            .where(Conference.status != ConferenceStatus.CANCELLED, Conference.starts_at > ctx.clock.now())
            .order_by(Conference.starts_at)
            .limit(1)
        )
    if conference is None:
        return []
    done: list[str] = []
    for local, response, deputy in ANSWERS:
        user = ctx.users.get(local)
        if user is None:
            continue
        answer = services.Answer(response, ctx.users[deputy].id if deputy and deputy in ctx.users else None)
        try:
            async with ctx.runtime.transaction() as session:
                person = await session.get(User, user.id)
                assert person is not None
                await services.respond(
                    session,
                    ctx.clock,
                    actor_for(person),
                    conference.id,
                    answer,
                    settings=ctx.runtime.settings,
                )
            done.append(f"{local} {response.value}")
        except MaracError as exc:  # not invited to this one (e.g. not a representative of its series)
            log.info("demo answer of %s skipped: %s", local, exc.detail)
    return done


async def move_a_later_conference(ctx: DemoContext) -> str | None:
    """The coordinator moves the furthest invited conference (its agenda still open) to the afternoon and
    another room, through the agenda's own service; the invitation sweep then sends everyone an update."""
    async with ctx.runtime.sessions() as session:
        upcoming = (
            await session.scalars(
                select(Conference)
                .where(
                    Conference.status == ConferenceStatus.SCHEDULED,
                    Conference.starts_at > ctx.clock.now(),
                    Conference.id.in_(select(Invitation.conference_id)),
                )
                .order_by(Conference.starts_at.desc())
                .limit(1)
            )
        ).all()
    if not upcoming:
        return None
    conference = upcoming[0]
    move = agenda_schemas.ConferenceMove(
        version=conference.version,
        local_date=conference.local_date,
        start_time="13:30",
        location="Council Chamber, Town Hall, Northtown",
    )
    try:
        async with ctx.runtime.transaction() as session:
            person = await session.get(User, ctx.users["coordinator"].id)
            assert person is not None
            await conferences.move_conference(session, ctx.clock, actor_for(person), conference.id, move)
    except MaracError as exc:
        log.info("demo move skipped: %s", exc.detail)
        return None
    return f"{conference.local_date:%d %B %Y} moved to 13:30 in the Council Chamber"


async def write_feeds(ctx: DemoContext) -> int:
    """Each person's calendar feed into ``OUT/calendar``; call again at the end to include later actions."""
    folder = ctx.out_dir / "calendar"
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for local, user in sorted(ctx.users.items()):
        async with ctx.runtime.transaction() as session:
            person = await session.get(User, user.id)
            assert person is not None
            actor = actor_for(person)
            link = await feeds.issue_feed_token(session, ctx.clock, actor, ctx.runtime.settings)
            secret = link.url.rsplit("/", 1)[1].removesuffix(".ics")
            fetched = await feeds.fetch_feed(session, ctx.clock, ctx.runtime.settings, secret)
        if fetched.body is not None and fetched.conferences + fetched.deadlines:
            (folder / f"{local}.ics").write_bytes(fetched.body)
            written += 1
    return written


async def play(ctx: DemoContext) -> None:
    """Invitations for conferences in the window, answers, deliveries to OUT/mail, feeds to OUT/calendar."""
    mail_dir = route_mail_to_files(ctx)
    exported = await export_sent(ctx, mail_dir)
    await jobs.invitations(ctx.runtime)
    await jobs.coordinator_notices(ctx.runtime)
    answered = await answer_invitations(ctx)
    moved = await move_a_later_conference(ctx)
    await jobs.invitations(ctx.runtime)  # updates after the move (the sweep finds it even without a hook)
    await jobs.meeting_reminders(ctx.runtime)
    report = await jobs.delivery(ctx.runtime)
    feeds_written = await write_feeds(ctx)
    sent = len(report.sent) + exported
    ctx.notes.append(f"notify: {sent} emails (invitations, deputies, notices, reminders) in {mail_dir}")
    ctx.notes.append(f"notify: invitation answers: {', '.join(answered) or 'none'}")
    if moved:
        ctx.notes.append(f"notify: conference of {moved}: calendar updates sent (same UID, higher SEQUENCE)")
    ctx.notes.append(f"notify: {feeds_written} private calendar feeds in {ctx.out_dir / 'calendar'}")
