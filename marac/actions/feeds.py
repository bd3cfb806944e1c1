"""Action deadlines for the private calendar feeds (``marac.notify.feeds`` asks for them here)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.actions.models import Action, ActionStatus
from marac.cases.models import Case
from marac.notify.feeds import FeedDeadline


async def feed_deadlines(session: AsyncSession, agency_id: uuid.UUID, since: date) -> Sequence[FeedDeadline]:
    """The open actions an agency owns with a deadline on or after ``since``: references and dates only.

    Each carries its ``case_id``, so the feed leaves out cases its reader must not receive anything about.
    """
    rows = await session.execute(
        select(Action.id, Action.reference, Action.case_id, Case.reference, Action.deadline)
        .join(Case, Case.id == Action.case_id)
        .where(
            Action.owner_agency_id == agency_id,
            Action.status == ActionStatus.OPEN,
            Action.deadline >= since,
        )
        .order_by(Action.deadline, Action.reference)
    )
    return [
        FeedDeadline(
            action_id=action_id,
            reference=reference,
            case_id=case_id,
            case_reference=case_reference,
            due_on=due_on,
        )
        for action_id, reference, case_id, case_reference, due_on in rows
    ]
