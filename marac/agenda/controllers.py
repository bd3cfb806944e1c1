"""JSON API for conference series, conferences and agendas: parse → one service call → schema out.

The meeting record (research, attendance, outcomes, minutes) is in :mod:`marac.agenda.meeting_controllers`.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, delete, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.access.middleware import current_actor
from marac.agenda import (
    agenda_document,
    agenda_items,
    agenda_reads,
    conferences,
    meeting,
    meeting_controllers,
    notices,
    publication,
    schemas,
    series,
)
from marac.agenda.agenda_reads import changes_schema
from marac.agenda.models import ConferenceNotice, ConferenceStatus
from marac.clock import Clock
from marac.runtime import Runtime


def series_out(detail: series.SeriesDetail) -> schemas.ConferenceSeriesOut:
    s = detail.series
    return schemas.ConferenceSeriesOut(
        id=s.id,
        area_id=s.area_id,
        name=s.name,
        kind=s.kind,
        weekday=s.weekday,
        nth=s.nth,
        interval_weeks=s.interval_weeks,
        start_date=s.start_date,
        end_date=s.end_date,
        start_time=s.start_time.strftime("%H:%M"),
        duration_minutes=s.duration_minutes,
        timezone=detail.timezone,
        holiday_policy=s.holiday_policy,
        location=s.location,
        online_link=s.online_link,
        chair_user_id=s.chair_user_id,
        max_cases=s.max_cases,
        minutes_per_case=s.minutes_per_case,
        capacity=detail.capacity,
        agency_ids=detail.agency_ids,
        representative_ids=detail.representative_ids,
        cutoff_working_days=s.cutoff_working_days,
        publication_working_days=s.publication_working_days,
        pack_working_days=s.pack_working_days,
        active=s.active,
        materialised_until=s.materialised_until,
        version=s.version,
    )


def conference_out(summary: conferences.ConferenceSummary) -> schemas.ConferenceOut:
    c = summary.conference
    return schemas.ConferenceOut(
        id=c.id,
        area_id=c.area_id,
        series_id=c.series_id,
        status=c.status,
        extraordinary=c.extraordinary,
        occurrence_date=c.occurrence_date,
        local_date=c.local_date,
        starts_at=c.starts_at,
        ends_at=c.ends_at,
        timezone=summary.timezone,
        location=c.location,
        online_link=c.online_link,
        chair_user_id=c.chair_user_id,
        capacity=c.capacity,
        minutes_per_case=c.minutes_per_case,
        max_cases=c.max_cases,
        cases_listed=summary.cases_listed,
        cut_off=c.cut_off,
        publish_at=c.publish_at,
        packs_at=c.packs_at,
        moved_for_holiday=c.moved_for_holiday,
        flagged_holiday=c.flagged_holiday,
        rescheduled=c.rescheduled,
        ical_uid=c.ical_uid,
        sequence=c.sequence,
        agenda_version=c.agenda_version,
        published_at=c.published_at,
        held_at=c.held_at,
        closed_at=c.closed_at,
        cancelled_at=c.cancelled_at,
        cancel_reason=c.cancel_reason,
        version=c.version,
    )


def version_out(summary: publication.VersionSummary) -> schemas.AgendaVersionOut:
    return schemas.AgendaVersionOut(
        number=summary.number, published_at=summary.published_at, changes=changes_schema(summary.changes)
    )


def item_out(listed: agenda_items.ListedItem) -> schemas.AgendaItemOut:
    item = listed.item
    return schemas.AgendaItemOut(
        id=item.id,
        conference_id=item.conference_id,
        case_reference=listed.case_reference,
        section=item.section,
        position=item.position,
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        pinned=item.pinned,
        carried_over=item.carried_over,
        notification_only=item.notification_only,
        outcome=item.outcome,
        version=item.version,
    )


def notice_out(notice: ConferenceNotice) -> schemas.ConferenceNoticeOut:
    return schemas.ConferenceNoticeOut(
        id=notice.id,
        kind=notice.kind,
        message=notice.message,
        conference_id=notice.conference_id,
        referral_id=notice.referral_id,
        created_at=notice.created_at,
        acknowledged_at=notice.acknowledged_at,
    )


class AreaConferenceController(Controller):
    path = "/areas/{area_id:uuid}"
    tags = ["conferences"]

    @post("/conference-series", operation_id="createConferenceSeries")
    async def create_series(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        area_id: uuid.UUID,
        data: schemas.ConferenceSeriesCreate,
    ) -> schemas.ConferenceSeriesOut:
        return series_out(await series.create_series(db, clock, actor, area_id, data))

    @get("/conference-series", operation_id="listConferenceSeries")
    async def list_series(
        self, db: AsyncSession, actor: Actor, area_id: uuid.UUID
    ) -> list[schemas.ConferenceSeriesOut]:
        return [series_out(detail) for detail in await series.list_series(db, actor, area_id)]

    @get("/conferences", operation_id="listConferences")
    async def list_conferences(
        self,
        db: AsyncSession,
        actor: Actor,
        area_id: uuid.UUID,
        from_date: Annotated[date | None, QueryParameter(name="from")] = None,
        until_date: Annotated[date | None, QueryParameter(name="until")] = None,
        status: ConferenceStatus | None = None,
    ) -> list[schemas.ConferenceOut]:
        found = await conferences.list_conferences(
            db, actor, area_id, from_date=from_date, until_date=until_date, status=status
        )
        return [conference_out(summary) for summary in found]

    @get("/conference-notices", operation_id="listConferenceNotices")
    async def list_notices(
        self, db: AsyncSession, actor: Actor, area_id: uuid.UUID, include_acknowledged: bool = False
    ) -> list[schemas.ConferenceNoticeOut]:
        found = await notices.list_notices(db, actor, area_id, include_acknowledged=include_acknowledged)
        return [notice_out(notice) for notice in found]


class SeriesController(Controller):
    path = "/conference-series/{series_id:uuid}"
    tags = ["conferences"]

    @get("/", operation_id="getConferenceSeries")
    async def get_series(
        self, db: AsyncSession, actor: Actor, series_id: uuid.UUID
    ) -> schemas.ConferenceSeriesOut:
        return series_out(await series.get_series_detail(db, actor, series_id))

    @patch("/", operation_id="updateConferenceSeries")
    async def update_series(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        series_id: uuid.UUID,
        data: schemas.ConferenceSeriesUpdate,
    ) -> schemas.ConferenceSeriesOut:
        return series_out(await series.update_series(db, clock, actor, series_id, data))

    @delete("/", operation_id="endConferenceSeries", status_code=200)
    async def end_series(
        self, db: AsyncSession, clock: Clock, actor: Actor, series_id: uuid.UUID
    ) -> schemas.ConferenceSeriesOut:
        return series_out(await series.end_series(db, clock, actor, series_id))

    @post("/extraordinary", operation_id="callExtraordinaryConference")
    async def call_extraordinary(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        series_id: uuid.UUID,
        data: schemas.ExtraordinaryConferenceCreate,
    ) -> schemas.ConferenceOut:
        return conference_out(await conferences.call_extraordinary(db, clock, actor, series_id, data))


class ConferenceController(Controller):
    path = "/conferences/{conference_id:uuid}"
    tags = ["conferences"]

    @get("/", operation_id="getConference")
    async def get_conference(
        self, db: AsyncSession, actor: Actor, conference_id: uuid.UUID
    ) -> schemas.ConferenceOut:
        return conference_out(await conferences.get_conference_summary(db, actor, conference_id))

    @post("/move", operation_id="moveConference", status_code=200)
    async def move(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        conference_id: uuid.UUID,
        data: schemas.ConferenceMove,
    ) -> schemas.ConferenceOut:
        return conference_out(await conferences.move_conference(db, clock, actor, conference_id, data))

    @post("/cancel", operation_id="cancelConference", status_code=200)
    async def cancel(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        conference_id: uuid.UUID,
        data: schemas.ConferenceCancel,
    ) -> schemas.ConferenceOut:
        return conference_out(await conferences.cancel_conference(db, clock, actor, conference_id, data))

    @post("/publish", operation_id="publishAgenda", status_code=200)
    async def publish(
        self, db: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID
    ) -> schemas.AgendaVersionOut:
        return version_out(await publication.publish_now(db, clock, actor, conference_id))

    @post("/close", operation_id="closeMeeting", status_code=200)
    async def close(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        conference_id: uuid.UUID,
        data: schemas.ConferenceClose,
    ) -> schemas.ConferenceOut:
        return conference_out(await meeting.close_meeting(db, clock, actor, conference_id, data))

    @get(
        "/agenda",
        operation_id="getAgenda",
        responses={200: ResponseSpec(data_container=schemas.Agenda, description="The agenda")},
    )
    async def agenda(
        self,
        request: Request[Any, Any, Any],
        conference_id: uuid.UUID,
        version: Annotated[int | None, QueryParameter(name="version", ge=0)] = None,
    ) -> Response[bytes]:
        """The latest published agenda, a given version, or (version 0) the coordinator's live draft."""
        # The most-read route: the runtime, clock and actor come straight from the request, because
        # resolving injected dependencies costs more than the rest of a cached answer.
        runtime: Runtime = request.app.state.runtime
        content = await agenda_reads.agenda_json(
            runtime.sessions, runtime.clock, current_actor(request), conference_id, version
        )
        return Response(content, media_type=MediaType.JSON)

    @get("/agenda/versions", operation_id="listAgendaVersions")
    async def versions(
        self, db: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID
    ) -> list[schemas.AgendaVersionOut]:
        return [version_out(v) for v in await agenda_reads.list_versions(db, clock, actor, conference_id)]

    @get("/agenda.docx", operation_id="downloadAgenda", media_type=agenda_document.DOCX_MEDIA_TYPE)
    async def download(
        self, db: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID
    ) -> Response[bytes]:
        document = await agenda_document.agenda_document(db, clock, actor, conference_id)
        return Response(
            document.content,
            media_type=document.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{document.filename}"',
                "Cache-Control": "no-store",
            },
        )


class AgendaItemController(Controller):
    path = "/agenda-items/{item_id:uuid}"
    tags = ["agendas"]

    @post("/move", operation_id="moveAgendaItem", status_code=200)
    async def move(
        self, db: AsyncSession, clock: Clock, actor: Actor, item_id: uuid.UUID, data: schemas.AgendaItemMove
    ) -> schemas.AgendaItemOut:
        return item_out(await agenda_items.move_item(db, clock, actor, item_id, data))

    @post("/pin", operation_id="pinAgendaItem", status_code=200)
    async def pin(
        self, db: AsyncSession, clock: Clock, actor: Actor, item_id: uuid.UUID, data: schemas.AgendaItemPin
    ) -> schemas.AgendaItemOut:
        return item_out(await agenda_items.pin_item(db, clock, actor, item_id, data))

    @post("/defer", operation_id="deferAgendaItem", status_code=200)
    async def defer(
        self, db: AsyncSession, clock: Clock, actor: Actor, item_id: uuid.UUID, data: schemas.AgendaItemDefer
    ) -> schemas.AgendaItemOut:
        return item_out(await agenda_items.defer_item(db, clock, actor, item_id, data))


class NoticeController(Controller):
    path = "/conference-notices/{notice_id:uuid}"
    tags = ["conferences"]

    @post("/acknowledge", operation_id="acknowledgeConferenceNotice", status_code=200)
    async def acknowledge(
        self, db: AsyncSession, clock: Clock, actor: Actor, notice_id: uuid.UUID
    ) -> schemas.ConferenceNoticeOut:
        return notice_out(await notices.acknowledge_notice(db, clock, actor, notice_id))


ROUTE_HANDLERS = [
    AreaConferenceController,
    SeriesController,
    ConferenceController,
    AgendaItemController,
    NoticeController,
    *meeting_controllers.ROUTE_HANDLERS,
]
