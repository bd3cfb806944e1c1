"""Who receives a message about an action: its owner, the agency's point of contact, or the chair.

Resolved when the message is sent, not when it is planned, so a reassigned action reminds its new
owner.  Nobody on the case's must-not-receive list is ever chosen; an inactive account is passed over.

* Reminders and overdue notices go to the owner person, else the agency's designated point of contact
  (a user, or the agency's contact mailbox when it names no user).
* Escalations go to the chair of the conference that agreed the action, else every chair of the area.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.models import Agency, Membership, Role, User
from marac.actions.messages import Recipient

_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Person:
    id: uuid.UUID
    email: str
    active: bool
    digest_mode: bool
    # The same recipient for every message of a batch: thousands of messages may go to one contact.
    as_recipient: Recipient = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "as_recipient", Recipient(self.email, self.id, self.digest_mode))


@dataclass(frozen=True, slots=True)
class AgencyContact:
    id: uuid.UUID
    name: str
    contact_user_id: uuid.UUID | None
    contact_email: str | None


@dataclass
class Directory:
    """The people, agencies and chairs one batch of messages needs, loaded in a few queries."""

    people: dict[uuid.UUID, Person] = field(default_factory=dict)
    agencies: dict[uuid.UUID, AgencyContact] = field(default_factory=dict)
    chairs: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)  # by area

    def recipient(self, user_id: uuid.UUID | None, excluded: Collection[uuid.UUID]) -> Recipient | None:
        """The user as a recipient, unless absent, inactive or excluded from the case."""
        if user_id is None or user_id in excluded:
            return None
        person = self.people.get(user_id)
        if person is None or not person.active:
            return None
        return person.as_recipient

    def owner(
        self, agency_id: uuid.UUID, owner_user_id: uuid.UUID | None, excluded: Collection[uuid.UUID]
    ) -> Recipient | None:
        """The owner person, else the agency's point of contact, else nobody."""
        chosen = self.recipient(owner_user_id, excluded)
        if chosen is not None:
            return chosen
        agency = self.agencies.get(agency_id)
        if agency is None:
            return None
        if agency.contact_user_id is not None:
            # A named contact who may not receive this is not replaced by the mailbox they may read.
            return self.recipient(agency.contact_user_id, excluded)
        return Recipient(agency.contact_email) if agency.contact_email else None

    def agency_contact(self, agency_id: uuid.UUID, excluded: Collection[uuid.UUID]) -> Recipient | None:
        """The agency's point of contact alone (status requests go to the agency, not to owners)."""
        return self.owner(agency_id, None, excluded)

    def escalation(
        self, area_id: uuid.UUID, chair_user_id: uuid.UUID | None, excluded: Collection[uuid.UUID]
    ) -> list[Recipient]:
        """The conference's chair, else every chair of the area (each one not excluded)."""
        chosen = self.recipient(chair_user_id, excluded)
        if chosen is not None:
            return [chosen]
        found = (self.recipient(user_id, excluded) for user_id in self.chairs.get(area_id, []))
        return [recipient for recipient in found if recipient is not None]


def _chunks(values: Iterable[uuid.UUID]) -> list[list[uuid.UUID]]:
    unique = list(dict.fromkeys(value for value in values if value is not None))
    return [unique[start : start + _CHUNK] for start in range(0, len(unique), _CHUNK)]


async def load_directory(
    session: AsyncSession,
    *,
    user_ids: Iterable[uuid.UUID | None],
    agency_ids: Iterable[uuid.UUID],
    chair_areas: Iterable[uuid.UUID] = (),
) -> Directory:
    """Agencies by id, the users named (with each agency's contact), and the chairs of ``chair_areas``."""
    directory = Directory()
    for chunk in _chunks(agency_ids):
        agency_rows = await session.execute(
            select(Agency.id, Agency.name, Agency.contact_user_id, Agency.contact_email).where(
                Agency.id.in_(chunk)
            )
        )
        for agency_id, name, contact_user_id, contact_email in agency_rows:
            directory.agencies[agency_id] = AgencyContact(agency_id, name, contact_user_id, contact_email)
    areas = list(dict.fromkeys(chair_areas))
    if areas:
        chair_rows = await session.execute(
            select(Membership.area_id, Membership.user_id)
            .where(Membership.area_id.in_(areas), Membership.role == Role.CHAIR)
            .order_by(Membership.user_id)
        )
        for area_id, user_id in chair_rows:
            directory.chairs.setdefault(area_id, []).append(user_id)
    wanted = [user_id for user_id in user_ids if user_id is not None]
    wanted += [a.contact_user_id for a in directory.agencies.values() if a.contact_user_id is not None]
    wanted += [user_id for chairs in directory.chairs.values() for user_id in chairs]
    for chunk in _chunks(wanted):
        user_rows = await session.execute(
            select(User.id, User.email, User.active, User.digest_mode).where(User.id.in_(chunk))
        )
        for user_id, email, active, digest_mode in user_rows:
            directory.people[user_id] = Person(user_id, email, active, digest_mode)
    return directory
