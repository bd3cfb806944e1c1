"""One batch of due reminders: the rows a sweep claims, and what becomes of each.

:func:`decide` settles a claimed row — cancelled (the action closed or its deadline moved), nobody
allowed to receive it, an email now, a place in the recipient's daily digest, or deferred to the next
digest — and plans the next overdue reminder in its chain.  Nothing here touches the database except
the query :func:`due_rows`; :mod:`marac.actions.sweep` claims the rows and writes the outcome.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select, tuple_

from marac.access.models import Area
from marac.actions.messages import ActionFacts, Composer, Recipient
from marac.actions.models import Action, ActionReminder, ActionStatus
from marac.actions.recipients import Directory
from marac.actions.reminders import (
    ESCALATION,
    PlannedReminder,
    ReminderPolicy,
    first_overdue,
    next_overdue,
    overdue_days,
)
from marac.agenda.models import Conference
from marac.cases.models import Case
from marac.notify.bulk import untyped
from marac.notify.messages import AreaMail
from marac.notify.outbox import Draft
from marac.settings import Settings


@dataclass
class SweepReport:
    """What one batch did (counts of reminder rows, and of emails queued)."""

    claimed: int = 0
    sent: int = 0
    in_digest: int = 0
    deferred: int = 0
    cancelled: int = 0
    no_recipient: int = 0
    emails: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    # Rows left for the digest pass, and where the batch ended (to continue after it).
    digest_rows: list[uuid.UUID] = field(default_factory=list)
    last: tuple[datetime, uuid.UUID] | None = None

    def add(self, other: SweepReport) -> None:
        for name in ("claimed", "sent", "in_digest", "deferred", "cancelled", "no_recipient", "emails"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.kinds.update(other.kinds)
        self.digest_rows.extend(other.digest_rows)


@dataclass(frozen=True, slots=True)
class AreaContext:
    policy: ReminderPolicy
    composer: Composer
    digest_cutoff: datetime  # the last digest moment at or before now
    next_digest: datetime


def area_context(area: Area, settings: Settings, now: datetime) -> AreaContext:
    policy = ReminderPolicy.of(area)
    local_today = now.astimezone(ZoneInfo(area.timezone)).date()
    today_at = policy.at(local_today)
    cutoff = today_at if today_at <= now else policy.at(local_today - timedelta(days=1))
    following = policy.at(cutoff.astimezone(ZoneInfo(area.timezone)).date() + timedelta(days=1))
    return AreaContext(policy, Composer(AreaMail.of(area, settings)), cutoff, following)


class Due(NamedTuple):
    """One claimed reminder with what deciding about it needs (columns of :func:`due_rows`, in order)."""

    id: uuid.UUID
    kind: str
    deadline_version: int
    scheduled_at: datetime
    action_id: uuid.UUID
    area_id: uuid.UUID
    case_id: uuid.UUID
    reference: str
    status: ActionStatus
    current_version: int
    deadline: date
    owner_agency_id: uuid.UUID
    owner_user_id: uuid.UUID | None
    case_reference: str
    chair_user_id: uuid.UUID | None
    agreed_on: date


# The columns of :class:`Due`, in order.
DUE_COLUMNS = tuple(
    attribute.expression
    for attribute in (
        ActionReminder.id,
        ActionReminder.kind,
        ActionReminder.deadline_version,
        ActionReminder.scheduled_at,
        Action.id,
        Action.area_id,
        Action.case_id,
        Action.reference,
        Action.status,
        Action.deadline_version,
        Action.deadline,
        Action.owner_agency_id,
        Action.owner_user_id,
        Case.reference,
        Conference.chair_user_id,
        Conference.local_date,
    )
)


def due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Conditions of a reminder row due at ``now``: neither sent nor cancelled, and its time come.  The
    partial index ``ix_action_reminder_due`` holds exactly the unfinished rows, in :data:`DUE_ORDER`."""
    return (
        ActionReminder.sent_at.is_(None),
        ActionReminder.cancelled_at.is_(None),
        ActionReminder.scheduled_at <= now,
    )


# The order sweeps take due rows in (and continue after the last one taken).
DUE_ORDER = (ActionReminder.scheduled_at, ActionReminder.id)


def due_rows(
    now: datetime, limit: int, after: tuple[datetime, uuid.UUID] | None, only: Sequence[uuid.UUID] | None
) -> Any:
    query = (
        select(*untyped(DUE_COLUMNS))
        .join(Action, Action.id == ActionReminder.action_id)
        .join(Case, Case.id == Action.case_id)
        .join(Conference, Conference.id == Action.conference_id)
        .where(*due(now))
        .order_by(*DUE_ORDER)
        .limit(limit)
        .with_for_update(skip_locked=True, of=ActionReminder)
    )
    if after is not None:
        query = query.where(tuple_(*DUE_ORDER) > tuple_(*after))
    if only is not None:
        query = query.where(ActionReminder.id.in_(only))
    return query


def _key(row: Due, recipient: Recipient, many: bool) -> str:
    base = f"reminder:{row.action_id}:{row.kind}:{row.deadline_version}"
    # Several chairs share one escalation: each gets their own key.
    return f"{base}:{recipient.user_id or recipient.email}" if many else base


def _next_in_chain(row: Due, policy: ReminderPolicy, now: datetime) -> PlannedReminder | None:
    following = next_overdue(row.kind, row.deadline, policy)
    if following is None or following.scheduled_at >= now:
        return following
    # The sweep ran late (a stopped scheduler): resume at the step covering today, not every missed week.
    caught_up = first_overdue(row.deadline, policy, now)
    current = overdue_days(row.kind) or 0
    return caught_up if (overdue_days(caught_up.kind) or 0) > current else following


class Batch:
    """The decisions about one batch of claimed rows, written out together at the end."""

    def __init__(self, now: datetime, *, digests: bool) -> None:
        self.now = now
        self.make_digests = digests
        self.report = SweepReport()
        self.drafts: list[Draft] = []
        # Row ids by (outcome, notification key) and deferred row ids by their new time: a few
        # set-based UPDATEs instead of one per row.
        self.finished: dict[tuple[str, str | None], list[uuid.UUID]] = defaultdict(list)
        self.deferred: dict[datetime, list[uuid.UUID]] = defaultdict(list)
        self.chained: list[tuple[uuid.UUID, int, PlannedReminder]] = []
        self.digests: dict[tuple[uuid.UUID, uuid.UUID], list[tuple[Due, ActionFacts]]] = {}
        self.digest_to: dict[tuple[uuid.UUID, uuid.UUID], Recipient] = {}

    def finish(self, row_id: uuid.UUID, outcome: str, key: str | None = None) -> None:
        self.finished[(outcome, key)].append(row_id)


def _facts(row: Due, directory: Directory) -> ActionFacts:
    agency = directory.agencies.get(row.owner_agency_id)
    return ActionFacts(
        action_id=row.action_id,
        area_id=row.area_id,
        case_id=row.case_id,
        reference=row.reference,
        case_reference=row.case_reference,
        agency_name=agency.name if agency else "the owner agency",
        deadline=row.deadline,
        agreed_on=row.agreed_on,
    )


def decide(batch: Batch, row: Due, area: AreaContext, directory: Directory, excluded: set[uuid.UUID]) -> None:
    if row.status != ActionStatus.OPEN or row.deadline_version != row.current_version:
        batch.finish(row.id, "cancelled")
        batch.report.cancelled += 1
        return
    if row.kind == ESCALATION:
        recipients = directory.escalation(row.area_id, row.chair_user_id, excluded)
    else:
        owner = directory.owner(row.owner_agency_id, row.owner_user_id, excluded)
        recipients = [owner] if owner is not None else []
    if not recipients:
        batch.finish(row.id, "no_recipient")
        batch.report.no_recipient += 1
        return
    facts = _facts(row, directory)
    immediate = [r for r in recipients if not r.digest]
    waiting = [r for r in recipients if r.digest]
    many = len(recipients) > 1
    for recipient in immediate:
        batch.drafts.append(area.composer.reminder(row.kind, facts, recipient, _key(row, recipient, many)))
    if waiting and row.scheduled_at > area.digest_cutoff:
        # Came due after today's digest: tomorrow's digest takes it (immediate copies are keyed, so
        # handling the row again tomorrow does not send them twice).
        batch.deferred[area.next_digest].append(row.id)
        batch.report.deferred += 1
        return
    if waiting and not batch.make_digests:
        batch.report.digest_rows.append(row.id)  # the digest pass takes it, with the person's others
        return
    for recipient in waiting:
        assert recipient.user_id is not None  # only users choose digests
        slot = (recipient.user_id, row.area_id)
        batch.digests.setdefault(slot, []).append((row, facts))
        batch.digest_to[slot] = recipient
    following = _next_in_chain(row, area.policy, batch.now)
    if following is not None:
        batch.chained.append((row.action_id, row.deadline_version, following))
    if immediate:
        # The key of a single email follows from the row (reminder:{action}:{kind}:{version}).
        batch.finish(row.id, "sent")
        batch.report.sent += 1
    else:
        batch.report.in_digest += 1  # finished with its digest's key once the digests are made
    batch.report.kinds[row.kind.split("-")[0]] += 1


def digest_drafts(batch: Batch, areas: dict[uuid.UUID, AreaContext]) -> None:
    finished: set[uuid.UUID] = set()  # a row for several chairs is in each of their digests
    for (user_id, area_id), items in batch.digests.items():
        area = areas[area_id]
        ids = sorted(str(row.id) for row, _ in items)
        # The day names the digest; the rows in it make the key unique, so two sweeps that split one
        # person's rows between them queue two digests rather than lose one.
        fingerprint = hashlib.sha256(",".join(ids).encode()).hexdigest()[:16]
        day: date = area.digest_cutoff.astimezone(ZoneInfo(area.policy.timezone)).date()
        key = f"digest:{user_id}:{day:%Y%m%d}:{fingerprint}"
        entries = [(row.kind, facts) for row, facts in sorted(items, key=lambda item: item[1].reference)]
        batch.drafts.append(area.composer.digest(entries, batch.digest_to[(user_id, area_id)], key, day))
        for row, _ in items:
            if row.id not in finished:
                finished.add(row.id)
                batch.finish(row.id, "digest", key)
