"""Conference series in local time: dates, holidays, clock changes and working-day deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from marac.agenda.recurrence import (
    SeriesRule,
    invitation_window_start,
    lead_times,
    local_to_utc,
    nth_weekday_of_month,
    occurrences,
)
from marac.agenda.workdays import WorkingCalendar
from marac.errors import InvalidInput

LONDON = ZoneInfo("Europe/London")
ENGLAND = WorkingCalendar("GB-ENG")
SWEDEN = WorkingCalendar("SE")
TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = 1, 2, 3, 4


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def monthly(nth: int, weekday: int, **overrides: Any) -> SeriesRule:
    fields: dict[str, Any] = {
        "start_date": date(2027, 1, 1),
        "start_time": time(10, 0),
        "duration_minutes": 180,
        "timezone": "Europe/London",
    }
    fields.update(overrides)
    return SeriesRule.monthly(nth=nth, weekday=weekday, **fields)


def test_second_tuesday_stays_at_ten_local_across_both_clock_changes() -> None:
    found = occurrences(monthly(2, TUESDAY), ENGLAND, date(2027, 1, 1), date(2027, 12, 31))

    assert [o.local_date.day for o in found] == [12, 9, 9, 13, 11, 8, 13, 10, 14, 12, 9, 14]
    assert {o.starts_at.astimezone(LONDON).time() for o in found} == {time(10, 0)}
    by_month = {o.local_date.month: o for o in found}
    assert by_month[3].starts_at == utc(2027, 3, 9, 10, 0)  # GMT, before 28 March
    assert by_month[4].starts_at == utc(2027, 4, 13, 9, 0)  # BST
    assert by_month[10].starts_at == utc(2027, 10, 12, 9, 0)  # BST, before 31 October
    assert by_month[11].starts_at == utc(2027, 11, 9, 10, 0)  # GMT again
    assert by_month[11].ends_at == utc(2027, 11, 9, 13, 0)
    assert all(o.starts_at.tzinfo is UTC for o in found)


def test_meeting_on_early_may_bank_holiday_moves_to_tuesday() -> None:
    (may,) = occurrences(monthly(1, 0), ENGLAND, date(2027, 5, 1), date(2027, 5, 31))

    assert may.original_date == date(2027, 5, 3)
    assert may.local_date == date(2027, 5, 4)
    assert may.moved_for_holiday == "May Day"
    assert may.flagged_holiday is None
    assert may.starts_at == utc(2027, 5, 4, 9, 0)


def test_meeting_on_early_may_bank_holiday_is_flagged_when_the_area_decides() -> None:
    rule = monthly(1, 0, holiday_policy="flag")

    (may,) = occurrences(rule, ENGLAND, date(2027, 5, 1), date(2027, 5, 31))

    assert may.local_date == may.original_date == date(2027, 5, 3)
    assert may.flagged_holiday == "May Day"
    assert may.moved_for_holiday is None
    assert may.starts_at == utc(2027, 5, 3, 9, 0)


def test_last_friday_on_good_friday_moves_past_easter_monday() -> None:
    found = occurrences(monthly(-1, FRIDAY), ENGLAND, date(2027, 1, 1), date(2027, 4, 30))

    assert [o.original_date for o in found] == [
        date(2027, 1, 29),
        date(2027, 2, 26),
        date(2027, 3, 26),
        date(2027, 4, 30),
    ]
    march = found[2]
    assert march.moved_for_holiday == "Good Friday"
    assert march.local_date == date(2027, 3, 30)


def test_weekly_meeting_moves_past_both_christmas_substitute_days() -> None:
    rule = SeriesRule.every_n_weeks(
        weeks=1,
        start_date=date(2027, 12, 6),
        start_time=time(14, 0),
        duration_minutes=120,
        timezone="Europe/London",
    )

    found = occurrences(rule, ENGLAND, date(2027, 12, 20), date(2027, 12, 31))

    assert [(o.original_date, o.local_date) for o in found] == [
        (date(2027, 12, 20), date(2027, 12, 20)),
        (date(2027, 12, 27), date(2027, 12, 29)),
    ]


def test_fortnightly_series_keeps_its_anchor_and_local_time_over_the_spring_change() -> None:
    rule = SeriesRule.every_n_weeks(
        weeks=2,
        start_date=date(2027, 3, 4),
        start_time=time(13, 30),
        duration_minutes=150,
        timezone="Europe/London",
    )

    found = occurrences(rule, ENGLAND, date(2027, 3, 10), date(2027, 4, 30))

    assert [o.local_date for o in found] == [
        date(2027, 3, 18),
        date(2027, 4, 1),
        date(2027, 4, 15),
        date(2027, 4, 29),
    ]
    assert found[0].starts_at == utc(2027, 3, 18, 13, 30)
    assert found[1].starts_at == utc(2027, 4, 1, 12, 30)
    assert found[1].ends_at == utc(2027, 4, 1, 15, 0)


def test_stockholm_series_moves_off_epiphany() -> None:
    rule = SeriesRule.every_n_weeks(
        weeks=2,
        start_date=date(2026, 12, 23),
        start_time=time(9, 0),
        duration_minutes=120,
        timezone="Europe/Stockholm",
    )

    found = occurrences(rule, SWEDEN, date(2026, 12, 1), date(2027, 1, 31))

    assert [o.local_date for o in found] == [date(2026, 12, 23), date(2027, 1, 7), date(2027, 1, 20)]
    assert found[1].moved_for_holiday == "Epiphany"
    assert found[1].starts_at == utc(2027, 1, 7, 8, 0)  # 09:00 CET


def test_swedish_new_years_eve_is_not_a_meeting_day() -> None:
    rule = monthly(-1, FRIDAY, timezone="Europe/Stockholm")

    (december,) = occurrences(rule, SWEDEN, date(2027, 12, 1), date(2027, 12, 31))

    assert december.moved_for_holiday == "New Year's Eve"
    assert december.local_date == date(2028, 1, 3)


def test_window_is_by_planned_date_so_a_moved_meeting_is_listed_once() -> None:
    rule = monthly(-1, FRIDAY)

    april = occurrences(rule, ENGLAND, date(2027, 3, 1), date(2027, 3, 28))
    after = occurrences(rule, ENGLAND, date(2027, 3, 29), date(2027, 4, 30))

    assert [o.local_date for o in april] == [date(2027, 3, 30)]
    assert [o.original_date for o in after] == [date(2027, 4, 30)]


def test_series_start_and_end_dates_bound_the_meetings() -> None:
    rule = monthly(2, TUESDAY, start_date=date(2027, 3, 10), end_date=date(2027, 6, 8))

    found = occurrences(rule, ENGLAND, date(2027, 1, 1), date(2027, 12, 31))

    assert [o.local_date for o in found] == [date(2027, 4, 13), date(2027, 5, 11), date(2027, 6, 8)]


@pytest.mark.parametrize(
    ("year", "month", "weekday", "nth", "expected"),
    [
        (2027, 3, TUESDAY, 1, date(2027, 3, 2)),
        (2027, 3, TUESDAY, 4, date(2027, 3, 23)),
        (2027, 3, TUESDAY, -1, date(2027, 3, 30)),
        (2027, 2, 0, -1, date(2027, 2, 22)),
        (2027, 12, FRIDAY, -1, date(2027, 12, 31)),
        (2027, 5, 0, 1, date(2027, 5, 3)),
    ],
)
def test_nth_weekday_of_month(year: int, month: int, weekday: int, nth: int, expected: date) -> None:
    assert nth_weekday_of_month(year, month, weekday, nth) == expected


def test_wall_time_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    moved = local_to_utc(date(2027, 3, 28), time(1, 30), "Europe/London")

    assert moved == utc(2027, 3, 28, 1, 30)
    assert moved.astimezone(LONDON).time() == time(2, 30)


def test_repeated_wall_time_in_autumn_is_the_first_one() -> None:
    assert local_to_utc(date(2027, 10, 31), time(1, 30), LONDON) == utc(2027, 10, 31, 0, 30)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"nth": 5}, "nth"),
        ({"nth": 0}, "nth"),
        ({"weekday": 5}, "weekday"),
        ({"timezone": "Europe/Londn"}, "timezone"),
        ({"start_time": time(10, 0, tzinfo=UTC)}, "start_time"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"end_date": date(2026, 12, 31)}, "end_date"),
        ({"holiday_policy": "skip"}, "holiday_policy"),
        ({"kind": "yearly"}, "kind"),
        ({"kind": "every_n_weeks", "interval_weeks": 0}, "interval_weeks"),
        ({"kind": "every_n_weeks", "interval_weeks": 2, "start_date": date(2027, 1, 2)}, "start_date"),
    ],
)
def test_invalid_rules_are_refused_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    fields: dict[str, Any] = {
        "kind": "monthly_nth_weekday",
        "nth": 2,
        "weekday": TUESDAY,
        "start_date": date(2027, 1, 1),
        "start_time": time(10, 0),
        "duration_minutes": 180,
        "timezone": "Europe/London",
    }
    fields.update(overrides)

    with pytest.raises(InvalidInput) as caught:
        SeriesRule(**fields)

    assert caught.value.errors[0].field == field


def test_reversed_window_is_refused() -> None:
    with pytest.raises(InvalidInput):
        occurrences(monthly(2, TUESDAY), ENGLAND, date(2027, 5, 1), date(2027, 4, 1))


def test_lead_times_at_five_pm_local_on_working_days_before_the_meeting() -> None:
    times = lead_times(date(2027, 6, 15), ENGLAND, tz="Europe/London")

    assert times.cut_off == utc(2027, 6, 3, 16, 0)  # Thursday 17:00 BST
    assert times.publish_at == times.cut_off
    assert times.packs_at == utc(2027, 6, 11, 16, 0)  # Friday 17:00 BST


def test_lead_times_skip_easter_and_follow_the_clock_change() -> None:
    times = lead_times(date(2027, 4, 6), ENGLAND, tz="Europe/London")

    assert times.cut_off == utc(2027, 3, 23, 17, 0)  # still GMT
    assert times.packs_at == utc(2027, 4, 2, 16, 0)  # BST by then


def test_lead_times_skip_christmas_and_new_year() -> None:
    times = lead_times(date(2027, 1, 12), ENGLAND, tz="Europe/London")

    assert times.cut_off == utc(2026, 12, 30, 17, 0)


def test_lead_times_are_configurable_per_area() -> None:
    times = lead_times(
        date(2027, 1, 12),
        SWEDEN,
        tz="Europe/Stockholm",
        referral_cutoff_days=5,
        publication_days=4,
        pack_days=1,
        local_time_of_day=time(12, 0),
    )

    assert times.cut_off == utc(2027, 1, 4, 11, 0)  # Epiphany on the 6th does not count
    assert times.publish_at == utc(2027, 1, 5, 11, 0)
    assert times.packs_at == utc(2027, 1, 11, 11, 0)


def test_negative_lead_time_is_refused() -> None:
    with pytest.raises(InvalidInput):
        lead_times(date(2027, 1, 12), ENGLAND, tz="Europe/London", pack_days=-1)


def test_invitation_window_opens_sixty_days_before() -> None:
    assert invitation_window_start(utc(2027, 6, 15, 9, 0)) == utc(2027, 4, 16, 9, 0)
    assert invitation_window_start(utc(2027, 6, 15, 9, 0), days=14) == utc(2027, 6, 1, 9, 0)


def test_invitation_window_refuses_a_naive_datetime() -> None:
    with pytest.raises(InvalidInput):
        invitation_window_start(datetime(2027, 6, 15, 9, 0))
