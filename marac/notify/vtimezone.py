"""Compact VTIMEZONE components derived from zoneinfo, and a check that they agree with it.

Calendar clients (Outlook above all) expect one STANDARD and one DAYLIGHT sub-component with a yearly
RRULE, not a list of every past transition.  The rules are derived from the zone's actual transitions
around the years an event needs, and each generated component is checked against zoneinfo before use.
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

_DAY_NAMES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_LAST = 0  # candidate token for "last <weekday> of the month"; real window starts are 1..31


class TimezoneMismatchError(ValueError):
    """A VTIMEZONE does not reproduce zoneinfo's offsets; carries the first differences found."""

    def __init__(self, tzid: str, problems: list[str]) -> None:
        super().__init__(f"VTIMEZONE for {tzid} disagrees with zoneinfo: " + "; ".join(problems[:5]))
        self.tzid = tzid
        self.problems = problems


@dataclass(frozen=True, slots=True)
class _Transition:
    at: datetime  # the UTC instant of the change
    local_before: datetime  # naive wall-clock time of the change, in the offset it changes from
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool

    @property
    def shape(self) -> tuple[object, ...]:
        """What must stay equal for several years' transitions to share one RRULE."""
        when = self.local_before
        return (
            self.daylight,
            self.offset_from,
            self.offset_to,
            self.name,
            when.month,
            when.weekday(),
            when.time(),
        )

    @property
    def windows(self) -> frozenset[int]:
        """The 7-day windows of the month (by first day; 0 = the last seven) that contain this date."""
        day = self.local_before.day
        length = calendar.monthrange(self.local_before.year, self.local_before.month)[1]
        starts = set(range(max(1, day - 6), min(day, length - 6) + 1))
        return frozenset(starts | ({_LAST} if day > length - 7 else set()))


def vtimezone_lines(tzid: str, first_year: int, last_year: int) -> list[str]:
    """Unfolded content lines of a VTIMEZONE valid for local times in ``first_year..last_year``."""
    return list(_cached_lines(tzid, first_year, last_year))


@lru_cache(maxsize=256)
def _cached_lines(tzid: str, first_year: int, last_year: int) -> tuple[str, ...]:
    lines = tuple(_build(tzid, first_year, last_year))
    verify_vtimezone(tzid, lines, first_year, last_year)
    return lines


def _build(tzid: str, first_year: int, last_year: int) -> list[str]:
    zone = ZoneInfo(tzid)
    # Rules start a year early so that January of the first year already follows an onset, and look a
    # year ahead to tell a rule that continues (open-ended RRULE) from one that stops (UNTIL).
    transitions = _transitions(zone, first_year - 1, last_year + 1)
    groups: list[list[_Transition]] = []
    candidates: list[frozenset[int]] = []
    for transition in transitions:
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            joined = candidates[index] & transition.windows
            year = transition.local_before.year
            if group[0].shape == transition.shape and group[-1].local_before.year == year - 1 and joined:
                group.append(transition)
                candidates[index] = joined
                break
        else:
            groups.append([transition])
            candidates.append(transition.windows)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzid}"]
    kept = [(g, c) for g, c in zip(groups, candidates, strict=True) if g[0].local_before.year <= last_year]
    if not kept or kept[0][0][0].local_before.year >= first_year:
        # No change in the year before: one onset at its start states the offset in force.
        start = datetime(first_year - 1, 1, 1, tzinfo=zone)
        offset = start.utcoffset() or timedelta()
        daylight = bool(start.dst())
        lines += _component(
            daylight, start.replace(tzinfo=None), offset, offset, start.tzname() or tzid, None
        )
    for group, windows in kept:
        first, last = group[0], group[-1]
        continues = last.local_before.year > last_year
        rule = None
        if len(group) > 1 or continues:
            rule = f"FREQ=YEARLY;BYMONTH={first.local_before.month};{_by_day(first, windows)}"
            if not continues:
                rule += f";UNTIL={last.at:%Y%m%dT%H%M%SZ}"
        lines += _component(
            first.daylight, first.local_before, first.offset_from, first.offset_to, first.name, rule
        )
    lines.append("END:VTIMEZONE")
    return lines


def _by_day(transition: _Transition, windows: frozenset[int]) -> str:
    weekday = _DAY_NAMES[transition.local_before.weekday()]
    if _LAST in windows:
        return f"BYDAY=-1{weekday}"
    for start in (1, 8, 15, 22):
        if start in windows:
            return f"BYDAY={(start - 1) // 7 + 1}{weekday}"
    # e.g. "the Friday before the last Sunday": a weekday within a fixed run of seven days
    start = min(windows)
    days = ",".join(str(day) for day in range(start, start + 7))
    return f"BYDAY={weekday};BYMONTHDAY={days}"


def _component(
    daylight: bool, onset: datetime, offset_from: timedelta, offset_to: timedelta, name: str, rule: str | None
) -> list[str]:
    kind = "DAYLIGHT" if daylight else "STANDARD"
    lines = [
        f"BEGIN:{kind}",
        f"DTSTART:{onset:%Y%m%dT%H%M%S}",
        f"TZOFFSETFROM:{_offset(offset_from)}",
        f"TZOFFSETTO:{_offset(offset_to)}",
        f"TZNAME:{name}",
    ]
    if rule:
        lines.append(f"RRULE:{rule}")
    lines.append(f"END:{kind}")
    return lines


def _offset(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _parse_offset(text: str) -> timedelta:
    sign = -1 if text[0] == "-" else 1
    hours, minutes, secs = int(text[1:3]), int(text[3:5]), int(text[5:7] or 0)
    return sign * timedelta(hours=hours, minutes=minutes, seconds=secs)


def _transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[_Transition]:
    """Every change of UTC offset from 1 January ``first_year`` to the end of ``last_year``."""
    start = int(datetime(first_year, 1, 1, tzinfo=zone).timestamp())
    end = int(datetime(last_year + 1, 1, 1, tzinfo=zone).timestamp())
    step = 12 * 3600  # no zone changes its offset twice within twelve hours

    def offset(ts: int) -> timedelta:
        return datetime.fromtimestamp(ts, zone).utcoffset() or timedelta()

    found = []
    before = offset(start)
    for lo in range(start, end, step):
        hi = min(lo + step, end)
        after = offset(hi)
        if after == before:
            continue
        low, high = lo, hi  # offset(low) == before, offset(high) == after
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if offset(middle) == before else (low, middle)
        moment = datetime.fromtimestamp(high, zone)
        found.append(
            _Transition(
                at=datetime.fromtimestamp(high, UTC),
                local_before=(datetime.fromtimestamp(high, UTC) + before).replace(tzinfo=None),
                offset_from=before,
                offset_to=after,
                name=moment.tzname() or zone.key,
                daylight=bool(moment.dst()),
            )
        )
        before = after
    return found


def verify_vtimezone(tzid: str, lines: tuple[str, ...] | list[str], first_year: int, last_year: int) -> None:
    """Check that a VTIMEZONE (unfolded lines) gives zoneinfo's UTC offset throughout the years.

    The rules are expanded with ``dateutil`` — independently of how they were derived — and compared
    at noon (UTC) on every day and one second either side of every change, whether zoneinfo has it or
    the rules claim it.
    Raises :class:`TimezoneMismatchError` listing the differences.
    """
    onsets: list[tuple[datetime, timedelta]] = []  # (UTC onset, offset from then on)
    earliest_from: tuple[datetime, timedelta] | None = None
    component: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        if line in ("BEGIN:STANDARD", "BEGIN:DAYLIGHT"):
            component = {}
        elif line in ("END:STANDARD", "END:DAYLIGHT"):
            start = datetime.strptime(component["DTSTART"], "%Y%m%dT%H%M%S")
            offset_from = _parse_offset(component["TZOFFSETFROM"])
            offset_to = _parse_offset(component["TZOFFSETTO"])
            local_onsets = [start]
            if "RRULE" in component:
                rule = _local_until(component["RRULE"], offset_from)
                horizon = datetime(last_year + 1, 12, 31)
                local_onsets = list(rrulestr(rule, dtstart=start).between(start, horizon, inc=True))
            if earliest_from is None or start < earliest_from[0]:
                earliest_from = (start, offset_from)
            onsets += ((onset - offset_from, offset_to) for onset in local_onsets)
        else:
            component[name] = value
    if earliest_from is None:
        raise TimezoneMismatchError(tzid, ["no STANDARD or DAYLIGHT component"])
    onsets.sort()
    onset_times = [onset for onset, _ in onsets]

    def rule_offset(moment: datetime) -> timedelta:
        index = bisect_right(onset_times, moment)
        return onsets[index - 1][1] if index else earliest_from[1]

    zone = ZoneInfo(tzid)
    start, end = datetime(first_year, 1, 1), datetime(last_year + 1, 1, 1)
    moments = [start + timedelta(days=n, hours=12) for n in range((end - start).days)]
    # Either side of every change, real or claimed by the rules, so that an onset off by an hour shows.
    changes = [t.at.replace(tzinfo=None) for t in _transitions(zone, first_year, last_year)]
    changes += [onset for onset in onset_times if start <= onset < end]
    moments += (moment for at in changes for moment in (at - timedelta(seconds=1), at))
    problems = []
    for moment in sorted(moments):
        expected = moment.replace(tzinfo=UTC).astimezone(zone).utcoffset()
        actual = rule_offset(moment)
        if actual != expected:
            problems.append(f"{moment:%Y-%m-%d %H:%M:%S}Z: rules give {actual}, zoneinfo {expected}")
    if problems:
        raise TimezoneMismatchError(tzid, problems)


def _local_until(rule: str, offset_from: timedelta) -> str:
    """RFC 5545 puts a VTIMEZONE rule's UNTIL in UTC; dateutil wants it in DTSTART's (local) terms."""
    parts = []
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        if key == "UNTIL":
            until = datetime.strptime(value, "%Y%m%dT%H%M%SZ") + offset_from
            part = f"UNTIL={until:%Y%m%dT%H%M%S}"
        parts.append(part)
    return ";".join(parts)
