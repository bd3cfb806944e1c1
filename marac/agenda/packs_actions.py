"""Actions as the meeting documents show them: the one place packs, minutes and action logs read them.

Actions belong to the actions domain (:mod:`marac.actions`).  A briefing pack lists each case's open
actions, wherever agreed (:func:`marac.actions.review.open_actions_for_case`); the minutes and the
action log list the actions agreed at one conference with their status now.  Both become
:class:`~marac.agenda.documents.ActionEntry` rows with the owner person's name and the date of the
last status report, and keep ``case_id`` so that must-not-receive lists apply.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from marac.access.models import Agency, User
from marac.actions.models import Action, ActionStatus, StatusReport
from marac.actions.review import ActionLine, open_actions_for_case
from marac.actions.views import description_context
from marac.agenda.documents import ActionEntry
from marac.cases.models import Case
from marac.cases.people import Protector

STATUS_LABELS: dict[ActionStatus, str] = {
    ActionStatus.OPEN: "open",
    ActionStatus.COMPLETED: "completed",
    ActionStatus.NOT_POSSIBLE: "not possible",
    ActionStatus.NOT_DONE: "not done",
    ActionStatus.CANCELLED: "cancelled",
}


@dataclass(frozen=True)
class DocumentAction:
    """One action for a document, with the ids that decide who may see it."""

    case_id: uuid.UUID
    owner_agency_id: uuid.UUID
    entry: ActionEntry


async def _people(session: AsyncSession, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = list({user_id for user_id in ids if user_id is not None})
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
    return dict(rows.all())


def _from_line(line: ActionLine, people: dict[uuid.UUID, str]) -> DocumentAction:
    status = STATUS_LABELS.get(line.status, str(line.status))
    return DocumentAction(
        case_id=line.case_id,
        owner_agency_id=line.owner_agency_id,
        entry=ActionEntry(
            reference=line.reference,
            case_reference=line.case_reference,
            description=line.description or "",
            owner_agency=line.owner_agency,
            owner_person=people.get(line.owner_user_id) if line.owner_user_id else None,
            deadline=line.deadline,
            status=f"{status}, overdue" if line.overdue else status,
            last_report=line.last_report_on,
        ),
    )


async def open_actions_for_cases(
    session: AsyncSession, protector: Protector, case_ids: Iterable[uuid.UUID], on_day: date
) -> dict[uuid.UUID, list[DocumentAction]]:
    """Every open action on each of ``case_ids`` (agreed at any conference), as the actions domain
    lists them; overdue is counted on ``on_day``."""
    lines: dict[uuid.UUID, list[ActionLine]] = {}
    for case_id in dict.fromkeys(case_ids):
        lines[case_id] = await open_actions_for_case(session, case_id, on_day=on_day, protector=protector)
    people = await _people(session, (line.owner_user_id for found in lines.values() for line in found))
    return {case_id: [_from_line(line, people) for line in found] for case_id, found in lines.items()}


async def actions_agreed_at(
    session: AsyncSession, protector: Protector, conference_id: uuid.UUID
) -> list[DocumentAction]:
    """Every action agreed at one conference, with its status now, by deadline."""
    owner = aliased(User)
    last_report = (
        select(func.max(StatusReport.reported_on))
        .where(StatusReport.action_id == Action.id)
        .correlate(Action)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Action, Case.reference, Agency.name, owner.name, last_report)
        .join(Case, Case.id == Action.case_id)
        .join(Agency, Agency.id == Action.owner_agency_id)
        .outerjoin(owner, owner.id == Action.owner_user_id)
        .where(Action.conference_id == conference_id)
        .order_by(Action.deadline, Action.reference)
    )
    return [
        DocumentAction(
            case_id=action.case_id,
            owner_agency_id=action.owner_agency_id,
            entry=ActionEntry(
                reference=action.reference,
                case_reference=case_reference,
                description=protector.open(action.description_enc, description_context(action.id)) or "",
                owner_agency=agency,
                owner_person=person,
                deadline=action.deadline,
                status=STATUS_LABELS.get(action.status, str(action.status)),
                last_report=reported,
            ),
        )
        for action, case_reference, agency, person, reported in rows
    ]
