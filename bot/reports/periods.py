"""Time windows and buckets for reports: days and Monday-first weeks, in UTC."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

__all__ = ["Period", "day_bounds", "week_start", "as_day", "timeline", "DAILY_UP_TO_DAYS"]

DAILY_UP_TO_DAYS = 92  # a longer span is shown per week, so a chart never has thousands of bars


@dataclass(frozen=True)
class Period:
    """A half-open window [since, until) of UTC moments; None leaves that side open."""

    since: datetime | None = None
    until: datetime | None = None

    def narrow(self, statement, column):
        """Add the window to a select over a timestamp column."""
        if self.since is not None:
            statement = statement.where(column >= self.since)
        if self.until is not None:
            statement = statement.where(column < self.until)
        return statement


def day_bounds(first: date | None, last: date | None) -> Period:
    """The period from the start of the first day to the end of the last one (UTC), both included."""
    since = datetime.combine(first, time(), UTC) if first else None
    until = datetime.combine(last + timedelta(days=1), time(), UTC) if last else None
    return Period(since, until)


def week_start(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def as_day(value) -> date:
    """A day as the database returns date(column): a date on PostgreSQL, 'YYYY-MM-DD' text on SQLite."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def timeline(per_day: Counter) -> tuple[str, list[tuple[date, int]]]:
    """Counts from the first day with data to the last, per day or (over a long span) per week, gaps as zeros.

    Returns (unit, rows). Bounded by the data, not by the filter, so no range asked for makes it huge.
    """
    if not per_day:
        return "day", []
    first, last = min(per_day), max(per_day)
    if (last - first).days + 1 <= DAILY_UP_TO_DAYS:
        return "day", [
            (first + timedelta(days=n), per_day.get(first + timedelta(days=n), 0))
            for n in range((last - first).days + 1)
        ]
    per_week: Counter[date] = Counter()
    for day, count in per_day.items():
        per_week[week_start(day)] += count
    mondays = [
        week_start(first) + timedelta(days=n) for n in range(0, (week_start(last) - week_start(first)).days + 1, 7)
    ]
    return "week", [(monday, per_week.get(monday, 0)) for monday in mondays]
