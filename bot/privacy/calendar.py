"""Business days in the city's calendar: ARCO deadlines count neither weekends nor holidays.

Mexico's federal holidays follow the rules of the Ley Federal del Trabajo, art. 74 (counted when
`privacy.federal_holidays` is on); `privacy.holidays` adds the city's own non-working days (Holy
Thursday and Friday, 2 November, 12 December, an election day...).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from bot.flows.model import Privacy

__all__ = ["federal_holidays", "is_business_day", "add_business_days", "business_days_between"]

MONDAY = 0
SATURDAY = 5
FIRST_SIX_YEAR_TERM_ON_OCTOBER = 2024  # the President takes office on 1 October since 2024 (1 December before)


def federal_holidays(year: int) -> frozenset[date]:
    """Mexico's federal holidays of a year, as art. 74 of the Ley Federal del Trabajo sets them."""
    return _federal_holidays(year)


@lru_cache(maxsize=64)
def _federal_holidays(year: int) -> frozenset[date]:
    days = {
        date(year, 1, 1),
        _nth_monday(year, 2, 1),  # Constitution day (5 February)
        _nth_monday(year, 3, 3),  # Benito Juárez (21 March)
        date(year, 5, 1),
        date(year, 9, 16),
        _nth_monday(year, 11, 3),  # Revolution day (20 November)
        date(year, 12, 25),
    }
    return frozenset(days | _inauguration_day(year))


def _nth_monday(year: int, month: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(MONDAY - first.weekday()) % 7 + 7 * (nth - 1))


def _inauguration_day(year: int) -> set[date]:
    """The day the federal executive takes office, every six years: 1 October from 2024, 1 December before."""
    if (year - FIRST_SIX_YEAR_TERM_ON_OCTOBER) % 6:
        return set()
    return {date(year, 10, 1) if year >= FIRST_SIX_YEAR_TERM_ON_OCTOBER else date(year, 12, 1)}


def is_business_day(day: date, privacy: Privacy) -> bool:
    """Tell whether a day is worked: not a weekend, not a holiday of the city's calendar."""
    if day.weekday() >= SATURDAY or day in privacy.holidays:
        return False
    return not (privacy.federal_holidays and day in federal_holidays(day.year))


def add_business_days(start: date, days: int, privacy: Privacy) -> date:
    """The day `days` business days after start (start itself not counted): an ARCO request's due date."""
    if days < 0:
        raise ValueError(f"a deadline counts forward: {days} business days")
    day = start
    while days:
        day += timedelta(days=1)
        days -= is_business_day(day, privacy)
    return day


def business_days_between(start: date, end: date, privacy: Privacy) -> int:
    """The business days after start up to end included; negative when end comes before start.

    `business_days_between(d, add_business_days(d, n, p), p) == n`: how many are left until a due date, or
    (negative) how many it is overdue by.
    """
    if end < start:
        return -business_days_between(end, start, privacy)
    return sum(is_business_day(start + timedelta(days=n), privacy) for n in range(1, (end - start).days + 1))
