"""Calendar invitations (iTIP over email) that follow every conference.

Who is invited: the series' standing representatives and the conference's chair, once the meeting is
within the area's invitation window (``invitation_window_days``, default 60), plus any deputy a
representative names.  What was last sent to each person is kept in :class:`Invitation`; comparing it
with the conference as it is now decides what to send:

* not yet invited, or invited and later cancelled → REQUEST;
* invited, and the conference's SEQUENCE went up or its time or place differs from what was sent →
  REQUEST (an update);
* invited but no longer wanted, or the conference is cancelled → CANCEL.

SEQUENCE: every message to a person carries ``max(conference.sequence, last sent to them + 1)`` (the
conference's own sequence for a first invitation).  The agenda service raises ``Conference.sequence``
on every change of time or place; the stored fingerprint of what was sent catches a change that did not
raise it, so each person's calendar always sees a higher SEQUENCE than before.

:func:`conference_changed` is the hook to call in the transaction that changed a conference (or its
series' representatives); :func:`reconcile_invitations` is the periodic sweep that makes everything
right even when a hook was missed.  Both are idempotent: the outbox key names conference, person,
method and SEQUENCE.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.models import Area, User
from marac.agenda.models import Conference, ConferenceSeries, ConferenceStatus, SeriesRepresentative
from marac.clock import Clock
from marac.notify.ical import Method
from marac.notify.messages import AreaMail, ConferenceFacts, Invitee, invitation_draft
from marac.notify.models import Invitation, InvitationMethod, Notification, Response
from marac.notify.outbox import enqueue
from marac.settings import Settings, get_settings

# Wider than any area's window: the sweep's first, cheap filter; each area's own window applies after.
_LONGEST_WINDOW = timedelta(days=366)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Planned:
    """One message the current state calls for."""

    invitee: Invitee
    method: Method
    sequence: int
    reason: str  # new, update, removed, cancelled


def fingerprint(conference: ConferenceFacts, timezone: str) -> str:
    """What a calendar shows of a conference, hashed: a change here needs an update."""
    parts = (
        conference.starts_at.isoformat(),
        conference.ends_at.isoformat(),
        timezone,
        conference.location,
        conference.online_link or "",
        conference.title,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def plan(
    conference: ConferenceFacts,
    timezone: str,
    wanted: Mapping[uuid.UUID, Invitee],
    sent: Mapping[uuid.UUID, Invitation],
) -> list[Planned]:
    """The messages that bring every person's calendar in line with the conference (pure)."""
    current = fingerprint(conference, timezone)
    planned: list[Planned] = []
    for user_id, invitee in wanted.items():
        state = sent.get(user_id)
        if state is None or state.last_method == InvitationMethod.CANCEL:
            planned.append(Planned(invitee, "REQUEST", _next_sequence(conference, state), "new"))
        elif (
            conference.sequence > state.last_sequence
            or state.fingerprint != current
            or state.address != invitee.email
        ):
            planned.append(Planned(invitee, "REQUEST", _next_sequence(conference, state), "update"))
    for user_id, state in sent.items():
        if user_id in wanted or state.last_method != InvitationMethod.REQUEST:
            continue
        former = Invitee(
            user_id=user_id,
            email=state.address,
            name=state.address,
            agency_id=state.agency_id,
            invited_as=state.invited_as,
        )
        reason = "cancelled" if conference.cancelled else "removed"
        planned.append(Planned(former, "CANCEL", _next_sequence(conference, state), reason))
    return planned


def _next_sequence(conference: ConferenceFacts, state: Invitation | None) -> int:
    if state is None:
        return conference.sequence
    return max(conference.sequence, state.last_sequence + 1)


def facts(conference: Conference, series_name: str) -> ConferenceFacts:
    """A conference row as messages and calendars describe it."""
    title = f"Extraordinary {series_name}" if conference.extraordinary else series_name
    return ConferenceFacts(
        id=conference.id,
        area_id=conference.area_id,
        uid=conference.ical_uid,
        sequence=conference.sequence,
        title=title,
        starts_at=conference.starts_at,
        ends_at=conference.ends_at,
        location=conference.location,
        online_link=conference.online_link,
        cancelled=conference.status == ConferenceStatus.CANCELLED,
    )


def in_window(conference: Conference, area: AreaMail, now: datetime) -> bool:
    """Whether invitations for this conference are due: within the area's window, not yet over."""
    return conference.ends_at > now and conference.starts_at <= now + timedelta(
        days=area.invitation_window_days
    )


async def conference_changed(
    session: AsyncSession, clock: Clock, conference_id: uuid.UUID, *, settings: Settings | None = None
) -> list[Notification]:
    """Queue whatever invitations, updates and cancellations a conference now needs.

    Call it in the transaction that moved, relocated, cancelled or re-chaired a conference, or changed
    its series' representatives; the messages commit (or roll back) with that change.  Safe to call
    any number of times.  On PostgreSQL the conference row is locked so that a concurrent sweep waits.
    """
    settings = settings or get_settings()
    conference = await session.scalar(
        select(Conference).where(Conference.id == conference_id).with_for_update()
    )
    if conference is None:
        return []
    area = await session.get(Area, conference.area_id)
    series = await session.get(ConferenceSeries, conference.series_id)
    if area is None or series is None:
        return []
    mail = AreaMail.of(area, settings)
    now = clock.now()
    states = await _states(session, [conference.id])
    sent = states.get(conference.id, {})
    if conference.ends_at <= now or (not sent and not in_window(conference, mail, now)):
        return []  # over, or not yet announced: calendars need nothing
    wanted = (
        {} if conference.status == ConferenceStatus.CANCELLED else await _wanted(session, conference, sent)
    )
    return await _execute(session, clock, settings, mail, facts(conference, series.name), wanted, sent)


async def series_changed(
    session: AsyncSession, clock: Clock, series_id: uuid.UUID, *, settings: Settings | None = None
) -> list[Notification]:
    """:func:`conference_changed` for every upcoming conference of a series (representatives changed)."""
    ids = await session.scalars(
        select(Conference.id).where(Conference.series_id == series_id, Conference.ends_at > clock.now())
    )
    queued: list[Notification] = []
    for conference_id in ids.all():
        queued += await conference_changed(session, clock, conference_id, settings=settings)
    return queued


async def reconcile_invitations(
    session: AsyncSession, clock: Clock, *, settings: Settings | None = None
) -> int:
    """The periodic sweep: every upcoming conference that needs a message gets it.  Returns how many
    messages were queued.  Conferences are checked in bulk first; only those with something to send
    are locked and handled one by one through :func:`conference_changed`."""
    settings = settings or get_settings()
    now = clock.now()
    invited = select(Invitation.conference_id)
    conferences = (
        await session.scalars(
            select(Conference).where(
                Conference.ends_at > now,
                or_(Conference.starts_at <= now + _LONGEST_WINDOW, Conference.id.in_(invited)),
            )
        )
    ).all()
    if not conferences:
        return 0
    areas = {
        a.id: AreaMail.of(a, settings) for a in await _load(session, Area, {c.area_id for c in conferences})
    }
    series = {
        s.id: s.name for s in await _load(session, ConferenceSeries, {c.series_id for c in conferences})
    }
    states = await _states(session, [c.id for c in conferences])
    wanted_by_series = await _representatives(session, {c.series_id for c in conferences})
    queued = 0
    for conference in conferences:
        mail, sent = areas[conference.area_id], states.get(conference.id, {})
        if not sent and not in_window(conference, mail, now):
            continue
        wanted = {}
        if conference.status != ConferenceStatus.CANCELLED:
            wanted = await _wanted(session, conference, sent, wanted_by_series.get(conference.series_id))
        if plan(facts(conference, series[conference.series_id]), mail.timezone, wanted, sent):
            queued += len(await conference_changed(session, clock, conference.id, settings=settings))
    return queued


async def _execute(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    area: AreaMail,
    conference: ConferenceFacts,
    wanted: Mapping[uuid.UUID, Invitee],
    sent: Mapping[uuid.UUID, Invitation],
) -> list[Notification]:
    now = clock.now()
    current = fingerprint(conference, area.timezone)
    planned = plan(conference, area.timezone, wanted, sent)
    # Former invitees are addressed by name in the CANCEL's ATTENDEE line, as they were invited.
    names = {
        u.id: u.name
        for u in await _load(session, User, {p.invitee.user_id for p in planned if p.method == "CANCEL"})
    }
    queued: list[Notification] = []
    for item in planned:
        invitee = item.invitee
        if item.method == "CANCEL" and invitee.user_id in names:
            invitee = Invitee(
                user_id=invitee.user_id,
                email=invitee.email,
                name=names[invitee.user_id],
                agency_id=invitee.agency_id,
                invited_as=invitee.invited_as,
            )
        draft = invitation_draft(
            area, conference, invitee, method=item.method, sequence=item.sequence, reason=item.reason, now=now
        )
        row = await enqueue(session, clock, settings, draft)
        if row is not None:
            queued.append(row)
        state = sent.get(invitee.user_id)
        if state is None:
            state = Invitation(
                conference_id=conference.id, user_id=invitee.user_id, area_id=conference.area_id
            )
            session.add(state)
        state.agency_id = invitee.agency_id
        state.invited_as = invitee.invited_as
        state.address = invitee.email
        state.last_method = InvitationMethod(item.method)
        state.last_sequence = item.sequence
        state.fingerprint = current
        state.last_sent_at = now
        if item.method == "CANCEL" or item.reason == "new":
            # A fresh invitation asks afresh; after a cancellation an old answer means nothing.
            state.response, state.deputy_user_id, state.responded_at = Response.NEEDS_ACTION, None, None
            state.response_note = None
    await session.flush()
    return queued


async def _states(
    session: AsyncSession, conference_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, Invitation]]:
    found: dict[uuid.UUID, dict[uuid.UUID, Invitation]] = {}
    for start in range(0, len(conference_ids), 500):
        rows = await session.scalars(
            select(Invitation).where(Invitation.conference_id.in_(conference_ids[start : start + 500]))
        )
        for row in rows:
            found.setdefault(row.conference_id, {})[row.user_id] = row
    return found


async def _representatives(
    session: AsyncSession, series_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[User]]:
    wanted = list(series_ids)
    found: dict[uuid.UUID, list[User]] = {series_id: [] for series_id in wanted}
    if wanted:
        rows = await session.execute(
            select(SeriesRepresentative.series_id, User)
            .join(User, User.id == SeriesRepresentative.user_id)
            .where(SeriesRepresentative.series_id.in_(wanted), User.active)
            .order_by(User.email)
        )
        for series_id, user in rows:
            found[series_id].append(user)
    return found


async def _wanted(
    session: AsyncSession,
    conference: Conference,
    sent: Mapping[uuid.UUID, Invitation],
    representatives: Sequence[User] | None = None,
) -> dict[uuid.UUID, Invitee]:
    """Everyone who should hold an invitation now: representatives, the chair, named deputies."""
    if representatives is None:
        representatives = (await _representatives(session, [conference.series_id]))[conference.series_id]
    wanted = {user.id: _invitee(user, "representative") for user in representatives}
    if conference.chair_user_id is not None:
        chair = await session.get(User, conference.chair_user_id)
        if chair is not None and chair.active:
            wanted[chair.id] = _invitee(chair, "chair")
    for state in sent.values():
        delegating = state.response == Response.DELEGATED and state.last_method == InvitationMethod.REQUEST
        if delegating and state.user_id in wanted and state.deputy_user_id not in (None, *wanted):
            deputy = await session.get(User, state.deputy_user_id)
            if deputy is not None and deputy.active:
                wanted[deputy.id] = _invitee(deputy, "deputy")
    return wanted


def _invitee(user: User, invited_as: str) -> Invitee:
    return Invitee(
        user_id=user.id, email=user.email, name=user.name, agency_id=user.agency_id, invited_as=invited_as
    )


async def _load(session: AsyncSession, model: type[T], ids: Iterable[uuid.UUID]) -> list[T]:
    wanted = list(ids)
    if not wanted:
        return []
    column = model.id  # type: ignore[attr-defined]
    return list((await session.scalars(select(model).where(column.in_(wanted)))).all())
