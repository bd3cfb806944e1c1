"""Actions as the next meeting reviews them: for agendas, briefing packs and case pages.

* :func:`incomplete_actions_for` — actions agreed at earlier conferences of the area that were still
  open at this conference (the agenda's "incomplete actions from the previous meeting");
* :func:`open_actions_for_case` — a case's open actions, wherever agreed;
* :func:`previous_actions_for_agenda` — the first, in the shape the agenda's section takes.

These carry ``case_id`` so that each caller can leave out cases a recipient must not receive anything
about; descriptions are decrypted only when a :class:`Protector` is given.  No audit entry is written
here: the document or page that shows them audits its own view.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from marac.access.models import Agency
from marac.actions.models import Action, ActionStatus, StatusReport
from marac.actions.views import description_context
from marac.agenda.models import Conference
from marac.agenda.previous_actions import PreviousAction
from marac.cases.models import Case
from marac.cases.people import Protector
from marac.errors import NotFound


@dataclass(frozen=True, slots=True)
class ActionLine:
    """One action as a review lists it: references, owner, dates and status."""

    action_id: uuid.UUID
    reference: str
    case_id: uuid.UUID
    case_reference: str
    conference_id: uuid.UUID  # where it was agreed
    agreed_on: date
    owner_agency_id: uuid.UUID
    owner_agency: str
    owner_user_id: uuid.UUID | None
    deadline: date
    status: ActionStatus
    overdue: bool  # open past its deadline on the day of the review
    last_report_on: date | None
    last_report_status: ActionStatus | None
    description: str | None = None  # only when a protector was given


_Agreed = aliased(Conference)


async def _lines(
    session: AsyncSession,
    conditions: list[ColumnElement[bool]],
    on_day: date,
    protector: Protector | None,
    *,
    open_then: bool = False,
) -> list[ActionLine]:
    rows = (
        await session.execute(
            select(
                Action,
                Case.reference.label("case_reference"),
                Agency.name.label("agency_name"),
                _Agreed.local_date.label("agreed_on"),
            )
            .join(Case, Case.id == Action.case_id)
            .join(Agency, Agency.id == Action.owner_agency_id)
            .join(_Agreed, _Agreed.id == Action.conference_id)
            .where(*conditions)
            .order_by(_Agreed.local_date, Case.reference, Action.reference)
        )
    ).all()
    latest = await _latest_reports(session, [row[0].id for row in rows], on_day if open_then else None)
    return [_line(row, latest.get(row[0].id), on_day, protector, open_then) for row in rows]


def _line(
    row: Any,
    report: tuple[date, ActionStatus] | None,
    on_day: date,
    protector: Protector | None,
    open_then: bool,
) -> ActionLine:
    action: Action = row[0]
    # Reviewing a past meeting, an action closed since then was open at the time.
    status = ActionStatus.OPEN if open_then else action.status
    if open_then and report is not None and report[1] != ActionStatus.OPEN:
        report = None  # the closing report came after the meeting
    return ActionLine(
        action_id=action.id,
        reference=action.reference,
        case_id=action.case_id,
        case_reference=row.case_reference,
        conference_id=action.conference_id,
        agreed_on=row.agreed_on,
        owner_agency_id=action.owner_agency_id,
        owner_agency=row.agency_name,
        owner_user_id=action.owner_user_id,
        deadline=action.deadline,
        status=status,
        overdue=status == ActionStatus.OPEN and action.deadline < on_day,
        last_report_on=report[0] if report else None,
        last_report_status=report[1] if report else None,
        description=(
            protector.open(action.description_enc, description_context(action.id)) if protector else None
        ),
    )


async def _latest_reports(
    session: AsyncSession, action_ids: list[uuid.UUID], until: date | None
) -> dict[uuid.UUID, tuple[date, ActionStatus]]:
    """Each action's latest report (up to ``until`` when reviewing a past meeting)."""
    latest: dict[uuid.UUID, tuple[date, ActionStatus]] = {}
    for start in range(0, len(action_ids), 5000):
        query = select(StatusReport.action_id, StatusReport.reported_on, StatusReport.status).where(
            StatusReport.action_id.in_(action_ids[start : start + 5000])
        )
        if until is not None:
            query = query.where(StatusReport.reported_on <= until)
        rows = await session.execute(query.order_by(StatusReport.reported_on, StatusReport.recorded_at))
        for action_id, reported_on, status in rows:
            latest[action_id] = (reported_on, status)
    return latest


async def incomplete_actions_for(
    session: AsyncSession, conference_id: uuid.UUID, *, protector: Protector | None = None
) -> list[ActionLine]:
    """Actions agreed at earlier conferences of the same area still open at this conference's start.

    For a coming conference that is every open action agreed before it; for one already held, the
    actions that were open when it met (closed later counts as open then).  Ordered by the meeting
    that agreed them, then case and action reference.
    """
    conference = await session.get(Conference, conference_id)
    if conference is None:
        raise NotFound("conference", conference_id)
    conditions = [
        Action.area_id == conference.area_id,
        Action.conference_id != conference.id,
        _Agreed.starts_at < conference.starts_at,
        or_(Action.status == ActionStatus.OPEN, Action.closed_at > conference.starts_at),
    ]
    return await _lines(session, conditions, conference.local_date, protector, open_then=True)


async def open_actions_for_case(
    session: AsyncSession, case_id: uuid.UUID, *, on_day: date, protector: Protector | None = None
) -> list[ActionLine]:
    """The case's open actions (overdue counted on ``on_day``), oldest meeting first."""
    conditions = [Action.case_id == case_id, Action.status == ActionStatus.OPEN]
    return await _lines(session, conditions, on_day, protector)


async def previous_actions_for_agenda(session: AsyncSession, conference: Conference) -> list[PreviousAction]:
    """:func:`incomplete_actions_for` in the agenda's shape; ``status`` is ``open`` or ``overdue``."""
    return [
        PreviousAction(
            reference=line.reference,
            case_id=line.case_id,
            case_reference=line.case_reference,
            owner_agency=line.owner_agency,
            deadline=line.deadline,
            status="overdue" if line.overdue else "open",
        )
        for line in await incomplete_actions_for(session, conference.id)
    ]
