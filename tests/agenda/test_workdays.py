"""Working days per jurisdiction: which days count when deadlines are set in working days."""

from __future__ import annotations

from datetime import date

import pytest

from marac.agenda.workdays import WorkingCalendar, calendar_for
from marac.errors import InvalidInput


@pytest.mark.parametrize(
    ("jurisdiction", "day", "expected"),
    [
        ("GB-ENG", date(2027, 5, 3), "May Day"),
        ("GB-ENG", date(2027, 12, 27), "Christmas Day (observed)"),
        ("GB-ENG", date(2027, 11, 30), None),
        ("GB-SCT", date(2027, 11, 30), "Saint Andrew's Day"),
        ("GB-SCT", date(2027, 3, 29), None),  # no Easter Monday bank holiday in Scotland
        ("GB-SCT", date(2027, 1, 4), "New Year Holiday (observed)"),
        ("GB-WLS", date(2027, 3, 29), "Easter Monday"),
        ("GB-NIR", date(2027, 3, 17), "Saint Patrick's Day"),
        ("GB-NIR", date(2027, 7, 12), "Battle of the Boyne"),
        ("SE", date(2027, 1, 6), "Epiphany"),
        ("SE", date(2027, 6, 25), "Midsummer Eve"),
        ("SE", date(2027, 12, 24), "Christmas Eve"),
        ("SE", date(2027, 12, 31), "New Year's Eve"),
        ("SE", date(2027, 1, 10), None),  # an ordinary Sunday is a weekend, not a named holiday
        ("DE-BY", date(2027, 1, 6), "Epiphany"),
        ("DE-BE", date(2027, 1, 6), None),
        ("gb-eng", date(2027, 8, 30), "Late Summer Bank Holiday"),
    ],
)
def test_holiday_names_follow_the_jurisdiction(jurisdiction: str, day: date, expected: str | None) -> None:
    calendar = WorkingCalendar(jurisdiction)

    assert calendar.holiday_name(day) == expected
    if expected is not None:
        assert not calendar.is_working_day(day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 6, 14), True),  # Monday
        (date(2027, 6, 18), True),  # Friday
        (date(2027, 6, 19), False),  # Saturday
        (date(2027, 6, 20), False),  # Sunday
        (date(2027, 12, 24), True),  # Christmas Eve is a working day in England
        (date(2027, 12, 28), False),  # Boxing Day (observed)
    ],
)
def test_weekends_and_holidays_are_not_working_days(day: date, working: bool) -> None:
    assert WorkingCalendar("GB-ENG").is_working_day(day) is working


def test_swedish_holiday_names_in_swedish_when_asked() -> None:
    assert WorkingCalendar("SE", language="sv").holiday_name(date(2027, 1, 6)) == "Trettondedag jul"


def test_next_and_previous_working_day_return_the_day_itself_when_working() -> None:
    calendar = WorkingCalendar("GB-ENG")

    assert calendar.next_working_day(date(2027, 12, 24)) == date(2027, 12, 24)
    assert calendar.previous_working_day(date(2027, 12, 24)) == date(2027, 12, 24)


def test_next_working_day_skips_weekend_and_both_christmas_substitute_days() -> None:
    assert WorkingCalendar("GB-ENG").next_working_day(date(2027, 12, 25)) == date(2027, 12, 29)


def test_previous_working_day_crosses_easter_back_to_thursday() -> None:
    assert WorkingCalendar("GB-ENG").previous_working_day(date(2027, 3, 29)) == date(2027, 3, 25)


@pytest.mark.parametrize(
    ("jurisdiction", "meeting", "cut_off_day"),
    [
        # No holidays near: eight working days before a Tuesday is the Thursday of the week before last.
        ("GB-ENG", date(2027, 6, 15), date(2027, 6, 3)),
        # Easter: Good Friday and Easter Monday do not count in England or Sweden ...
        ("GB-ENG", date(2027, 4, 6), date(2027, 3, 23)),
        ("SE", date(2027, 4, 6), date(2027, 3, 23)),
        # ... but Scotland works on Easter Monday.
        ("GB-SCT", date(2027, 4, 6), date(2027, 3, 24)),
        # Christmas and New Year, counted back across the year end.
        ("GB-ENG", date(2027, 1, 12), date(2026, 12, 30)),
        ("GB-SCT", date(2027, 1, 12), date(2026, 12, 29)),
        # Sweden also rests on Epiphany and New Year's Eve.
        ("SE", date(2027, 1, 12), date(2026, 12, 28)),
    ],
)
def test_eight_working_days_before_a_meeting_skips_holidays(
    jurisdiction: str, meeting: date, cut_off_day: date
) -> None:
    assert WorkingCalendar(jurisdiction).subtract_working_days(meeting, 8) == cut_off_day


def test_adding_working_days_skips_christmas() -> None:
    calendar = WorkingCalendar("GB-ENG")

    assert calendar.add_working_days(date(2027, 12, 23), 1) == date(2027, 12, 24)
    assert calendar.add_working_days(date(2027, 12, 23), 2) == date(2027, 12, 29)


def test_zero_and_negative_counts() -> None:
    calendar = WorkingCalendar("GB-ENG")
    saturday = date(2027, 6, 19)

    assert calendar.subtract_working_days(saturday, 0) == saturday
    assert calendar.add_working_days(saturday, 0) == saturday
    assert calendar.add_working_days(date(2027, 6, 15), -8) == date(2027, 6, 3)
    assert calendar.subtract_working_days(date(2027, 6, 3), -8) == date(2027, 6, 15)


def test_holidays_between_lists_the_range_in_order() -> None:
    found = WorkingCalendar("GB-ENG").holidays_between(date(2027, 12, 20), date(2028, 1, 5))

    assert list(found) == [
        date(2027, 12, 25),
        date(2027, 12, 26),
        date(2027, 12, 27),
        date(2027, 12, 28),
        date(2028, 1, 1),
        date(2028, 1, 3),
    ]
    assert found[date(2028, 1, 3)] == "New Year's Day (observed)"


@pytest.mark.parametrize("jurisdiction", ["", "XX", "GB-XYZ", "SE-AB", "PUBLIC", "GB_ENG"])
def test_unknown_jurisdiction_is_refused(jurisdiction: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        WorkingCalendar(jurisdiction)

    assert caught.value.errors[0].field == "jurisdiction"


def test_calendar_for_shares_one_calendar_per_jurisdiction() -> None:
    assert calendar_for("GB-WLS") is calendar_for("GB-WLS")
    assert calendar_for("GB-WLS") is not calendar_for("GB-ENG")
