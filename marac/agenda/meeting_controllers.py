"""JSON API for research status and the meeting record: parse → one service call → schema out."""

from __future__ import annotations

import uuid
from functools import lru_cache

from litestar import Controller, get, put
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.agenda import meeting, research, schemas
from marac.cases.identity import FieldCipher
from marac.clock import Clock
from marac.runtime import Runtime


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> FieldCipher:
    return FieldCipher(keys)


def cipher_of(runtime: Runtime) -> FieldCipher:
    """The field cipher for notes and minutes, built once per set of keys."""
    return _cipher(tuple(runtime.settings.security.data_keys))


def research_cell_out(cell: research.ResearchCell) -> schemas.ResearchEntryOut:
    return schemas.ResearchEntryOut(
        agency_id=cell.agency_id,
        agency=cell.agency,
        status=cell.status,
        note=cell.note,
        updated_at=cell.updated_at,
        version=cell.version,
    )


def research_out(overview: research.ResearchOverview) -> schemas.ResearchBoard:
    return schemas.ResearchBoard(
        conference_id=overview.conference.id,
        items=[
            schemas.ResearchItemOut(
                item_id=line.item_id,
                case_reference=line.case_reference,
                section=line.section,
                entries=[research_cell_out(cell) for cell in line.cells],
            )
            for line in overview.lines
        ],
        progress=[
            schemas.ResearchProgress(
                agency_id=p.agency_id, agency=p.agency, responded=p.responded, outstanding=p.outstanding
            )
            for p in overview.progress
        ],
        not_responded=overview.not_responded,
    )


def attendance_out(line: meeting.AttendanceLine) -> schemas.AttendanceOut:
    row = line.attendance
    return schemas.AttendanceOut(
        agency_id=line.agency_id,
        agency=line.agency,
        status=row.status if row else None,
        user_id=row.user_id if row else None,
        deputy_name=row.deputy_name if row else None,
        recorded_at=row.recorded_at if row else None,
    )


def meeting_line_out(line: meeting.MeetingLine) -> schemas.MeetingItemOut:
    item = line.item
    return schemas.MeetingItemOut(
        item_id=item.id,
        case_reference=line.case_reference,
        section=item.section,
        position=item.position,
        notification_only=item.notification_only,
        outcome=item.outcome,
        minutes=line.minutes,
        version=item.version,
    )


def record_out(view: meeting.MeetingRecordView) -> schemas.MeetingRecord:
    return schemas.MeetingRecord(
        conference_id=view.conference.id,
        status=view.conference.status,
        attendance=[attendance_out(line) for line in view.attendance],
        items=[meeting_line_out(line) for line in view.lines],
        version=view.conference.version,
    )


class ConferenceRecordController(Controller):
    path = "/conferences/{conference_id:uuid}"
    tags = ["meetings"]

    @get("/research", operation_id="getResearchStatus")
    async def research(
        self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, conference_id: uuid.UUID
    ) -> schemas.ResearchBoard:
        return research_out(
            await research.research_overview(db, clock, actor, conference_id, cipher_of(runtime))
        )

    @get("/attendance", operation_id="listAttendance")
    async def attendance(
        self, db: AsyncSession, actor: Actor, conference_id: uuid.UUID
    ) -> list[schemas.AttendanceOut]:
        return [attendance_out(line) for line in await meeting.list_attendance(db, actor, conference_id)]

    @put("/attendance/{agency_id:uuid}", operation_id="recordAttendance")
    async def record_attendance(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        conference_id: uuid.UUID,
        agency_id: uuid.UUID,
        data: schemas.AttendanceUpdate,
    ) -> schemas.AttendanceOut:
        return attendance_out(
            await meeting.record_attendance(db, clock, actor, conference_id, agency_id, data)
        )

    @get("/record", operation_id="getMeetingRecord")
    async def record(
        self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, conference_id: uuid.UUID
    ) -> schemas.MeetingRecord:
        return record_out(await meeting.meeting_record(db, clock, actor, conference_id, cipher_of(runtime)))


class AgendaItemRecordController(Controller):
    path = "/agenda-items/{item_id:uuid}"
    tags = ["meetings"]

    @put("/research/{agency_id:uuid}", operation_id="recordResearchStatus")
    async def record_research(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        item_id: uuid.UUID,
        agency_id: uuid.UUID,
        data: schemas.ResearchUpdate,
    ) -> schemas.ResearchEntryOut:
        cell = await research.record_research(db, clock, actor, item_id, agency_id, data, cipher_of(runtime))
        return research_cell_out(cell)

    @put("/outcome", operation_id="recordOutcome")
    async def outcome(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        item_id: uuid.UUID,
        data: schemas.OutcomeUpdate,
    ) -> schemas.MeetingItemOut:
        return meeting_line_out(
            await meeting.record_outcome(db, clock, actor, item_id, data, cipher_of(runtime))
        )

    @put("/minutes", operation_id="recordMinutes")
    async def minutes(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        item_id: uuid.UUID,
        data: schemas.MinutesUpdate,
    ) -> schemas.MeetingItemOut:
        return meeting_line_out(
            await meeting.record_minutes(db, clock, actor, item_id, data, cipher_of(runtime))
        )


ROUTE_HANDLERS = [ConferenceRecordController, AgendaItemRecordController]
