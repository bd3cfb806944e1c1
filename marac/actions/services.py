"""Changing actions: agree one at a meeting, change its wording or deadline, report on it, hand it
over, cancel it.  Every change is audited (ids and field names only) and bumps ``version``.

A new deadline bumps ``deadline_version`` and re-plans the reminders; closing an action (a final
status report or cancellation) cancels its unsent reminders.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.guards import OVERSEERS, Actor, require_role
from marac.access.models import Agency, Area, User
from marac.actions import schemas
from marac.actions.access import load_visible, require_overseer, require_owner_side
from marac.actions.models import Action, ActionStatus, Reassignment, StatusReport
from marac.actions.reminders import ReminderPolicy, cancel_pending, plan_for
from marac.actions.views import description_context, local_today, note_context
from marac.agenda.models import AgendaItem, Conference, ConferenceStatus
from marac.cases.access import excluded_user_ids, is_excluded
from marac.cases.models import Case
from marac.cases.people import Protector
from marac.cases.references import next_number
from marac.clock import Clock
from marac.errors import Conflict, InvalidInput, NotFound, StaleVersion

ACTION_SERIES = "A"
# Far enough for any realistic plan, near enough to catch a mistyped year.
LONGEST_DEADLINE = timedelta(days=2 * 366)


async def next_action_reference(session: AsyncSession, area_id: uuid.UUID) -> str:
    """``A-0001``, ``A-0002``… per area: no identity in it, so it is safe in emails."""
    return f"{ACTION_SERIES}-{await next_number(session, area_id, ACTION_SERIES):04d}"


def _check_version(action: Action, expected: int) -> None:
    if action.version != expected:
        raise StaleVersion("action", action.id, expected, action.version)


def _require_open(action: Action) -> None:
    if action.status != ActionStatus.OPEN:
        raise Conflict(f"Action {action.reference} is {action.status.value.replace('_', ' ')}: it is closed")


def _touch(action: Action, now: datetime) -> None:
    action.version += 1
    action.updated_at = now


async def _area(session: AsyncSession, area_id: uuid.UUID) -> Area:
    area = await session.get(Area, area_id)
    if area is None:
        raise NotFound("area", area_id)
    return area


def _check_deadline(deadline: date, agreed_on: date) -> None:
    if deadline < agreed_on:
        raise InvalidInput.for_field("deadline", "must not be before the conference that agreed the action")
    if deadline > agreed_on + LONGEST_DEADLINE:
        raise InvalidInput.for_field("deadline", "must be within two years of the conference")


async def _owner(
    session: AsyncSession,
    area_id: uuid.UUID,
    case_id: uuid.UUID,
    agency_id: uuid.UUID,
    user_id: uuid.UUID | None,
) -> tuple[Agency, uuid.UUID | None]:
    """The owner agency (of the area, active) and person: the one named, else the agency's point of
    contact.  Nobody on the case's must-not-receive list may own one of its actions."""
    agency = await session.get(Agency, agency_id)
    if agency is None or agency.area_id != area_id or not agency.active:
        raise InvalidInput.for_field("owner_agency_id", "is not an active agency of this area")
    excluded = await excluded_user_ids(session, case_id)
    if user_id is None:
        contact = agency.contact_user_id
        if contact is not None and contact not in excluded:
            person = await session.get(User, contact)
            if person is not None and person.active:
                return agency, contact
        return agency, None
    user = await session.get(User, user_id)
    if user is None or user.agency_id != agency.id or not user.active or user.id in excluded:
        raise InvalidInput.for_field("owner_user_id", "is not someone of the owner agency who may own this")
    return agency, user.id


async def create_action(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    protector: Protector,
    conference_id: uuid.UUID,
    data: schemas.ActionCreate,
) -> Action:
    """Agree an action at a conference (chair or coordinator) and plan its reminders."""
    conference = await session.get(Conference, conference_id)
    if conference is None:
        raise NotFound("conference", conference_id)
    require_role(
        actor,
        conference.area_id,
        *OVERSEERS,
        object_type="conference",
        object_id=conference_id,
        doing="agree actions",
    )
    now = clock.now()
    if conference.status == ConferenceStatus.CANCELLED or now < conference.starts_at:
        raise Conflict("Actions are agreed at a meeting: this conference has not been held")
    case = await session.get(Case, data.case_id)
    if case is None or case.area_id != conference.area_id or await is_excluded(session, actor, case.id):
        raise InvalidInput.for_field("case_id", "is not a case of this area")
    if case.merged_into_id is not None:
        raise InvalidInput.for_field("case_id", "was merged into another case: use that one")
    item_id = await _agenda_item(session, conference.id, case.id, data.agenda_item_id)
    _check_deadline(data.deadline, conference.local_date)
    agency, owner_user_id = await _owner(
        session, case.area_id, case.id, data.owner_agency_id, data.owner_user_id
    )
    action_id = uuid.uuid4()
    description = protector.seal(data.description, description_context(action_id))
    if description is None:
        raise InvalidInput.for_field("description", "must not be blank")
    action = Action(
        id=action_id,
        area_id=case.area_id,
        case_id=case.id,
        conference_id=conference.id,
        agenda_item_id=item_id,
        reference=await next_action_reference(session, case.area_id),
        description_enc=description,
        owner_agency_id=agency.id,
        owner_user_id=owner_user_id,
        deadline=data.deadline,
        status=ActionStatus.OPEN,
        deadline_version=1,
        created_at=now,
        created_by=actor.user_id,
        updated_at=now,
        version=1,
    )
    session.add(action)
    session.add(
        Reassignment(
            action_id=action.id,
            to_agency_id=agency.id,
            to_user_id=owner_user_id,
            assigned_at=now,
            assigned_by=actor.user_id,
        )
    )
    await session.flush()
    await plan_for(session, action, ReminderPolicy.of(await _area(session, action.area_id)), now)
    await audit.record(
        session,
        actor,
        clock,
        "action.create",
        "action",
        action.id,
        area_id=action.area_id,
        detail={
            "case_id": case.id,
            "conference_id": conference.id,
            "owner_agency_id": agency.id,
            "owner_user_id": owner_user_id,
            "deadline": data.deadline,
        },
    )
    return action


async def _agenda_item(
    session: AsyncSession, conference_id: uuid.UUID, case_id: uuid.UUID, item_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The named agenda item (it must list this case at this conference), or the case's item there."""
    if item_id is not None:
        item = await session.get(AgendaItem, item_id)
        if item is None or item.conference_id != conference_id or item.case_id != case_id:
            raise InvalidInput.for_field("agenda_item_id", "does not list this case at this conference")
        return item.id
    return await session.scalar(
        select(AgendaItem.id).where(AgendaItem.conference_id == conference_id, AgendaItem.case_id == case_id)
    )


async def update_action(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    protector: Protector,
    action_id: uuid.UUID,
    data: schemas.ActionUpdate,
) -> Action:
    """Change the wording or the deadline (chair or coordinator); a new deadline re-plans reminders."""
    action = await load_visible(session, actor, action_id, for_update=True)
    require_overseer(actor, action, "change an action's wording or deadline")
    _check_version(action, data.version)
    _require_open(action)
    now = clock.now()
    changed: list[str] = []
    if data.description is not None:
        sealed = protector.seal(data.description, description_context(action.id))
        if sealed is None:
            raise InvalidInput.for_field("description", "must not be blank")
        action.description_enc = sealed
        changed.append("description")
    if data.deadline is not None and data.deadline != action.deadline:
        agreed_on = await session.scalar(
            select(Conference.local_date).where(Conference.id == action.conference_id)
        )
        assert agreed_on is not None
        _check_deadline(data.deadline, agreed_on)
        action.deadline = data.deadline
        action.deadline_version += 1
        changed.append("deadline")
    if not changed:
        return action
    _touch(action, now)
    await session.flush()
    if "deadline" in changed:
        await plan_for(session, action, ReminderPolicy.of(await _area(session, action.area_id)), now)
    await audit.record(
        session,
        actor,
        clock,
        "action.update",
        "action",
        action.id,
        area_id=action.area_id,
        detail={"fields": changed, "deadline_version": action.deadline_version},
    )
    return action


async def report_status(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    protector: Protector,
    action_id: uuid.UUID,
    data: schemas.StatusReportCreate,
) -> Action:
    """Record a dated status report; an outcome (completed, not possible, not done) closes the action."""
    action = await load_visible(session, actor, action_id, for_update=True)
    require_owner_side(actor, action, "report on this action")
    _check_version(action, data.version)
    _require_open(action)
    now = clock.now()
    area = await _area(session, action.area_id)
    today = local_today(area.timezone, now)
    reported_on = data.reported_on or today
    if reported_on > today:
        raise InvalidInput.for_field("reported_on", "must not be in the future")
    agreed_on = await session.scalar(
        select(Conference.local_date).where(Conference.id == action.conference_id)
    )
    if agreed_on is not None and reported_on < agreed_on:
        raise InvalidInput.for_field("reported_on", "must not be before the action was agreed")
    status = ActionStatus(data.status)
    session.add(
        StatusReport(
            action_id=action.id,
            reported_on=reported_on,
            status=status,
            note_enc=protector.seal(data.note, note_context(action.id)),
            reporter_user_id=actor.user_id,
            reporter_agency_id=actor.agency_id,
            recorded_at=now,
        )
    )
    if status != ActionStatus.OPEN:
        _close(action, status, reported_on, now)
        await cancel_pending(session, action.id, now)
    _touch(action, now)
    await session.flush()
    await audit.record(
        session,
        actor,
        clock,
        "action.status_report",
        "action",
        action.id,
        area_id=action.area_id,
        detail={"status": status, "reported_on": reported_on, "note": data.note is not None},
    )
    return action


def _close(action: Action, status: ActionStatus, on: date, now: datetime) -> None:
    action.status = status
    action.closed_on = on
    action.closed_at = now


async def reassign_action(
    session: AsyncSession, clock: Clock, actor: Actor, action_id: uuid.UUID, data: schemas.ActionReassign
) -> Action:
    """Hand the action to another agency (chair or coordinator) or to a colleague in the same agency
    (its representatives too).  Later reminders go to the new owner."""
    action = await load_visible(session, actor, action_id, for_update=True)
    if data.owner_agency_id != action.owner_agency_id:
        require_overseer(actor, action, "give an action to another agency")
    else:
        require_owner_side(actor, action, "hand this action to a colleague")
    _check_version(action, data.version)
    _require_open(action)
    agency, user_id = await _owner(
        session, action.area_id, action.case_id, data.owner_agency_id, data.owner_user_id
    )
    if agency.id == action.owner_agency_id and user_id == action.owner_user_id:
        raise InvalidInput.for_field("owner_agency_id", "the action already has this owner")
    now = clock.now()
    session.add(
        Reassignment(
            action_id=action.id,
            from_agency_id=action.owner_agency_id,
            from_user_id=action.owner_user_id,
            to_agency_id=agency.id,
            to_user_id=user_id,
            reason=data.reason,
            assigned_at=now,
            assigned_by=actor.user_id,
        )
    )
    previous = action.owner_agency_id
    action.owner_agency_id = agency.id
    action.owner_user_id = user_id
    _touch(action, now)
    await session.flush()
    await audit.record(
        session,
        actor,
        clock,
        "action.reassign",
        "action",
        action.id,
        area_id=action.area_id,
        detail={"from_agency_id": previous, "to_agency_id": agency.id, "to_user_id": user_id},
    )
    return action


async def cancel_action(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    protector: Protector,
    action_id: uuid.UUID,
    data: schemas.ActionCancel,
) -> Action:
    """Cancel an action that is no longer wanted (chair or coordinator); its reminders stop."""
    action = await load_visible(session, actor, action_id, for_update=True)
    require_overseer(actor, action, "cancel an action")
    _check_version(action, data.version)
    _require_open(action)
    now = clock.now()
    today = local_today((await _area(session, action.area_id)).timezone, now)
    session.add(
        StatusReport(
            action_id=action.id,
            reported_on=today,
            status=ActionStatus.CANCELLED,
            note_enc=protector.seal(data.reason, note_context(action.id)),
            reporter_user_id=actor.user_id,
            reporter_agency_id=actor.agency_id,
            recorded_at=now,
        )
    )
    _close(action, ActionStatus.CANCELLED, today, now)
    await cancel_pending(session, action.id, now)
    _touch(action, now)
    await session.flush()
    await audit.record(
        session,
        actor,
        clock,
        "action.cancel",
        "action",
        action.id,
        area_id=action.area_id,
        detail={"reason": data.reason is not None},
    )
    return action
