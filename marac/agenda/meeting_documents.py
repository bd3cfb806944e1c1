"""The minutes and the action log of a conference, as Word documents (and the log as a spreadsheet).

Both are for the area's coordinators and chairs, made on request from the meeting record and the
actions agreed, addressed to the person who asked (name, agency and a copy reference in every footer)
and audited with that reference.  Cases on the requester's must-not-receive list are left out.

* Minutes, once the meeting has been held: attendance and apologies, then per discussed case its
  outcome, the minutes and the actions agreed.
* Action log: every action agreed at the conference with its owner, deadline, current status and
  last status report — as .docx, or as .xlsx for people who track actions in a spreadsheet.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.area_settings import load_area_settings
from marac.access.guards import Actor
from marac.access.models import Agency, Area, User
from marac.actions.xlsx import XLSX_MEDIA_TYPE, action_log_workbook
from marac.agenda.documents import (
    ActionEntry,
    ActionLogDoc,
    AreaInfo,
    AttendanceEntry,
    ConferenceInfo,
    MinutesCase,
    MinutesDoc,
    Recipient,
)
from marac.agenda.docx import render
from marac.agenda.layout import listing_facts
from marac.agenda.meeting import MINUTES_CONTEXT, attendance_lines
from marac.agenda.models import AgendaItem, AttendanceStatus, Conference, ConferenceStatus, Outcome
from marac.agenda.packs import DISCUSSED_SECTIONS
from marac.agenda.packs_actions import actions_agreed_at
from marac.agenda.packs_downloads import DOCX_MEDIA_TYPE, DocumentFile, as_pdf
from marac.agenda.visibility import get_conference, hidden_case_ids, require_overseer
from marac.cases.people import Protector
from marac.clock import Clock
from marac.errors import Conflict

MinutesFormat = Literal["docx", "pdf"]
ActionLogFormat = Literal["docx", "xlsx", "pdf"]
OUTCOME_LABELS = {
    Outcome.HEARD: "Heard",
    Outcome.DEFERRED: "Deferred to a later conference",
    Outcome.WITHDRAWN: "Withdrawn",
}
_HELD = (ConferenceStatus.HELD, ConferenceStatus.CLOSED)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Heading:
    """What every copy of a meeting document starts from: the area, the meeting and who it is for."""

    area: AreaInfo
    conference: ConferenceInfo
    recipient: Recipient
    marking: str
    template_dir: Path | None


async def heading(session: AsyncSession, actor: Actor, conference: Conference, prefix: str) -> Heading:
    """The heading of a copy for the requester, with a fresh copy reference ``PREFIX-YYYYMMDD-XXXXXX``."""
    area = await session.get(Area, conference.area_id)
    assert area is not None  # foreign key
    settings = load_area_settings(area.settings)
    chair = await session.get(User, conference.chair_user_id) if conference.chair_user_id else None
    person = await session.get(User, actor.user_id) if actor.user_id else None
    agency = await session.get(Agency, actor.agency_id) if actor.agency_id else None
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
    return Heading(
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
            reference=f"{prefix}-{conference.local_date:%Y%m%d}-{code}",
        ),
        marking=settings.protective_marking,
        template_dir=Path(settings.template_dir) if settings.template_dir else None,
    )


def _attendance_entry(
    name: str | None, agency: str, status: AttendanceStatus | None, deputy: str | None
) -> AttendanceEntry:
    if status is None:
        return AttendanceEntry(name or "—", agency, "not recorded")
    if status == AttendanceStatus.DEPUTY:
        return AttendanceEntry(deputy or "Deputy", agency, "deputy", deputy_for=name)
    return AttendanceEntry(name or "—", agency, status.value)


async def minutes_document(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    protector: Protector,
    conference_id: uuid.UUID,
    file_format: MinutesFormat = "docx",
) -> DocumentFile:
    """The minutes of a held meeting, addressed to the requester (coordinators and chairs; audited)."""
    conference = await get_conference(session, actor, conference_id)
    require_overseer(actor, conference, "download the minutes")
    if conference.status not in _HELD:
        raise Conflict("Minutes are made once the meeting has been held")
    head = await heading(session, actor, conference, "MIN")
    lines = await attendance_lines(session, conference)
    recorded = [line.attendance.user_id for line in lines if line.attendance and line.attendance.user_id]
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(recorded)))
    people = dict(rows.all())
    attendance = tuple(
        _attendance_entry(
            people.get(line.attendance.user_id) if line.attendance and line.attendance.user_id else None,
            line.agency,
            line.attendance.status if line.attendance else None,
            line.attendance.deputy_name if line.attendance else None,
        )
        for line in lines
    )
    hidden = await hidden_case_ids(session, actor)
    items = [
        item
        for item in await session.scalars(
            select(AgendaItem)
            .where(AgendaItem.conference_id == conference.id, AgendaItem.notification_only.is_(False))
            .order_by(AgendaItem.starts_at, AgendaItem.position)
        )
        if item.case_id not in hidden
    ]
    facts = await listing_facts(session, (item.referral_id for item in items))
    agreed: dict[uuid.UUID, list[ActionEntry]] = defaultdict(list)
    for action in await actions_agreed_at(session, protector, conference.id):
        agreed[action.case_id].append(action.entry)
    cases = tuple(
        MinutesCase(
            reference=facts[item.referral_id].case_reference,
            section=DISCUSSED_SECTIONS.get(item.section, item.section),
            outcome=OUTCOME_LABELS[item.outcome] if item.outcome else "Not reached",
            notes=protector.open(item.minutes_enc, MINUTES_CONTEXT) or "",
            actions=tuple(agreed.get(item.case_id, [])),
        )
        for item in items
    )
    context = MinutesDoc(
        area=head.area,
        conference=head.conference,
        recipient=head.recipient,
        attendance=attendance,
        cases=cases,
        generated_at=clock.now(),
        marking=head.marking,
    )
    content = await asyncio.to_thread(render, "minutes", context, template_dir=head.template_dir)
    document = DocumentFile(
        f"marac-minutes-{conference.local_date.isoformat()}-{head.recipient.reference}.docx",
        content,
        DOCX_MEDIA_TYPE,
    )
    if file_format == "pdf":
        document = await as_pdf(document)
    await audit.record(
        session,
        actor,
        clock,
        "minutes.download",
        "conference",
        conference.id,
        area_id=conference.area_id,
        detail={"reference": head.recipient.reference, "cases": len(cases), "format": file_format},
    )
    return document


async def action_log_document(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    protector: Protector,
    conference_id: uuid.UUID,
    file_format: ActionLogFormat = "docx",
) -> DocumentFile:
    """Every action agreed at the conference, as .docx, .xlsx or PDF (coordinators and chairs; audited)."""
    conference = await get_conference(session, actor, conference_id)
    require_overseer(actor, conference, "download the action log")
    head = await heading(session, actor, conference, "LOG")
    hidden = await hidden_case_ids(session, actor)
    actions = [
        a.entry for a in await actions_agreed_at(session, protector, conference.id) if a.case_id not in hidden
    ]
    context = ActionLogDoc(
        area=head.area,
        recipient=head.recipient,
        title=f"Actions agreed at the MARAC of {conference.local_date.day} {conference.local_date:%B %Y}",
        as_of=clock.now(),
        actions=tuple(actions),
        generated_at=clock.now(),
        marking=head.marking,
    )
    stem = f"marac-action-log-{conference.local_date.isoformat()}-{head.recipient.reference}"
    if file_format == "xlsx":
        content = await asyncio.to_thread(action_log_workbook, context)
        document = DocumentFile(f"{stem}.xlsx", content, XLSX_MEDIA_TYPE)
    else:
        content = await asyncio.to_thread(render, "action_log", context, template_dir=head.template_dir)
        document = DocumentFile(f"{stem}.docx", content, DOCX_MEDIA_TYPE)
        if file_format == "pdf":
            document = await as_pdf(document)
    await audit.record(
        session,
        actor,
        clock,
        "action_log.download",
        "conference",
        conference.id,
        area_id=conference.area_id,
        detail={"reference": head.recipient.reference, "actions": len(actions), "format": file_format},
    )
    return document
