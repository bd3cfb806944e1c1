"""Who is acting, and the reusable checks every service applies before touching data.

Deny by default: each check either returns quietly or raises.  Objects in an area the actor does not
belong to are reported as *not found*, so nobody learns that they exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from marac.access.models import Role
from marac.errors import NotFound, PermissionDenied

MANAGERS = frozenset({Role.ADMIN, Role.COORDINATOR})
OVERSEERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.CHAIR})


@dataclass(frozen=True)
class Actor:
    """The person (or process) on whose behalf a service acts; passed in, never read from a global."""

    user_id: uuid.UUID | None
    label: str
    agency_id: uuid.UUID | None = None
    roles: Mapping[uuid.UUID, frozenset[Role]] = field(default_factory=dict)
    is_system_admin: bool = False
    is_system: bool = False
    client_address: str | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """The scheduler, the CLI and the demo act as the system: every area, no person."""
        return cls(user_id=None, label=label, is_system=True)

    @property
    def is_privileged(self) -> bool:
        return self.is_system or self.is_system_admin

    def roles_in(self, area_id: uuid.UUID) -> frozenset[Role]:
        return self.roles.get(area_id, frozenset())

    def has_role(self, area_id: uuid.UUID, *roles: Role) -> bool:
        if self.is_privileged:
            return True
        held = self.roles_in(area_id)
        return any(role in held for role in roles)

    def belongs_to(self, area_id: uuid.UUID) -> bool:
        return self.is_privileged or area_id in self.roles

    @property
    def area_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(self.roles)


def require_area(
    actor: Actor, area_id: uuid.UUID, object_type: str = "area", object_id: object = None
) -> None:
    """The actor must hold some role in the area; otherwise the object does not exist for them."""
    if not actor.belongs_to(area_id):
        raise NotFound(object_type, object_id)


def require_role(
    actor: Actor,
    area_id: uuid.UUID,
    *roles: Role,
    object_type: str = "area",
    object_id: object = None,
    doing: str = "do this",
) -> None:
    """The actor must hold one of ``roles`` in the area (404 outside it, 403 inside it)."""
    require_area(actor, area_id, object_type, object_id)
    if not actor.has_role(area_id, *roles):
        needed = " or ".join(role.value for role in roles)
        raise PermissionDenied(f"Only a {needed} of this area may {doing}")


def require_system_admin(actor: Actor, doing: str = "do this") -> None:
    if not actor.is_privileged:
        raise PermissionDenied(f"Only a system administrator may {doing}")


def require_agency(
    actor: Actor, area_id: uuid.UUID, agency_id: uuid.UUID, *, doing: str = "act for this agency"
) -> None:
    """Agency scope: members of the agency, or the area's coordinators, chairs and admins."""
    require_area(actor, area_id, "agency", agency_id)
    if actor.agency_id == agency_id or actor.has_role(area_id, *OVERSEERS):
        return
    raise PermissionDenied(f"Only the agency's own staff or the area's coordinator may {doing}")
