"""The agenda as a Word document, for the authenticated download only.

Built from the published version the person may see (must-not-receive cases left out), with the
area's protective marking on every page, its confidentiality statement, sections, times and case
references.  Each copy names its recipient and carries a reference, and every download is audited.
Emails never carry it: they link to the portal.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.area_settings import load_area_settings
from marac.access.guards import Actor
from marac.access.models import Agency, Area, User
from marac.agenda.agenda_reads import load_agenda
from marac.agenda.docx import (
    AgendaDoc,
    AgendaEntry,
    AgendaSection,
    AreaInfo,
    ConferenceInfo,
    Recipient,
    render,
)
from marac.clock import Clock
from marac.errors import Conflict

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class AgendaFile:
    filename: str
    content: bytes
    media_type: str = DOCX_MEDIA_TYPE


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def agenda_sections(snapshot: dict[str, Any]) -> tuple[AgendaSection, ...]:
    """The snapshot's sections as the document context wants them."""
    sections = []
    for section in snapshot["sections"]:
        notification_only = section["key"] == "twelve_month"
        entries = tuple(
            AgendaEntry(
                case_reference=line["case_reference"],
                referring_agency=line["referring_agency"],
                starts_at=None if notification_only else _at(line["starts_at"]),
                ends_at=None if notification_only else _at(line["ends_at"]),
                repeat=line["repeat"],
            )
            for line in section["items"]
        )
        if section["key"] == "previous_actions":
            # The agenda template lists entries by case; an action shows as its case and reference.
            entries = tuple(
                AgendaEntry(
                    case_reference=f"{action['case_reference']}, action {action['reference']}",
                    referring_agency=action["owner_agency"],
                    starts_at=None,
                    ends_at=None,
                )
                for action in snapshot["previous_actions"]
            )
        sections.append(
            AgendaSection(
                title=section["title"],
                starts_at=_at(section["starts_at"]),
                entries=entries,
                notification_only=notification_only,
            )
        )
    return tuple(sections)


async def agenda_document(
    session: AsyncSession, clock: Clock, actor: Actor, conference_id: uuid.UUID
) -> AgendaFile:
    """The latest published agenda the actor may see, as a .docx addressed to them (audited)."""
    view = await load_agenda(session, actor, conference_id)
    if view.draft:
        raise Conflict("Only a published agenda can be downloaded")
    conference = view.conference
    area = await session.get(Area, conference.area_id)
    assert area is not None
    settings = load_area_settings(area.settings)
    chair = await session.get(User, conference.chair_user_id) if conference.chair_user_id else None
    person = await session.get(User, actor.user_id) if actor.user_id else None
    agency = await session.get(Agency, actor.agency_id) if actor.agency_id else None
    copy = uuid.uuid4().hex[:8].upper()
    context = AgendaDoc(
        area=AreaInfo(area.name, area.timezone, settings.confidentiality_statement),
        conference=ConferenceInfo(
            starts_at=conference.starts_at,
            ends_at=conference.ends_at,
            location=conference.location,
            chair=chair.name if chair else "to be confirmed",
            online_link=conference.online_link,
        ),
        recipient=Recipient(
            name=person.name if person else actor.label,
            agency=agency.name if agency else area.name,
            reference=f"AGENDA-{conference.local_date:%Y%m%d}-V{view.number}-{copy}",
        ),
        version=view.number,
        sections=agenda_sections(view.snapshot),
        generated_at=clock.now(),
        marking=settings.protective_marking,
    )
    template_dir = Path(settings.template_dir) if settings.template_dir else None
    content = await asyncio.to_thread(render, "agenda", context, template_dir=template_dir)
    await audit.record(
        session,
        actor,
        clock,
        "agenda.download",
        "conference",
        conference.id,
        area_id=conference.area_id,
        detail={"version": view.number, "copy": copy},
    )
    return AgendaFile(f"marac-agenda-{conference.local_date.isoformat()}-v{view.number}.docx", content)
