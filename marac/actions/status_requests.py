"""Status-report requests: before each conference, every agency is asked to report on its open actions.

The request goes ``status_request_working_days`` working days (the area's jurisdiction calendar)
before the meeting, at the area's reminder hour, to the agency's point of contact: one email per
agency per conference, listing its open actions by reference.  A :class:`StatusRequest` row marks it
done and the outbox key ``status-request:{conference}:{agency}`` makes a repeat harmless.  Actions of
a case the contact must not receive anything about are left out of their list.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.area_settings import load_area_settings
from marac.access.models import Area
from marac.actions.messages import ActionFacts, Composer, day_label
from marac.actions.models import Action, ActionStatus, StatusRequest
from marac.actions.recipients import load_directory
from marac.agenda.models import Conference, ConferenceStatus
from marac.agenda.recurrence import local_to_utc
from marac.agenda.workdays import calendar_for
from marac.cases.access import exclusions_for_cases
from marac.cases.models import Case
from marac.clock import FixedClock
from marac.db import insert_ignoring_conflicts
from marac.notify.messages import AreaMail
from marac.notify.outbox import Draft, enqueue_many
from marac.settings import Settings

# Sixty working days (the largest setting) is under three months even with every holiday.
_LOOKAHEAD = timedelta(days=100)
_COMING = (ConferenceStatus.SCHEDULED, ConferenceStatus.PUBLISHED)


def request_at(conference: Conference, area: Area) -> datetime:
    """When the agencies are asked for status reports before ``conference``."""
    settings = load_area_settings(area.settings)
    day = calendar_for(area.jurisdiction).subtract_working_days(
        conference.local_date, settings.status_request_working_days
    )
    return local_to_utc(day, time(settings.action_reminder_hour), area.timezone)


def _when(conference: Conference, area: Area) -> str:
    start = conference.starts_at.astimezone(ZoneInfo(area.timezone))
    return f"{day_label(start.date())} at {start:%H:%M}"


async def _open_actions(session: AsyncSession, conference: Conference) -> list[Any]:
    """Open actions of the conference's area, agreed before it, whose agency has not been asked yet."""
    asked = exists().where(
        and_(StatusRequest.conference_id == conference.id, StatusRequest.agency_id == Action.owner_agency_id)
    )
    rows = await session.execute(
        select(
            Action.id,
            Action.area_id,
            Action.case_id,
            Action.reference,
            Action.deadline,
            Action.owner_agency_id,
            Case.reference.label("case_reference"),
        )
        .join(Case, Case.id == Action.case_id)
        .where(
            Action.area_id == conference.area_id,
            Action.status == ActionStatus.OPEN,
            Action.created_at < conference.starts_at,
            ~asked,
        )
        .order_by(Action.deadline, Action.reference)
    )
    return list(rows.all())


async def _mark(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    statement = insert_ignoring_conflicts(
        session.get_bind().dialect, StatusRequest, ["conference_id", "agency_id"]
    )
    await session.execute(statement, rows)


async def request_for_conference(
    session: AsyncSession, now: datetime, settings: Settings, conference: Conference, area: Area
) -> int:
    """Ask every agency with open actions to report before ``conference``; returns emails queued."""
    actions = await _open_actions(session, conference)
    if not actions:
        return 0
    by_agency: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in actions:
        by_agency[row.owner_agency_id].append(row)
    directory = await load_directory(session, user_ids=[], agency_ids=by_agency)
    exclusions = await exclusions_for_cases(session, [row.case_id for row in actions])
    composer = Composer(AreaMail.of(area, settings))
    today = now.astimezone(ZoneInfo(area.timezone)).date()
    drafts: list[Draft] = []
    marks: list[dict[str, Any]] = []
    for agency_id, rows in by_agency.items():
        recipient = directory.agency_contact(agency_id, excluded=())
        allowed = [
            row for row in rows if recipient is None or recipient.user_id not in exclusions[row.case_id]
        ]
        key = f"status-request:{conference.id}:{agency_id}"
        marks.append(
            {
                "conference_id": conference.id,
                "agency_id": agency_id,
                "sent_at": now,
                "action_count": len(allowed) if recipient else 0,
                "notification_key": key if recipient and allowed else None,
            }
        )
        if recipient is None or not allowed:
            continue
        facts = [
            ActionFacts(
                action_id=row.id,
                area_id=row.area_id,
                case_id=row.case_id,
                reference=row.reference,
                case_reference=row.case_reference,
                agency_name=directory.agencies[agency_id].name,
                deadline=row.deadline,
            )
            for row in allowed
        ]
        drafts.append(
            composer.status_request(
                key=key,
                to=recipient,
                agency_name=directory.agencies[agency_id].name,
                conference_id=conference.id,
                conference_when=_when(conference, area),
                actions=facts,
                today=today,
            )
        )
    queued = await enqueue_many(session, FixedClock(now), settings, drafts)
    await _mark(session, marks)
    return sum(1 for row in queued if row is not None)


async def send_status_requests(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """For every coming conference whose request moment has passed, ask the agencies (idempotent)."""
    rows = await session.execute(
        select(Conference, Area)
        .join(Area, Area.id == Conference.area_id)
        .where(
            Conference.status.in_(_COMING),
            Conference.starts_at > now,
            Conference.starts_at <= now + _LOOKAHEAD,
        )
        .order_by(Conference.starts_at)
    )
    queued = 0
    for conference, area in rows:
        if now >= request_at(conference, area):
            queued += await request_for_conference(session, now, settings, conference, area)
    return queued
