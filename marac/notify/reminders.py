"""The reminder of a conference, sent on the working day before it (area setting ``meeting_reminder``).

A sweep rather than a row queued in advance: the reminder follows the conference wherever it moves.
Its outbox key names the conference, the person and the meeting's start, so running the sweep again
sends nothing twice, and a conference moved to another day is reminded again for the new day.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.models import Area
from marac.agenda.models import Conference, ConferenceSeries, ConferenceStatus
from marac.agenda.recurrence import local_to_utc
from marac.agenda.workdays import calendar_for
from marac.clock import Clock
from marac.notify.invitations import facts
from marac.notify.messages import AreaMail, Invitee, meeting_reminder_draft
from marac.notify.models import Invitation, InvitationMethod, Response
from marac.notify.outbox import Draft, enqueue_many
from marac.settings import Settings, get_settings

# Reminders go out at the start of the working day before, local time.
REMINDER_TIME = time(9, 0)
# Christmas and Easter can put the working day before a meeting a week earlier; look a little further.
_LOOKAHEAD = timedelta(days=14)
_COMING = (ConferenceStatus.SCHEDULED, ConferenceStatus.PUBLISHED)


def reminder_at(conference: Conference, area: AreaMail) -> datetime:
    """When the reminder of ``conference`` is due: 09:00 local on the working day before it."""
    meeting_day = conference.starts_at.astimezone(ZoneInfo(area.timezone)).date()
    day = calendar_for(area.jurisdiction).subtract_working_days(meeting_day, 1)
    return local_to_utc(day, REMINDER_TIME, area.timezone)


async def send_meeting_reminders(
    session: AsyncSession, clock: Clock, *, settings: Settings | None = None
) -> int:
    """Queue the reminders that are due now; returns how many were new or already queued.

    Everyone holding an invitation gets one unless they declined or sent a deputy (the deputy holds
    an invitation of their own).
    """
    settings = settings or get_settings()
    now = clock.now()
    rows = await session.execute(
        select(Conference, ConferenceSeries.name, Area)
        .join(ConferenceSeries, ConferenceSeries.id == Conference.series_id)
        .join(Area, Area.id == Conference.area_id)
        .where(
            Conference.status.in_(_COMING),
            Conference.starts_at > now,
            Conference.starts_at <= now + _LOOKAHEAD,
        )
    )
    drafts: list[Draft] = []
    for conference, series_name, area in rows:
        mail = AreaMail.of(area, settings)
        if not mail.meeting_reminder or now < reminder_at(conference, mail):
            continue
        invited = await session.scalars(
            select(Invitation).where(
                Invitation.conference_id == conference.id,
                Invitation.last_method == InvitationMethod.REQUEST,
                Invitation.response.not_in((Response.DECLINED, Response.DELEGATED)),
            )
        )
        about = facts(conference, series_name)
        for invitation in invited:
            invitee = Invitee(
                user_id=invitation.user_id,
                email=invitation.address,
                name="",
                agency_id=invitation.agency_id,
                invited_as=invitation.invited_as,
            )
            drafts.append(meeting_reminder_draft(mail, about, invitee))
    queued = await enqueue_many(session, clock, settings, drafts)
    return sum(1 for row in queued if row is not None)
