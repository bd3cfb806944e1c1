"""Listing and downloading issued briefing packs: only the recipient, or the area's coordinators and chairs.

A recipient sees and downloads only their own current copy; a copy that was replaced or withdrawn is
no longer theirs to download (the replacement is, and the portal shows it).  The area's coordinators
and chairs see every copy, current or not, to answer "who received what".  Nobody gets a copy that
holds a case they are on the must-not-receive list of.  Every download is audited with the copy's
reference, so a leaked copy leads back to this entry.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import Actor, require_area
from marac.access.models import Agency, Role, User
from marac.agenda.documents_models import BriefingPack
from marac.agenda.models import Conference
from marac.agenda.packs import pack_filename
from marac.agenda.pdf import pdf_available, to_pdf
from marac.agenda.visibility import get_conference, hidden_case_ids
from marac.clock import Clock
from marac.errors import Conflict, NotFound, PermissionDenied, Unavailable

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MEDIA_TYPE = "application/pdf"
PackFormat = Literal["docx", "pdf"]
# Coordinators and chairs hand out and check the papers of a meeting.
_DISTRIBUTORS = (Role.COORDINATOR, Role.CHAIR)


class Downloadable(Protocol):
    """Anything offered as a file download: a pack, the agenda, the minutes, the action log."""

    @property
    def filename(self) -> str: ...

    @property
    def content(self) -> bytes: ...

    @property
    def media_type(self) -> str: ...


@dataclass(frozen=True)
class DocumentFile:
    """A document ready to send to the person who asked for it."""

    filename: str
    content: bytes
    media_type: str


@dataclass(frozen=True)
class PackSummary:
    """An issued copy as listed: who it is for, which version, and whether it is current."""

    pack: BriefingPack
    recipient_name: str
    agency_name: str | None

    @property
    def current(self) -> bool:
        return self.pack.superseded_at is None and self.pack.withdrawn_at is None


def _distributes(actor: Actor, area_id: uuid.UUID) -> bool:
    return actor.has_role(area_id, *_DISTRIBUTORS)


async def as_pdf(document: DocumentFile) -> DocumentFile:
    """The PDF copy of a .docx document; :class:`Unavailable` when LibreOffice is not installed."""
    if not pdf_available():
        raise Unavailable(
            "PDF copies are unavailable: LibreOffice is not installed on this server. Download the Word copy."
        )
    content = await asyncio.to_thread(to_pdf, document.content)
    return DocumentFile(document.filename.rsplit(".", 1)[0] + ".pdf", content, PDF_MEDIA_TYPE)


async def list_packs(session: AsyncSession, actor: Actor, conference_id: uuid.UUID) -> list[PackSummary]:
    """Coordinators and chairs: every copy of the conference's pack.  Anyone else: their current copy."""
    conference: Conference = await get_conference(session, actor, conference_id)
    query = select(BriefingPack, User.name, Agency.name).join(User, User.id == BriefingPack.recipient_user_id)
    query = query.outerjoin(Agency, Agency.id == BriefingPack.agency_id).where(
        BriefingPack.conference_id == conference.id
    )
    if not _distributes(actor, conference.area_id):
        query = query.where(
            BriefingPack.recipient_user_id == actor.user_id,
            BriefingPack.superseded_at.is_(None),
            BriefingPack.withdrawn_at.is_(None),
        )
    rows = await session.execute(query.order_by(Agency.name, User.name, BriefingPack.number.desc()))
    hidden = {str(case_id) for case_id in await hidden_case_ids(session, actor)}
    return [
        PackSummary(pack, name, agency)
        for pack, name, agency in rows
        if not hidden.intersection(pack.case_ids)
    ]


async def _downloadable(session: AsyncSession, actor: Actor, pack_id: uuid.UUID) -> BriefingPack:
    pack = await session.get(BriefingPack, pack_id)
    if pack is None:
        raise NotFound("briefing pack", pack_id)
    require_area(actor, pack.area_id, "briefing pack", pack_id)
    hidden = {str(case_id) for case_id in await hidden_case_ids(session, actor)}
    if hidden.intersection(pack.case_ids):
        raise NotFound("briefing pack", pack_id)  # nobody learns that a copy holds a case kept from them
    if _distributes(actor, pack.area_id):
        return pack
    if actor.user_id is None or pack.recipient_user_id != actor.user_id:
        raise PermissionDenied(
            "Only the person a briefing pack was prepared for, and the area's coordinators and chairs, "
            "may download it"
        )
    if pack.withdrawn_at is not None:
        raise NotFound("briefing pack", pack_id)
    if pack.superseded_at is not None:
        raise Conflict("This copy has been replaced by a newer version of your briefing pack; download that")
    return pack


async def download_pack(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    pack_id: uuid.UUID,
    file_format: PackFormat = "docx",
) -> DocumentFile:
    """The copy as issued (.docx), or its PDF; audited with the copy's reference."""
    pack = await _downloadable(session, actor, pack_id)
    conference = await session.get(Conference, pack.conference_id)
    agency = await session.get(Agency, pack.agency_id) if pack.agency_id else None
    assert conference is not None  # foreign key
    document = DocumentFile(
        pack_filename(conference.local_date, agency.name if agency else "marac", pack.reference),
        pack.content,
        DOCX_MEDIA_TYPE,
    )
    if file_format == "pdf":
        document = await as_pdf(document)
    await audit.record(
        session,
        actor,
        clock,
        "pack.download",
        "briefing_pack",
        pack.id,
        area_id=pack.area_id,
        detail={
            "reference": pack.reference,
            "recipient_user_id": str(pack.recipient_user_id),
            "version": pack.number,
            "agenda_version": pack.agenda_version,
            "format": file_format,
        },
    )
    return document
