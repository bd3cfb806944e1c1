"""Actions as the meeting documents show them: the one place packs, minutes and action logs read them.

Actions belong to the actions domain (:mod:`marac.actions`).  A briefing pack lists each case's open
actions, wherever agreed (what :func:`marac.actions.review.open_actions_for_case` gives for one case,
read here for a whole agenda at once); the minutes and the action log list the actions agreed at one
conference with their status now.  Both become :class:`~marac.agenda.documents.ActionEntry` rows with
the owner person's name and the date of the last status report, and keep ``case_id`` so that
must-not-receive lists apply.  Descriptions are decrypted with the actions domain's own field context
(:func:`marac.actions.views.description_context`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from marac.access.models import Agency, User
from marac.actions.models import Action, ActionStatus, StatusReport
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


def _actions_query() -> Select[*tuple[Any, ...]]:
    """Actions with their case reference, owner agency and person, and the date of the last report."""
    owner = aliased(User)
    last_report = (
        select(func.max(StatusReport.reported_on))
        .where(StatusReport.action_id == Action.id)
        .correlate(Action)
        .scalar_subquery()
    )
    # Columns rather than Action rows: a 40-case agenda has a hundred actions or more, and documents
    # need neither the ORM's tracking of them nor their other columns.
    return (
        select(
            Action.id,
            Action.case_id,
            Action.owner_agency_id,
            Action.reference,
            Action.description_enc,
            Action.deadline,
            Action.status,
            Case.reference.label("case_reference"),
            Agency.name.label("owner_agency"),
            owner.name.label("owner_person"),
            last_report.label("last_report"),
        )
        .join(Case, Case.id == Action.case_id)
        .join(Agency, Agency.id == Action.owner_agency_id)
        .outerjoin(owner, owner.id == Action.owner_user_id)
        .order_by(Action.deadline, Action.reference)
    )


# Built once, and narrowed by each caller's conditions: building it costs more than running it.
_DOCUMENT_ACTIONS = _actions_query()


async def _actions(
    session: AsyncSession, protector: Protector, on_day: date | None, *conditions: ColumnElement[bool]
) -> list[DocumentAction]:
    """Actions meeting ``conditions`` in one query, with case, owner agency and person, last report;
    with ``on_day``, an open action past its deadline shows as overdue."""
    rows = await session.execute(_DOCUMENT_ACTIONS.where(*conditions))
    found = []
    for row in rows:
        status = STATUS_LABELS.get(row.status, str(row.status))
        if on_day is not None and row.status == ActionStatus.OPEN and row.deadline < on_day:
            status += ", overdue"
        found.append(
            DocumentAction(
                case_id=row.case_id,
                owner_agency_id=row.owner_agency_id,
                entry=ActionEntry(
                    reference=row.reference,
                    case_reference=row.case_reference,
                    description=protector.open(row.description_enc, description_context(row.id)) or "",
                    owner_agency=row.owner_agency,
                    owner_person=row.owner_person,
                    deadline=row.deadline,
                    status=status,
                    last_report=row.last_report,
                ),
            )
        )
    return found


async def open_actions_for_cases(
    session: AsyncSession, protector: Protector, case_ids: Iterable[uuid.UUID], on_day: date
) -> dict[uuid.UUID, list[DocumentAction]]:
    """Every open action on each of ``case_ids``, wherever agreed, by deadline; overdue counted on
    ``on_day``.  The same actions as :func:`marac.actions.review.open_actions_for_case` gives one case
    at a time, read for a whole agenda in one query per 500 cases."""
    wanted = list(dict.fromkeys(case_ids))
    found: dict[uuid.UUID, list[DocumentAction]] = {case_id: [] for case_id in wanted}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        open_now = (Action.case_id.in_(chunk), Action.status == ActionStatus.OPEN)
        for action in await _actions(session, protector, on_day, *open_now):
            found[action.case_id].append(action)
    return found


async def actions_agreed_at(
    session: AsyncSession, protector: Protector, conference_id: uuid.UUID
) -> list[DocumentAction]:
    """Every action agreed at one conference, with its status now, by deadline."""
    return await _actions(session, protector, None, Action.conference_id == conference_id)
