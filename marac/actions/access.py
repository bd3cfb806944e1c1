"""Who may see and change an action.

* The area's chairs, coordinators and administrators see and change every action of the area.
* Anyone else in the area sees the actions their agency owns (or they own), and an agency's
  representatives — or the owner person — report on them and hand them to a colleague.
* Nobody on the case's must-not-receive list sees any action of that case: for them it does not exist.
* Outside the area nothing exists (404, never 403).
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import OVERSEERS, Actor, require_area
from marac.access.models import Role
from marac.actions.models import Action
from marac.cases.access import is_excluded, not_excluded
from marac.errors import NotFound, PermissionDenied


def is_overseer(actor: Actor, area_id: uuid.UUID) -> bool:
    return actor.has_role(area_id, *OVERSEERS)


def may_see(actor: Actor, action: Action) -> bool:
    """Area and agency scope (the must-not-receive list is checked separately, it needs the database)."""
    if not actor.belongs_to(action.area_id):
        return False
    if is_overseer(actor, action.area_id):
        return True
    owned_by_agency = actor.agency_id is not None and actor.agency_id == action.owner_agency_id
    return owned_by_agency or (actor.user_id is not None and actor.user_id == action.owner_user_id)


async def load_visible(
    session: AsyncSession, actor: Actor, action_id: uuid.UUID, *, for_update: bool = False
) -> Action:
    """The action, when the actor may see it; otherwise :class:`NotFound`, whatever the reason.

    ``for_update`` locks the row (PostgreSQL) so that two edits of one version cannot both pass the
    version check; SQLite's write lock already serialises them.
    """
    action = await session.get(Action, action_id, with_for_update=for_update)
    if action is None:
        raise NotFound("action", action_id)
    require_area(actor, action.area_id, "action", action_id)
    if not may_see(actor, action) or await is_excluded(session, actor, action.case_id):
        raise NotFound("action", action_id)
    return action


def require_owner_side(actor: Actor, action: Action, doing: str) -> None:
    """Reporting and handing over within the agency: its representatives, the owner, or an overseer."""
    if is_overseer(actor, action.area_id):
        return
    if actor.user_id is not None and actor.user_id == action.owner_user_id:
        return
    representative = Role.REPRESENTATIVE in actor.roles_in(action.area_id)
    if representative and actor.agency_id == action.owner_agency_id:
        return
    raise PermissionDenied(f"Only the owner agency's representatives or the chair or coordinator may {doing}")


def require_overseer(actor: Actor, action: Action, doing: str) -> None:
    if not is_overseer(actor, action.area_id):
        raise PermissionDenied(f"Only the chair or a coordinator of this area may {doing}")


def visible_actions(actor: Actor, area_id: uuid.UUID) -> ColumnElement[bool]:
    """A WHERE clause for the actions of an area that the actor may list."""
    clause = (Action.area_id == area_id) & not_excluded(actor, Action.case_id)
    if is_overseer(actor, area_id):
        return clause
    scopes: list[ColumnElement[bool]] = []
    if actor.agency_id is not None:
        scopes.append(Action.owner_agency_id == actor.agency_id)
    if actor.user_id is not None:
        scopes.append(Action.owner_user_id == actor.user_id)
    return clause & or_(*scopes) if scopes else false()
