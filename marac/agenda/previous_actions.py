"""The agenda's "incomplete actions from the previous meeting" section.

Actions belong to the actions domain; the agenda only needs, for one conference, the actions agreed
at earlier meetings of its area that are still incomplete, in the order the chair reviews them.  This
module is the one place the agenda asks for them (from :mod:`marac.actions.review`); with none, the
section is left off the agenda.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from marac.agenda.models import Conference


@dataclass(frozen=True)
class PreviousAction:
    """One incomplete action as the agenda lists it: references and status only, no narrative."""

    reference: str
    case_id: uuid.UUID  # so that a must-not-receive user does not see it
    case_reference: str
    owner_agency: str
    deadline: date
    status: str  # open, not done, … as the actions domain names them


async def previous_incomplete_actions(session: AsyncSession, conference: Conference) -> list[PreviousAction]:
    """Incomplete actions agreed at earlier conferences of ``conference``'s area, for its agenda."""
    # Imported here: the actions domain is built on the agenda's models and imports them first.
    from marac.actions.review import previous_actions_for_agenda

    return await previous_actions_for_agenda(session, conference)
