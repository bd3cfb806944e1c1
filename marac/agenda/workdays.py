"""Working days of an area's jurisdiction.

Referral cut-offs, agenda publication and briefing packs are counted in *working days* before a
conference, and a conference that falls on a public holiday is moved or flagged.  A
:class:`WorkingCalendar` answers those questions for one jurisdiction from the ``holidays`` package,
which is maintained upstream rather than kept as hand-written tables here.

Jurisdiction codes are ISO 3166: ``"GB-ENG"``, ``"GB-WLS"``, ``"GB-SCT"``, ``"GB-NIR"`` (the four UK
bank-holiday calendars differ), ``"SE"`` and any other ``"CC"`` or ``"CC-SUB"`` the package knows.
Saturdays and Sundays are never working days.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import holidays

from marac.errors import InvalidInput

# Holiday names are shown to coordinators; English where the package has it, so that names do not
# depend on the server's locale.
_PREFERRED_LANGUAGES = ("en_GB", "en_US")

_SATURDAY = 5


class WorkingCalendar:
    """Public holidays and working days for one jurisdiction.

    Holiday years are loaded lazily and kept, so repeated questions about the same years cost a
    dictionary lookup.
    """

    def __init__(self, jurisdiction: str, *, language: str | None = None) -> None:
        self.jurisdiction = jurisdiction.strip().upper()
        if not self.jurisdiction:
            raise InvalidInput.for_field("jurisdiction", "a code such as GB-ENG or SE is required")
        country, _, subdiv = self.jurisdiction.partition("-")
        self._subdiv = subdiv or None
        self._entity_class = _entity_class(country, self.jurisdiction)
        supported = getattr(self._entity_class, "supported_languages", ())
        self._language = language or next((lang for lang in _PREFERRED_LANGUAGES if lang in supported), None)
        self._options: dict[str, Any] = {}
        if country == "SE":
            # Swedish law treats Midsummer Eve, Christmas Eve and New Year's Eve like Sundays
            # (Semesterlag 1977:480 §7), so they are non-working days.  Sundays themselves are not
            # listed as holidays: weekends are handled separately and must not be reported by name.
            self._options = {"categories": (holidays.PUBLIC, holidays.DE_FACTO), "include_sundays": False}
        self._years: dict[int, dict[date, str]] = {}
        # Building an empty calendar now rejects an unknown subdivision at the boundary.
        self._build(())

    def __repr__(self) -> str:
        return f"WorkingCalendar({self.jurisdiction!r})"

    def _build(self, years: int | tuple[int, ...]) -> Any:
        try:
            return self._entity_class(
                subdiv=self._subdiv, years=years, language=self._language, **self._options
            )
        except NotImplementedError as exc:
            raise InvalidInput.for_field(
                "jurisdiction", f"{self.jurisdiction} is not a known jurisdiction"
            ) from exc

    def _load_year(self, year: int) -> dict[date, str]:
        table = self._years.get(year)
        if table is None:
            table = {day: str(name) for day, name in self._build(year).items() if day.year == year}
            self._years[year] = table
        return table

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on ``day`` (names joined by ``"; "`` when two coincide), or ``None``."""
        return self._load_year(day.year).get(day)

    def holidays_between(self, start: date, end: date) -> dict[date, str]:
        """Public holidays from ``start`` to ``end`` inclusive, in date order."""
        found: dict[date, str] = {}
        for year in range(start.year, end.year + 1):
            for day, name in sorted(self._load_year(year).items()):
                if start <= day <= end:
                    found[day] = name
        return found

    def is_working_day(self, day: date) -> bool:
        """True on a weekday that is not a public holiday."""
        return day.weekday() < _SATURDAY and day not in self._load_year(day.year)

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, otherwise the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, otherwise the last working day before it.

        Mirrors :meth:`next_working_day`; use ``subtract_working_days(day, 1)`` for "the working day
        strictly before".
        """
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def subtract_working_days(self, day: date, n: int) -> date:
        """The date ``n`` working days before ``day``; only working days strictly before ``day`` count.

        ``subtract_working_days(meeting, 8)`` is the referral cut-off day for a meeting on ``meeting``:
        weekends and holidays in between are skipped, so the result is always a working day when
        ``n > 0``.  ``n == 0`` returns ``day`` unchanged; a negative ``n`` counts forwards.
        """
        if n < 0:
            return self.add_working_days(day, -n)
        while n > 0:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The date ``n`` working days after ``day``; only working days strictly after ``day`` count."""
        if n < 0:
            return self.subtract_working_days(day, -n)
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day


def _entity_class(country: str, jurisdiction: str) -> Any:
    """The ``holidays`` entity for an ISO country code (``GB`` is the United Kingdom)."""
    if country not in _supported_countries():
        raise InvalidInput.for_field("jurisdiction", f"{jurisdiction} is not a known jurisdiction")
    return getattr(holidays, country)


@lru_cache(maxsize=1)
def _supported_countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


@lru_cache(maxsize=512)
def calendar_for(jurisdiction: str) -> WorkingCalendar:
    """A shared calendar per jurisdiction, so many areas with the same code share one holiday cache."""
    return WorkingCalendar(jurisdiction)
