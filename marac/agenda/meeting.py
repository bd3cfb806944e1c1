"""The meeting record: attendance, an outcome and minutes per case, and closing the meeting.

Recorded by the area's coordinators and chairs.  Minutes are narrative about people, so they are
encrypted at rest and every read of the record is audited.  Closing the meeting makes the record
final: heard cases get their hearing date (the twelve-month notification counts from it), and cases
deferred or not reached wait again and are carried to the top of the next conference.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import Actor
from marac.access.models import Agency, User
from marac.agenda.conferences import ConferenceSummary, conference_summary
from marac.agenda.layout import Rearrangement, listing_facts
from marac.agenda.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Conference,
    ConferenceStatus,
    Outcome,
)
from marac.agenda.publication import settle
from marac.agenda.queueing import queue_waiting_referrals
from marac.agenda.schemas import AttendanceUpdate, ConferenceClose, MinutesUpdate, OutcomeUpdate
from marac.agenda.visibility import (
    attending_agency_ids,
    ensure_may_see_agenda,
    get_conference,
    get_item,
    hidden_case_ids,
    require_overseer,
)
from marac.cases.identity import FieldCipher
from marac.cases.models import Referral
from marac.cases.referrals import mark_heard
from marac.clock import Clock
from marac.errors import Conflict, InvalidInput, NotFound, StaleVersion

MINUTES_CONTEXT = "agenda_item.minutes"
# Outcomes may be recorded from a little before the start (people gather early), never days ahead.
MEETING_OPENS_BEFORE = timedelta(hours=1)
_RECORDING = (ConferenceStatus.PUBLISHED, ConferenceStatus.HELD)


@dataclass(frozen=True)
class AttendanceLine:
    agency_id: uuid.UUID
    agency: str
    attendance: Attendance | None


@dataclass(frozen=True)
class MeetingLine:
    item: AgendaItem
    case_reference: str
    minutes: str | None


@dataclass(frozen=True)
class MeetingRecordView:
    conference: Conference
    attendance: tuple[AttendanceLine, ...]
    lines: tuple[MeetingLine, ...]


async def attendance_lines(session: AsyncSession, conference: Conference) -> list[AttendanceLine]:
    """Every attending agency, plus any other agency recorded, with its attendance if recorded."""
    recorded = {
        row.agency_id: row
        for row in await session.scalars(select(Attendance).where(Attendance.conference_id == conference.id))
    }
    agency_ids = list(dict.fromkeys([*await attending_agency_ids(session, conference.series_id), *recorded]))
    rows = await session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids)))
    names = {row[0]: row[1] for row in rows}
    return sorted(
        (AttendanceLine(a, names.get(a, ""), recorded.get(a)) for a in agency_ids),
        key=lambda line: line.agency,
    )


async def list_attendance(
    session: AsyncSession, actor: Actor, conference_id: uuid.UUID
) -> list[AttendanceLine]:
    conference = await get_conference(session, actor, conference_id)
    await ensure_may_see_agenda(session, actor, conference)
    return await attendance_lines(session, conference)


async def record_attendance(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    conference_id: uuid.UUID,
    agency_id: uuid.UUID,
    data: AttendanceUpdate,
) -> AttendanceLine:
    """Record who came for an agency: its representative, a named deputy, or apologies."""
    conference = await get_conference(session, actor, conference_id)
    require_overseer(actor, conference, "record attendance")
    if conference.status in (ConferenceStatus.CLOSED, ConferenceStatus.CANCELLED):
        raise Conflict(f"The conference is {conference.status.value}: attendance can no longer change")
    agency = await session.get(Agency, agency_id)
    if agency is None or agency.area_id != conference.area_id:
        raise NotFound("agency", agency_id)
    if data.status == AttendanceStatus.DEPUTY and not data.deputy_name:
        raise InvalidInput.for_field("deputy_name", "name the deputy who attended")
    if data.status != AttendanceStatus.DEPUTY and data.deputy_name:
        raise InvalidInput.for_field("deputy_name", "only a deputy is named here")
    if data.user_id is not None:
        user = await session.get(User, data.user_id)
        if user is None or user.agency_id != agency_id:
            raise InvalidInput.for_field("user_id", "not a member of this agency")
    row = await session.scalar(
        select(Attendance).where(Attendance.conference_id == conference.id, Attendance.agency_id == agency_id)
    )
    if row is None:
        row = Attendance(conference_id=conference.id, agency_id=agency_id, version=0)
        session.add(row)
    row.status, row.user_id, row.deputy_name = data.status, data.user_id, data.deputy_name
    row.recorded_at, row.recorded_by = clock.now(), actor.user_id
    row.version += 1
    await session.flush()
    await audit.record(
        session,
        actor,
        clock,
        "attendance.record",
        "conference",
        conference.id,
        area_id=conference.area_id,
        detail={"agency_id": str(agency_id), "status": data.status.value},
    )
    return AttendanceLine(agency_id, agency.name, row)


def _ensure_recording(conference: Conference, clock: Clock) -> None:
    if conference.status not in _RECORDING:
        raise Conflict(f"The conference is {conference.status.value}: there is no meeting record to write")
    if clock.now() < conference.starts_at - MEETING_OPENS_BEFORE:
        raise Conflict("The meeting has not started yet")


def _start_meeting(conference: Conference, clock: Clock) -> None:
    if conference.status == ConferenceStatus.PUBLISHED:
        conference.status = ConferenceStatus.HELD
        conference.held_at = clock.now()


async def record_outcome(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    item_id: uuid.UUID,
    data: OutcomeUpdate,
    cipher: FieldCipher,
) -> MeetingLine:
    """Heard, deferred or withdrawn — and, optionally, the minutes in the same step."""
    item, conference = await get_item(session, actor, item_id)
    require_overseer(actor, conference, "record the meeting")
    _ensure_recording(conference, clock)
    if item.version != data.version:
        raise StaleVersion("agenda item", item.id, data.version, item.version)
    _start_meeting(conference, clock)
    item.outcome = data.outcome
    item.outcome_at, item.outcome_by = clock.now(), actor.user_id
    if data.minutes is not msgspec.UNSET:
        _set_minutes(item, data.minutes, cipher)
    item.version += 1
    await audit.record(
        session,
        actor,
        clock,
        "meeting.outcome",
        "agenda_item",
        item.id,
        area_id=conference.area_id,
        detail={"outcome": data.outcome.value, "minutes": data.minutes is not msgspec.UNSET},
    )
    return await _line(session, item, cipher)


def _set_minutes(item: AgendaItem, minutes: str, cipher: FieldCipher) -> None:
    text = minutes.strip()
    item.minutes_enc = cipher.encrypt(text, context=MINUTES_CONTEXT) if text else None


async def record_minutes(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    item_id: uuid.UUID,
    data: MinutesUpdate,
    cipher: FieldCipher,
) -> MeetingLine:
    item, conference = await get_item(session, actor, item_id)
    require_overseer(actor, conference, "record the meeting")
    _ensure_recording(conference, clock)
    if item.version != data.version:
        raise StaleVersion("agenda item", item.id, data.version, item.version)
    _start_meeting(conference, clock)
    _set_minutes(item, data.minutes, cipher)
    item.version += 1
    await audit.record(
        session,
        actor,
        clock,
        "meeting.minutes",
        "agenda_item",
        item.id,
        area_id=conference.area_id,
        detail={"length": len(data.minutes)},
    )
    return await _line(session, item, cipher)


async def _line(session: AsyncSession, item: AgendaItem, cipher: FieldCipher) -> MeetingLine:
    facts = await listing_facts(session, [item.referral_id])
    minutes = cipher.decrypt(item.minutes_enc, context=MINUTES_CONTEXT) if item.minutes_enc else None
    return MeetingLine(item, facts[item.referral_id].case_reference, minutes)


async def meeting_record(
    session: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID, cipher: FieldCipher
) -> MeetingRecordView:
    """Attendance, and every case the actor may see with its outcome and minutes (audited)."""
    conference = await get_conference(session, actor, conference_id)
    require_overseer(actor, conference, "read the meeting record")
    hidden = await hidden_case_ids(session, actor)
    items = [
        item
        for item in await session.scalars(
            select(AgendaItem)
            .where(AgendaItem.conference_id == conference.id)
            .order_by(AgendaItem.starts_at, AgendaItem.position)
        )
        if item.case_id not in hidden
    ]
    facts = await listing_facts(session, (item.referral_id for item in items))
    lines = tuple(
        MeetingLine(
            item,
            facts[item.referral_id].case_reference,
            cipher.decrypt(item.minutes_enc, context=MINUTES_CONTEXT) if item.minutes_enc else None,
        )
        for item in items
    )
    await audit.record(
        session,
        actor,
        clock,
        "meeting.view",
        "conference",
        conference.id,
        area_id=conference.area_id,
        detail={"items": len(lines)},
    )
    return MeetingRecordView(conference, tuple(await attendance_lines(session, conference)), lines)


async def close_meeting(
    session: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID, data: ConferenceClose
) -> ConferenceSummary:
    """Make the record final and carry every case not heard to the top of the next conference."""
    work = Rearrangement(clock.now())
    conference = await get_conference(session, actor, conference_id)
    require_overseer(actor, conference, "close the meeting")
    if conference.version != data.version:
        raise StaleVersion("conference", conference.id, data.version, conference.version)
    _ensure_recording(conference, clock)
    if clock.now() < conference.starts_at:
        raise Conflict("The meeting has not started yet")
    items = list(await session.scalars(select(AgendaItem).where(AgendaItem.conference_id == conference.id)))
    tally = {"heard": 0, "deferred": 0, "withdrawn": 0, "not_heard": 0}
    heard_referrals = []
    for item in items:
        if item.notification_only:
            continue
        if item.outcome is None:
            tally["not_heard"] += 1
            continue
        tally[item.outcome.value] += 1
        if item.outcome == Outcome.HEARD:
            heard_referrals.append(item.referral_id)
    for referral_id in heard_referrals:
        referral = await session.get(Referral, referral_id)
        if referral is not None and referral.heard_on is None:
            # The referral, those linked to it and its case are heard on the meeting day.
            await mark_heard(session, referral, conference.local_date)
    conference.status = ConferenceStatus.CLOSED
    conference.held_at = conference.held_at or clock.now()
    conference.closed_at = clock.now()
    conference.version += 1
    await session.flush()
    # Cases deferred or not reached now wait again; queueing carries them to the next conference.
    await queue_waiting_referrals(session, clock, work, actor, area_ids=[conference.area_id])
    await audit.record(
        session,
        actor,
        clock,
        "meeting.close",
        "conference",
        conference.id,
        area_id=conference.area_id,
        detail=tally,
    )
    await settle(session, clock, actor, work)
    return await conference_summary(session, conference)
