"""What the conference pages show: plain rows built from the agenda and notification services.

Rows are plain values (no database objects), so that a form kept for re-display after an error can
still be rendered once the transaction has been rolled back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.access.models import Agency, Membership, Role, User
from marac.agenda.conferences import ConferenceSummary
from marac.agenda.layout import OPEN_STATUSES
from marac.agenda.models import (
    AgendaItem,
    ConferenceNotice,
    ConferenceSeries,
    ConferenceStatus,
    NoticeKind,
    Outcome,
)
from marac.agenda.series import SeriesDetail
from marac.cases.access import not_excluded
from marac.cases.models import Referral, ReferralStatus
from marac.notify.models import Response
from marac.notify.services import InviteeAnswer

WEEKDAYS = [("0", "Monday"), ("1", "Tuesday"), ("2", "Wednesday"), ("3", "Thursday"), ("4", "Friday")]
NTHS = [("1", "First"), ("2", "Second"), ("3", "Third"), ("4", "Fourth"), ("-1", "Last")]
KINDS = [
    ("monthly_nth_weekday", "Monthly, on one weekday of the month"),
    ("every_n_weeks", "Every few weeks, from the start date"),
]
HOLIDAY_POLICIES = [
    ("move", "Move it to the next working day"),
    ("flag", "Keep the date and flag it for me"),
]
STATUS_LABELS = {
    ConferenceStatus.SCHEDULED: "Scheduled",
    ConferenceStatus.PUBLISHED: "Agenda published",
    ConferenceStatus.HELD: "Being held",
    ConferenceStatus.CLOSED: "Closed",
    ConferenceStatus.CANCELLED: "Cancelled",
}
RESPONSE_LABELS = {
    Response.NEEDS_ACTION: "No answer yet",
    Response.ACCEPTED: "Accepted",
    Response.DECLINED: "Declined",
    Response.DELEGATED: "Sending a deputy",
}
INVITED_AS = {"representative": "Representative", "chair": "Chair", "deputy": "Deputy"}
# How far ahead the coordinator's list reaches: the year of meetings a series keeps materialised.
LIST_AHEAD = timedelta(days=366)
# More urgent referrals than this waiting at once would be a matter for the area, not one meeting.
URGENT_LIMIT = 50
# Overflow notices older than this cannot concern a conference still to come.
OVERFLOW_LOOKBACK = timedelta(days=400)


def describe_rule(series: ConferenceSeries) -> str:
    """The rule as a coordinator says it: "Second Tuesday of the month"."""
    weekday = dict(WEEKDAYS).get(str(series.weekday), "?")
    if series.kind == "monthly_nth_weekday":
        return f"{dict(NTHS).get(str(series.nth), '?')} {weekday} of the month"
    weeks = series.interval_weeks or 1
    every = "Every week" if weeks == 1 else f"Every {weeks} weeks"
    return f"{every} from {series.start_date:%d %b %Y}"


@dataclass(frozen=True)
class SeriesRow:
    id: uuid.UUID
    name: str
    rule: str
    start_time: str
    duration_minutes: int
    location: str
    capacity: int
    cutoff_working_days: int
    timezone: str
    active: bool
    version: int

    @classmethod
    def of(cls, detail: SeriesDetail) -> SeriesRow:
        s = detail.series
        return cls(
            s.id,
            s.name,
            describe_rule(s),
            f"{s.start_time:%H:%M}",
            s.duration_minutes,
            s.location,
            detail.capacity,
            s.cutoff_working_days,
            detail.timezone,
            s.active,
            s.version,
        )


def series_values(detail: SeriesDetail) -> dict[str, str | list[str]]:
    """A series as its edit form shows it."""
    s = detail.series

    def text(value: object) -> str:
        return "" if value is None else str(value)

    return {
        "name": s.name,
        "kind": s.kind,
        "weekday": text(s.weekday),
        "nth": text(s.nth),
        "interval_weeks": text(s.interval_weeks),
        "start_date": s.start_date.isoformat(),
        "end_date": s.end_date.isoformat() if s.end_date else "",
        "start_time": f"{s.start_time:%H:%M}",
        "duration_minutes": str(s.duration_minutes),
        "holiday_policy": s.holiday_policy,
        "location": s.location,
        "online_link": s.online_link or "",
        "chair_user_id": text(s.chair_user_id),
        "max_cases": text(s.max_cases),
        "minutes_per_case": str(s.minutes_per_case),
        "cutoff_working_days": str(s.cutoff_working_days),
        "publication_working_days": str(s.publication_working_days),
        "pack_working_days": str(s.pack_working_days),
        "agency_ids": [str(a) for a in detail.agency_ids],
        "representative_ids": [str(r) for r in detail.representative_ids],
        "version": str(s.version),
    }


@dataclass(frozen=True)
class ConferenceRow:
    """One meeting, with its times in the area's own clock."""

    id: uuid.UUID
    series_id: uuid.UUID
    series_name: str
    day: str
    starts: str
    ends: str
    local_date: str
    location: str
    online_link: str | None
    status: ConferenceStatus
    status_label: str
    extraordinary: bool
    rescheduled: bool
    holiday: str | None
    cases_listed: int
    capacity: int
    overflow: int
    cut_off: str
    publish_at: str
    packs_at: str
    cancel_reason: str | None
    version: int

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def full(self) -> bool:
        return self.cases_listed >= self.capacity

    @property
    def title(self) -> str:
        return f"{'Extraordinary ' if self.extraordinary else ''}{self.series_name} on {self.day}"

    @classmethod
    def of(cls, summary: ConferenceSummary, series_name: str, overflow: int = 0) -> ConferenceRow:
        c = summary.conference
        zone = ZoneInfo(summary.timezone)

        def local(moment: datetime, fmt: str) -> str:
            return moment.astimezone(zone).strftime(fmt)

        holiday = c.moved_for_holiday or (f"Falls on {c.flagged_holiday}" if c.flagged_holiday else None)
        return cls(
            id=c.id,
            series_id=c.series_id,
            series_name=series_name,
            day=f"{c.local_date:%a %d %b %Y}",
            starts=local(c.starts_at, "%H:%M"),
            ends=local(c.ends_at, "%H:%M"),
            local_date=c.local_date.isoformat(),
            location=c.location,
            online_link=c.online_link,
            status=c.status,
            status_label=STATUS_LABELS[c.status],
            extraordinary=c.extraordinary,
            rescheduled=c.rescheduled,
            holiday=holiday,
            cases_listed=summary.cases_listed,
            capacity=c.capacity,
            overflow=overflow,
            cut_off=local(c.cut_off, "%a %d %b %Y %H:%M"),
            publish_at=local(c.publish_at, "%a %d %b %Y %H:%M"),
            packs_at=local(c.packs_at, "%a %d %b %Y %H:%M"),
            cancel_reason=c.cancel_reason,
            version=c.version,
        )


def move_values(row: ConferenceRow) -> dict[str, str | list[str]]:
    return {
        "local_date": row.local_date,
        "start_time": row.starts,
        "location": row.location,
        "version": str(row.version),
    }


async def overflow_counts(session: AsyncSession, area_id: uuid.UUID, now: datetime) -> dict[uuid.UUID, int]:
    """Cases that did not fit each conference and went on to a later one.

    Both the queue sweep and a re-layout key their overflow notices ``overflow:{referral}:{conference
    it did not fit}``, so the count is read from the key; the notice carries no case detail.
    """
    keys = await session.scalars(
        select(ConferenceNotice.dedupe_key).where(
            ConferenceNotice.area_id == area_id,
            ConferenceNotice.kind == NoticeKind.OVERFLOW,
            ConferenceNotice.created_at >= now - OVERFLOW_LOOKBACK,
        )
    )
    counts: dict[uuid.UUID, int] = {}
    for key in keys:
        try:
            conference_id = uuid.UUID(key.rsplit(":", 1)[-1])
        except ValueError:
            continue
        counts[conference_id] = counts.get(conference_id, 0) + 1
    return counts


async def series_names(session: AsyncSession, series_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = list(set(series_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(ConferenceSeries.id, ConferenceSeries.name).where(ConferenceSeries.id.in_(wanted))
    )
    return {row[0]: row[1] for row in rows}


async def conference_rows(
    session: AsyncSession, area_id: uuid.UUID, summaries: Sequence[ConferenceSummary], now: datetime
) -> list[ConferenceRow]:
    names = await series_names(session, (s.conference.series_id for s in summaries))
    overflow = await overflow_counts(session, area_id, now)
    return [
        ConferenceRow.of(s, names.get(s.conference.series_id, ""), overflow.get(s.conference.id, 0))
        for s in summaries
    ]


async def urgent_referrals(session: AsyncSession, actor: Actor, area_id: uuid.UUID) -> list[tuple[str, str]]:
    """Accepted urgent referrals not yet heard, as (id, "reference, accepted on") choices for an
    extraordinary conference; none about a case the coordinator must not receive."""
    heard = (
        select(AgendaItem.id)
        .where(AgendaItem.referral_id == Referral.id, AgendaItem.outcome == Outcome.HEARD)
        .exists()
    )
    rows = await session.execute(
        select(Referral.id, Referral.reference, Referral.decided_at)
        .where(
            Referral.area_id == area_id,
            Referral.status == ReferralStatus.ACCEPTED,
            Referral.urgent.is_(True),
            Referral.linked_to_id.is_(None),
            not_excluded(actor, Referral.case_id),
            ~heard,
        )
        .order_by(Referral.decided_at, Referral.reference)
        .limit(URGENT_LIMIT)
    )
    return [(str(row[0]), f"{row[1]}, accepted {row[2]:%d %b %Y}" if row[2] else str(row[1])) for row in rows]


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    name: str
    agency_name: str


async def people_with_role(session: AsyncSession, area_id: uuid.UUID, role: Role) -> list[Person]:
    """Active people holding ``role`` in the area, by name (for the chair and representative choices)."""
    rows = await session.execute(
        select(User.id, User.name, Agency.name)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(Membership.area_id == area_id, Membership.role == role, User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return [Person(row[0], row[1], row[2] or "") for row in rows]


async def colleagues(
    session: AsyncSession, area_id: uuid.UUID, agency_id: uuid.UUID, me: uuid.UUID
) -> list[Person]:
    """Active colleagues of the same agency in the area: the people one may name as a deputy."""
    rows = await session.execute(
        select(User.id, User.name, Agency.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Agency, Agency.id == User.agency_id)
        .where(
            Membership.area_id == area_id,
            User.agency_id == agency_id,
            User.active.is_(True),
            User.id != me,
        )
        .distinct()
        .order_by(User.name, User.id)
    )
    return [Person(row[0], row[1], row[2]) for row in rows]


@dataclass(frozen=True)
class AgencyAttendance:
    """A standing agency of the series and how it is answered for at one conference."""

    name: str
    answers: tuple[str, ...]  # "Name: Accepted", one per person invited for it


async def agency_attendance(
    session: AsyncSession, agency_ids: Sequence[uuid.UUID], answers: Sequence[AnswerRow]
) -> list[AgencyAttendance]:
    if not agency_ids:
        return []
    rows = await session.execute(
        select(Agency.name).where(Agency.id.in_(list(agency_ids))).order_by(Agency.name)
    )
    return [
        AgencyAttendance(
            name,
            tuple(
                f"{a.name}: {a.response}{f' ({a.deputy_name})' if a.deputy_name else ''}"
                for a in answers
                if a.agency_name == name and a.invited
            ),
        )
        for (name,) in rows
    ]


@dataclass(frozen=True)
class AnswerRow:
    """One person invited to a conference and their answer (a coordinator's view)."""

    name: str
    agency_name: str
    invited_as: str
    invited: bool
    response: str
    deputy_name: str | None
    note: str | None
    current: bool

    @classmethod
    def of(cls, answer: InviteeAnswer) -> AnswerRow:
        invitation = answer.invitation
        return cls(
            name=answer.name,
            agency_name=answer.agency_name or "",
            invited_as=INVITED_AS.get(invitation.invited_as, invitation.invited_as),
            invited=invitation.last_method == "REQUEST",
            response=RESPONSE_LABELS[invitation.response],
            deputy_name=answer.deputy_name,
            note=invitation.response_note,
            current=answer.current,
        )
