"""When a conference series meets, and the deadlines that hang off each meeting.

A MARAC meets on a rule kept in the area's local time — "second Tuesday of the month at 10:00" or
"every other Thursday at 13:30" — and the service stores every instant in UTC.  This module turns a
:class:`SeriesRule` into dated :class:`Occurrence` values, moves or flags meetings that land on a public
holiday of the area's :class:`~marac.agenda.workdays.WorkingCalendar`, and works out the referral
cut-off, agenda publication and briefing-pack moments in working days before a meeting.

Nothing here touches the database or the clock: callers pass the window they want.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marac.agenda.workdays import WorkingCalendar
from marac.clock import ensure_utc
from marac.errors import InvalidInput

SeriesKind = Literal["monthly_nth_weekday", "every_n_weeks"]
HolidayPolicy = Literal["move", "flag"]

_SATURDAY = 5
_MONTHLY_NTH = (1, 2, 3, 4, -1)  # a fifth weekday does not exist in every month
_MINUTES_PER_DAY = 24 * 60


def zone_for(name: str, field: str = "timezone") -> ZoneInfo:
    """The IANA zone ``name``; an unknown name is refused as invalid input on ``field``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput.for_field(field, f"{name!r} is not an IANA time zone") from exc


def local_to_utc(day: date, wall_time: time, tz: str | ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time on ``day`` in zone ``tz``.

    Meetings are defined in local time, so a 10:00 meeting is 09:00Z in British summer time and
    10:00Z in winter.  Around clock changes:

    * a time that happens twice (clocks go back) means the first of the two, the one still on summer
      time (``fold=0``);
    * a time that does not exist (clocks go forward, e.g. 01:30 on the last Sunday of March in London)
      is moved forward by the length of the gap, to 02:30 BST.  This is what ``fold=0`` gives: the
      wall time is read with the offset in force before the change.
    """
    if wall_time.tzinfo is not None:
        raise InvalidInput.for_field("start_time", "must be a local wall-clock time without a time zone")
    zone = zone_for(tz) if isinstance(tz, str) else tz
    return datetime.combine(day, wall_time, tzinfo=zone).replace(fold=0).astimezone(UTC)


@dataclass(frozen=True, kw_only=True)
class SeriesRule:
    """How a conference series recurs, in the area's local time.

    ``monthly_nth_weekday`` uses ``weekday`` (0 = Monday … 4 = Friday) and ``nth`` (1 to 4, or -1 for the
    last in the month).  ``every_n_weeks`` repeats every ``interval_weeks`` weeks on the weekday of
    ``start_date`` (2 is fortnightly).  ``start_date`` and ``end_date`` bound the *planned* dates; a
    holiday move may take the last meeting past ``end_date``.  Conferences are held on weekdays, so a
    rule that would meet on a Saturday or Sunday is refused.
    """

    kind: SeriesKind
    start_date: date
    start_time: time
    duration_minutes: int
    timezone: str
    weekday: int | None = None
    nth: int | None = None
    interval_weeks: int | None = None
    holiday_policy: HolidayPolicy = "move"
    end_date: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in get_args(SeriesKind):
            raise InvalidInput.for_field("kind", f"must be one of {', '.join(get_args(SeriesKind))}")
        if self.holiday_policy not in get_args(HolidayPolicy):
            raise InvalidInput.for_field("holiday_policy", "must be 'move' or 'flag'")
        if self.kind == "monthly_nth_weekday":
            if self.weekday is None or not 0 <= self.weekday < _SATURDAY:
                raise InvalidInput.for_field("weekday", "must be 0 (Monday) to 4 (Friday)")
            if self.nth not in _MONTHLY_NTH:
                raise InvalidInput.for_field("nth", "must be 1, 2, 3, 4 or -1 (last)")
        else:
            if self.interval_weeks is None or self.interval_weeks < 1:
                raise InvalidInput.for_field("interval_weeks", "must be 1 or more")
            if self.start_date.weekday() >= _SATURDAY:
                raise InvalidInput.for_field(
                    "start_date", "a series anchored on a weekend would meet at weekends"
                )
        if not 0 < self.duration_minutes <= _MINUTES_PER_DAY:
            raise InvalidInput.for_field("duration_minutes", "must be between 1 and 1440")
        if self.start_time.tzinfo is not None:
            raise InvalidInput.for_field("start_time", "must be a local wall-clock time without a time zone")
        if self.end_date is not None and self.end_date < self.start_date:
            raise InvalidInput.for_field("end_date", "must not be before start_date")
        zone_for(self.timezone)

    @classmethod
    def monthly(
        cls,
        *,
        nth: int,
        weekday: int,
        start_date: date,
        start_time: time,
        duration_minutes: int,
        timezone: str,
        holiday_policy: HolidayPolicy = "move",
        end_date: date | None = None,
    ) -> SeriesRule:
        """The ``nth`` ``weekday`` of every month, e.g. ``monthly(nth=2, weekday=1, …)`` for 2nd Tuesday."""
        return cls(
            kind="monthly_nth_weekday",
            nth=nth,
            weekday=weekday,
            start_date=start_date,
            start_time=start_time,
            duration_minutes=duration_minutes,
            timezone=timezone,
            holiday_policy=holiday_policy,
            end_date=end_date,
        )

    @classmethod
    def every_n_weeks(
        cls,
        *,
        weeks: int,
        start_date: date,
        start_time: time,
        duration_minutes: int,
        timezone: str,
        holiday_policy: HolidayPolicy = "move",
        end_date: date | None = None,
    ) -> SeriesRule:
        """Every ``weeks`` weeks from ``start_date`` (``weeks=2`` is fortnightly)."""
        return cls(
            kind="every_n_weeks",
            interval_weeks=weeks,
            start_date=start_date,
            start_time=start_time,
            duration_minutes=duration_minutes,
            timezone=timezone,
            holiday_policy=holiday_policy,
            end_date=end_date,
        )

    @property
    def zone(self) -> ZoneInfo:
        return zone_for(self.timezone)

    def planned_dates(self, from_date: date, until_date: date) -> list[date]:
        """Dates the rule names between the two dates inclusive, before any holiday move."""
        low = max(from_date, self.start_date)
        high = until_date if self.end_date is None else min(until_date, self.end_date)
        if high < low:
            return []
        if self.kind == "monthly_nth_weekday":
            return [day for day in self._monthly_dates(low, high) if low <= day <= high]
        step = timedelta(weeks=self.interval_weeks or 1)
        # Whole steps from the anchor to the first date on or after ``low``.
        steps = -((self.start_date - low) // step)
        day = self.start_date + steps * step
        dates: list[date] = []
        while day <= high:
            dates.append(day)
            day += step
        return dates

    def _monthly_dates(self, low: date, high: date) -> list[date]:
        if self.weekday is None or self.nth is None:  # refused in __post_init__; narrows the types
            return []
        dates = []
        year, month = low.year, low.month
        while (year, month) <= (high.year, high.month):
            dates.append(nth_weekday_of_month(year, month, self.weekday, self.nth))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return dates


def nth_weekday_of_month(year: int, month: int, weekday: int, nth: int) -> date:
    """The ``nth`` ``weekday`` (0 = Monday) of a month; ``nth=-1`` is the last one."""
    if nth == -1:
        next_month = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        last = next_month - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a series.

    ``original_date`` is what the rule names and identifies the occurrence (it does not change when a
    holiday moves the meeting); ``local_date`` is when the meeting is actually held.
    """

    local_date: date
    original_date: date
    starts_at: datetime
    ends_at: datetime
    moved_for_holiday: str | None = None
    flagged_holiday: str | None = None


def occurrences(
    rule: SeriesRule, calendar: WorkingCalendar, from_date: date, until_date: date
) -> list[Occurrence]:
    """The meetings of ``rule`` whose *planned* date lies between ``from_date`` and ``until_date`` inclusive.

    Selecting by planned date means consecutive windows never lose or repeat a meeting that a holiday
    pushed over the boundary.  With ``holiday_policy="move"`` a meeting on a public holiday is held on
    the next working day and ``moved_for_holiday`` names the holiday; with ``"flag"`` it stays put and
    ``flagged_holiday`` names it so that the coordinator can decide.
    """
    if until_date < from_date:
        raise InvalidInput.for_field("until_date", "must not be before from_date")
    zone = rule.zone
    length = timedelta(minutes=rule.duration_minutes)
    found = []
    for planned in rule.planned_dates(from_date, until_date):
        held = planned
        moved = flagged = None
        if not calendar.is_working_day(planned):
            holiday = calendar.holiday_name(planned)
            if rule.holiday_policy == "move":
                held = calendar.next_working_day(planned)
                moved = holiday
            else:
                flagged = holiday
        starts_at = local_to_utc(held, rule.start_time, zone)
        found.append(
            Occurrence(
                local_date=held,
                original_date=planned,
                starts_at=starts_at,
                ends_at=starts_at + length,
                moved_for_holiday=moved,
                flagged_holiday=flagged,
            )
        )
    return found


@dataclass(frozen=True)
class LeadTimes:
    """Deadlines before a meeting, as aware UTC datetimes."""

    cut_off: datetime  # referrals accepted before this go to this meeting; after it, to the next
    publish_at: datetime  # the case list is frozen and sent to agency representatives
    packs_at: datetime  # briefing packs are generated


def lead_times(
    occurrence_local_date: date,
    calendar: WorkingCalendar,
    *,
    tz: str | ZoneInfo,
    referral_cutoff_days: int = 8,
    publication_days: int = 8,
    pack_days: int = 2,
    local_time_of_day: time = time(17, 0),
) -> LeadTimes:
    """Referral cut-off, publication and pack moments for a meeting held on ``occurrence_local_date``.

    Each moment is ``local_time_of_day`` (default 17:00, the end of the office day) in the area's
    zone on the working day that many working days before the meeting date.  With the defaults a
    Tuesday meeting with no holidays near it has its cut-off at 17:00 on the Thursday eight working
    days earlier: referrals accepted that day still make the list, and agencies get the full seven
    working days in between for research.  Weekends and public holidays are not counted, so the
    cut-off comes earlier over Christmas and Easter.
    """
    for field, days in (
        ("referral_cutoff_days", referral_cutoff_days),
        ("publication_days", publication_days),
        ("pack_days", pack_days),
    ):
        if days < 0:
            raise InvalidInput.for_field(field, "must not be negative")
    zone = zone_for(tz) if isinstance(tz, str) else tz

    def moment(days: int) -> datetime:
        day = calendar.subtract_working_days(occurrence_local_date, days)
        return local_to_utc(day, local_time_of_day, zone)

    return LeadTimes(
        cut_off=moment(referral_cutoff_days),
        publish_at=moment(publication_days),
        packs_at=moment(pack_days),
    )


def invitation_window_start(starts_at: datetime, days: int = 60) -> datetime:
    """When calendar invitations for a meeting starting at ``starts_at`` are first sent (UTC)."""
    if days < 0:
        raise InvalidInput.for_field("days", "must not be negative")
    return _utc(starts_at, "starts_at") - timedelta(days=days)


def _utc(value: datetime, field: str) -> datetime:
    try:
        return ensure_utc(value)
    except ValueError as exc:
        raise InvalidInput.for_field(field, "must include a time zone") from exc
