"""HTTP interface of briefing packs and meeting documents: parse → one service call → schema or file out.

Documents are only ever downloaded here, by a signed-in person, one copy at a time; emails link to
the portal instead of carrying them.  ``?format=pdf`` asks for a PDF copy (503 when LibreOffice is not
installed on the server); the action log also comes as ``?format=xlsx``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Controller, Response, delete, get, post, put
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.agenda import meeting_documents, packs_distribution, packs_downloads, packs_relevance
from marac.agenda import packs_schemas as schemas
from marac.clock import Clock
from marac.runtime import Runtime


def pack_out(summary: packs_downloads.PackSummary) -> schemas.BriefingPack:
    pack = summary.pack
    return schemas.BriefingPack(
        id=pack.id,
        conference_id=pack.conference_id,
        recipient_user_id=pack.recipient_user_id,
        recipient_name=summary.recipient_name,
        agency_id=pack.agency_id,
        agency_name=summary.agency_name,
        version=pack.number,
        agenda_version=pack.agenda_version,
        reference=pack.reference,
        case_count=len(pack.case_ids),
        size=pack.size,
        sha256=pack.content_hash,
        generated_at=pack.generated_at,
        announced_at=pack.announced_at,
        superseded_at=pack.superseded_at,
        withdrawn_at=pack.withdrawn_at,
        current=summary.current,
        download_path=f"/api/v1/packs/{pack.id}/download",
    )


def relevance_out(mark: packs_relevance.RelevanceMark) -> schemas.PackRelevance:
    return schemas.PackRelevance(
        agenda_item_id=mark.agenda_item_id,
        case_reference=mark.case_reference,
        agency_id=mark.agency_id,
        agency_name=mark.agency,
        marked_by=mark.marked_by,
        marked_at=mark.marked_at,
    )


def file_response(document: packs_downloads.Downloadable) -> Response[bytes]:
    """A download: the file name says what it is (date, agency, reference), never who it is about."""
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{document.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class ConferencePackController(Controller):
    path = "/conferences/{conference_id:uuid}"
    tags = ["briefing packs"]

    @get("/packs", operation_id="listBriefingPacks")
    async def list_packs(
        self, db: AsyncSession, actor: Actor, conference_id: uuid.UUID
    ) -> list[schemas.BriefingPack]:
        """Coordinators and chairs: every copy issued.  Anyone else: their own current copy."""
        return [pack_out(s) for s in await packs_downloads.list_packs(db, actor, conference_id)]

    @post("/packs", operation_id="issueBriefingPacks", status_code=HTTP_200_OK)
    async def issue(
        self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, conference_id: uuid.UUID
    ) -> schemas.PackIssue:
        """Issue (or bring up to date) the packs now, before their pack moment (coordinators)."""
        run = await packs_distribution.issue_packs_now(
            db, clock, actor, runtime.settings, runtime.protector, conference_id
        )
        return schemas.PackIssue(
            conference_id=run.conference_id,
            agenda_version=run.agenda_version,
            issued=run.issued,
            announced=run.announced,
            unchanged=run.unchanged,
            withdrawn=run.withdrawn,
        )

    @get("/pack-relevance", operation_id="listPackRelevance")
    async def relevance(
        self, db: AsyncSession, actor: Actor, conference_id: uuid.UUID
    ) -> list[schemas.PackRelevance]:
        """Which agencies each listed case was marked relevant to (coordinators)."""
        return [
            relevance_out(mark) for mark in await packs_relevance.list_relevance(db, actor, conference_id)
        ]

    @get("/minutes/download", operation_id="downloadMinutes")
    async def minutes(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        file_format: Annotated[Literal["docx", "pdf"], QueryParameter(name="format")] = "docx",
    ) -> Response[bytes]:
        """The minutes of a held meeting (coordinators and chairs)."""
        document = await meeting_documents.minutes_document(
            db, clock, actor, runtime.protector, conference_id, file_format
        )
        return file_response(document)

    @get("/action-log/download", operation_id="downloadActionLog")
    async def action_log(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        file_format: Annotated[Literal["docx", "xlsx", "pdf"], QueryParameter(name="format")] = "docx",
    ) -> Response[bytes]:
        """The actions agreed at the conference, as Word, Excel or PDF (coordinators and chairs)."""
        document = await meeting_documents.action_log_document(
            db, clock, actor, runtime.protector, conference_id, file_format
        )
        return file_response(document)


class PackController(Controller):
    path = "/packs"
    tags = ["briefing packs"]

    @get("/{pack_id:uuid}/download", operation_id="downloadBriefingPack")
    async def download(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        pack_id: uuid.UUID,
        file_format: Annotated[Literal["docx", "pdf"], QueryParameter(name="format")] = "docx",
    ) -> Response[bytes]:
        """A copy as issued: only its recipient, or the area's coordinators and chairs (audited)."""
        return file_response(await packs_downloads.download_pack(db, clock, actor, pack_id, file_format))


class PackRelevanceController(Controller):
    path = "/agenda-items/{item_id:uuid}/pack-relevance/{agency_id:uuid}"
    tags = ["briefing packs"]

    @put("/", operation_id="markPackRelevance")
    async def mark(
        self, db: AsyncSession, clock: Clock, actor: Actor, item_id: uuid.UUID, agency_id: uuid.UUID
    ) -> schemas.PackRelevance:
        """Mark a listed case as relevant to an attending agency (coordinators; idempotent)."""
        return relevance_out(await packs_relevance.mark_relevant(db, clock, actor, item_id, agency_id))

    @delete("/", operation_id="unmarkPackRelevance", status_code=HTTP_204_NO_CONTENT)
    async def unmark(
        self, db: AsyncSession, clock: Clock, actor: Actor, item_id: uuid.UUID, agency_id: uuid.UUID
    ) -> None:
        """Remove the mark (coordinators; idempotent)."""
        await packs_relevance.unmark_relevant(db, clock, actor, item_id, agency_id)


ROUTE_HANDLERS = [ConferencePackController, PackController, PackRelevanceController]
