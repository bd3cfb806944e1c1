"""Reading actions: one action with its history, and filtered lists (each view audited)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import Actor, require_area
from marac.access.models import Agency, Area, User
from marac.actions import schemas
from marac.actions.access import load_visible, visible_actions
from marac.actions.models import Action, ActionReminder, ActionStatus, Reassignment, StatusReport
from marac.agenda.models import Conference
from marac.cases.models import Case
from marac.cases.people import Protector
from marac.clock import Clock, ensure_utc
from marac.errors import NotFound

MAX_PAGE = 500


def description_context(action_id: uuid.UUID) -> str:
    # Bound to the action, so a description copied onto another row does not decrypt.
    return f"action.description:{action_id}"


def note_context(action_id: uuid.UUID) -> str:
    return f"action.report_note:{action_id}"


def local_today(timezone: str, now: datetime) -> date:
    """Today in the area's time zone: deadlines are local dates."""
    return ensure_utc(now).astimezone(ZoneInfo(timezone)).date()


def _joined() -> Any:
    return (
        select(
            Action,
            Case.reference.label("case_reference"),
            Agency.name.label("agency_name"),
            Conference.local_date.label("agreed_on"),
        )
        .join(Case, Case.id == Action.case_id)
        .join(Agency, Agency.id == Action.owner_agency_id)
        .join(Conference, Conference.id == Action.conference_id)
    )


def to_schema(row: Any, protector: Protector, today: date) -> schemas.Action:
    """An action row joined with its case reference, agency name and conference date → the API shape."""
    action: Action = row[0]
    overdue = action.status == ActionStatus.OPEN and action.deadline < today
    return schemas.Action(
        id=action.id,
        area_id=action.area_id,
        reference=action.reference,
        case_id=action.case_id,
        case_reference=row.case_reference,
        conference_id=action.conference_id,
        agreed_on=row.agreed_on,
        agenda_item_id=action.agenda_item_id,
        description=protector.open(action.description_enc, description_context(action.id)) or "",
        owner_agency_id=action.owner_agency_id,
        owner_agency_name=row.agency_name,
        owner_user_id=action.owner_user_id,
        deadline=action.deadline,
        status=action.status,
        overdue=overdue,
        days_overdue=(today - action.deadline).days if overdue else 0,
        deadline_version=action.deadline_version,
        created_at=action.created_at,
        updated_at=action.updated_at,
        closed_on=action.closed_on,
        closed_at=action.closed_at,
        version=action.version,
    )


async def action_view(
    session: AsyncSession, protector: Protector, action: Action, now: datetime
) -> schemas.Action:
    """One action in its API shape (no audit: callers that show it audit the view or the change)."""
    area = await session.get(Area, action.area_id)
    assert area is not None
    row = (await session.execute(_joined().where(Action.id == action.id))).one()
    return to_schema(row, protector, local_today(area.timezone, now))


async def get_action(
    session: AsyncSession, clock: Clock, actor: Actor, protector: Protector, action_id: uuid.UUID
) -> schemas.ActionDetail:
    """An action with its status reports, owners over time and reminders."""
    action = await load_visible(session, actor, action_id)
    view = await action_view(session, protector, action, clock.now())
    reports = await session.scalars(
        select(StatusReport)
        .where(StatusReport.action_id == action.id)
        .order_by(StatusReport.reported_on, StatusReport.recorded_at)
    )
    owners = await session.scalars(
        select(Reassignment).where(Reassignment.action_id == action.id).order_by(Reassignment.assigned_at)
    )
    reminders = await session.scalars(
        select(ActionReminder)
        .where(ActionReminder.action_id == action.id)
        .order_by(ActionReminder.scheduled_at, ActionReminder.kind)
    )
    await audit.record(session, actor, clock, "action.view", "action", action.id, area_id=action.area_id)
    return schemas.ActionDetail(
        action=view,
        reports=[
            schemas.StatusReport(
                id=report.id,
                reported_on=report.reported_on,
                status=report.status,
                note=protector.open(report.note_enc, note_context(action.id)),
                reporter_user_id=report.reporter_user_id,
                reporter_agency_id=report.reporter_agency_id,
                recorded_at=report.recorded_at,
            )
            for report in reports
        ],
        reassignments=[
            schemas.Reassignment(
                from_agency_id=entry.from_agency_id,
                from_user_id=entry.from_user_id,
                to_agency_id=entry.to_agency_id,
                to_user_id=entry.to_user_id,
                reason=entry.reason,
                assigned_at=entry.assigned_at,
                assigned_by=entry.assigned_by,
            )
            for entry in owners
        ],
        reminders=[
            schemas.Reminder(
                kind=reminder.kind,
                deadline_version=reminder.deadline_version,
                scheduled_at=reminder.scheduled_at,
                sent_at=reminder.sent_at,
                cancelled_at=reminder.cancelled_at,
                outcome=reminder.outcome,
            )
            for reminder in reminders
        ],
    )


async def list_actions(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    protector: Protector,
    area_id: uuid.UUID,
    *,
    case_id: uuid.UUID | None = None,
    conference_id: uuid.UUID | None = None,
    agency_id: uuid.UUID | None = None,
    status: ActionStatus | None = None,
    overdue: bool = False,
    limit: int = 200,
    offset: int = 0,
) -> list[schemas.Action]:
    """The area's actions the actor may see, by deadline, filtered by case, conference, agency, status
    or overdue (open past the deadline)."""
    require_area(actor, area_id)
    area = await session.get(Area, area_id)
    if area is None:
        raise NotFound("area", area_id)
    today = local_today(area.timezone, clock.now())
    conditions: list[ColumnElement[bool]] = [visible_actions(actor, area_id)]
    if case_id is not None:
        conditions.append(Action.case_id == case_id)
    if conference_id is not None:
        conditions.append(Action.conference_id == conference_id)
    if agency_id is not None:
        conditions.append(Action.owner_agency_id == agency_id)
    if status is not None:
        conditions.append(Action.status == status)
    if overdue:
        conditions += [Action.status == ActionStatus.OPEN, Action.deadline < today]
    rows = await session.execute(
        _joined()
        .where(*conditions)
        .order_by(Action.deadline, Action.reference)
        .limit(min(max(limit, 1), MAX_PAGE))
        .offset(max(offset, 0))
    )
    result = [to_schema(row, protector, today) for row in rows]
    await audit.record(
        session,
        actor,
        clock,
        "action.list",
        "area",
        area_id,
        area_id=area_id,
        detail={
            "case_id": case_id,
            "conference_id": conference_id,
            "agency_id": agency_id,
            "status": status,
            "overdue": overdue,
            "count": len(result),
        },
    )
    return result


@dataclass(frozen=True, slots=True)
class OwnerChoice:
    """An agency an action may be given to, and its people who may own one."""

    agency_id: uuid.UUID
    agency_name: str
    people: tuple[tuple[uuid.UUID, str], ...]


async def owner_choices(session: AsyncSession, area_id: uuid.UUID) -> list[OwnerChoice]:
    """The area's active agencies with their active people, by name (for choosing an owner).

    A choice may still be refused when the action is saved: nobody on the case's must-not-receive
    list may own one of its actions, and that is checked there.
    """
    agencies = list(
        await session.execute(
            select(Agency.id, Agency.name)
            .where(Agency.area_id == area_id, Agency.active.is_(True))
            .order_by(Agency.name)
        )
    )
    people: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {agency_id: [] for agency_id, _ in agencies}
    if people:
        rows = await session.execute(
            select(User.id, User.name, User.agency_id)
            .where(User.agency_id.in_(list(people)), User.active.is_(True))
            .order_by(User.name)
        )
        for user_id, name, agency_id in rows:
            if agency_id is not None:
                people[agency_id].append((user_id, name))
    return [OwnerChoice(agency_id, name, tuple(people[agency_id])) for agency_id, name in agencies]


async def names_of(session: AsyncSession, user_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """People's names by id, for showing who reported on or was given an action."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
    return {row[0]: row[1] for row in rows.all()}
