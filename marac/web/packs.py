"""Briefing packs and the documents of a conference, downloaded through the audited document services.

* ``/packs``: an agency representative's own current briefing pack for each conference (Word, and
  PDF where LibreOffice is installed on the server).
* ``/packs/{id}/download``: one copy as issued; only its recipient, or the area's coordinators and
  chairs (:func:`marac.agenda.packs_downloads.download_pack` decides and audits).
* ``/conferences/{id}/documents/...``: the agenda (.docx), and after the meeting the minutes and the
  action log; ``/conferences/{id}/packs/issue`` issues or brings the packs up to date now.

File names say what a document is (date, agency, copy reference), never who it is about.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.agenda import agenda_document, meeting_documents, packs_distribution, packs_downloads
from marac.agenda.documents_models import BriefingPack
from marac.agenda.models import Conference
from marac.agenda.packs_controllers import file_response
from marac.agenda.pdf import pdf_available
from marac.clock import Clock
from marac.runtime import Runtime
from marac.web.agenda_views import ConferenceHead
from marac.web.nav import CHAIRS, COORDINATORS, REPRESENTATIVES
from marac.web.shell import PageContext, redirect, render

PDF_UNAVAILABLE = "PDF unavailable: LibreOffice is not installed on this server. Download the Word copy."
DOWNLOADERS = COORDINATORS | CHAIRS | REPRESENTATIVES


@dataclass(frozen=True)
class PackLine:
    """One issued copy, as a page lists it."""

    id: uuid.UUID
    recipient: str
    agency: str
    version: int
    agenda_version: int
    reference: str
    cases: int
    generated_at: datetime
    current: bool

    @classmethod
    def of(cls, summary: packs_downloads.PackSummary) -> PackLine:
        pack = summary.pack
        return cls(
            pack.id,
            summary.recipient_name,
            summary.agency_name or "",
            pack.number,
            pack.agenda_version,
            pack.reference,
            len(pack.case_ids),
            pack.generated_at,
            summary.current,
        )


@dataclass(frozen=True)
class ConferencePacks:
    conference: ConferenceHead
    packs: tuple[PackLine, ...]


async def conference_packs(db: AsyncSession, actor: Actor, conference_id: uuid.UUID) -> list[PackLine]:
    """Every copy issued for the conference (coordinators and chairs), newest version first per person."""
    return [PackLine.of(summary) for summary in await packs_downloads.list_packs(db, actor, conference_id)]


async def my_packs(db: AsyncSession, actor: Actor, area_id: uuid.UUID) -> list[ConferencePacks]:
    """The person's current copy for each conference they were sent one for, latest conference first."""
    # Only which conferences to ask about is read here; the service decides what the person may see.
    rows = await db.scalars(
        select(BriefingPack.conference_id)
        .where(
            BriefingPack.area_id == area_id,
            BriefingPack.recipient_user_id == actor.user_id,
            BriefingPack.superseded_at.is_(None),
            BriefingPack.withdrawn_at.is_(None),
        )
        .distinct()
    )
    found = []
    for conference_id in rows.all():
        packs = await packs_downloads.list_packs(db, actor, conference_id)
        if packs:
            conference = await db.get(Conference, conference_id)
            assert conference is not None  # foreign key
            found.append(ConferencePacks(ConferenceHead.of(conference), tuple(PackLine.of(s) for s in packs)))
    return sorted(found, key=lambda c: c.conference.starts_at, reverse=True)


class PackPages(Controller):
    path = "/packs"

    @get("/", name="my-packs", opt={"roles": REPRESENTATIVES})
    async def list_my_packs(self, page: PageContext, db: AsyncSession, actor: Actor) -> Template:
        conferences = await my_packs(db, actor, page.area_id)
        return render(
            page,
            "packs/mine.html",
            conferences=conferences,
            pdf=pdf_available(),
            pdf_unavailable=PDF_UNAVAILABLE,
        )

    @get("/{pack_id:uuid}/download", opt={"roles": DOWNLOADERS})
    async def download(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        pack_id: uuid.UUID,
        file_format: Annotated[Literal["docx", "pdf"], QueryParameter(name="format")] = "docx",
    ) -> Response[bytes]:
        document = await packs_downloads.download_pack(db, clock, actor, pack_id, file_format)
        return file_response(document)


class ConferenceDocumentPages(Controller):
    path = "/conferences/{conference_id:uuid}"

    @get("/documents/agenda.docx", opt={"roles": DOWNLOADERS})
    async def agenda(
        self, db: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID
    ) -> Response[bytes]:
        document = await agenda_document.agenda_document(db, clock, actor, conference_id)
        return file_response(document)

    @get("/documents/minutes", opt={"roles": COORDINATORS | CHAIRS})
    async def minutes(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        file_format: Annotated[Literal["docx", "pdf"], QueryParameter(name="format")] = "docx",
    ) -> Response[bytes]:
        document = await meeting_documents.minutes_document(
            db, clock, actor, runtime.protector, conference_id, file_format
        )
        return file_response(document)

    @get("/documents/action-log", opt={"roles": COORDINATORS | CHAIRS})
    async def action_log(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        conference_id: uuid.UUID,
        file_format: Annotated[Literal["docx", "xlsx", "pdf"], QueryParameter(name="format")] = "docx",
    ) -> Response[bytes]:
        document = await meeting_documents.action_log_document(
            db, clock, actor, runtime.protector, conference_id, file_format
        )
        return file_response(document)

    @post("/packs/issue", opt={"roles": COORDINATORS})
    async def issue(
        self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, conference_id: uuid.UUID
    ) -> Redirect:
        run = await packs_distribution.issue_packs_now(
            db, clock, actor, runtime.settings, runtime.protector, conference_id
        )
        notice = (
            f"Briefing packs for agenda version {run.agenda_version}: {run.issued} issued, "
            f"{run.unchanged} unchanged, {run.withdrawn} withdrawn."
        )
        return redirect(runtime, f"/conferences/{conference_id}/agenda#documents", flash=notice)


ROUTE_HANDLERS: list[Any] = [PackPages, ConferenceDocumentPages]
