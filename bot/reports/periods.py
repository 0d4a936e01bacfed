"""Time windows and buckets for reports: days and Monday-first weeks, counted in the city's time zone.

Timestamps are stored in UTC. A day or week of a report is the city's (CITY_TIMEZONE): a report filed
on Sunday at 23:30 in Monterrey belongs to that Sunday and its week, though it is Monday in UTC.
Periods are UTC moments bounded at the city's midnights, so they narrow a query through its
timestamp indexes; the day of each row is computed in SQL by city_day():

- PostgreSQL converts with its own time zone data: created_at AT TIME ZONE zone (a timestamptz column).
- SQLite has no time zone data, so the UTC offsets the zone had over the period queried are read from
  zoneinfo and the day is date(created_at, '<offset> seconds'), with a CASE at each change of offset
  (daylight saving time). Mexico abolished it in 2022 for most of the country (America/Monterrey and
  America/Mexico_City keep UTC-6 since), so a recent period is one fixed offset and no CASE at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal
from sqlmodel import Session

__all__ = [
    "Period",
    "day_bounds",
    "day_start",
    "week_start",
    "city_weeks",
    "as_day",
    "timeline",
    "city_day",
    "offset_changes",
    "DAILY_UP_TO_DAYS",
]

DAILY_UP_TO_DAYS = 92  # a longer span is shown per week, so a chart never has thousands of bars
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # where an open period's offsets are read from (filters take 2000 on)


@dataclass(frozen=True)
class Period:
    """A half-open window [since, until) of UTC moments (None leaves that side open), and the zone of its days."""

    since: datetime | None = None
    until: datetime | None = None
    zone: tzinfo = UTC

    def narrow(self, statement, column):
        """Add the window to a select over a timestamp column."""
        if self.since is not None:
            statement = statement.where(column >= self.since)
        if self.until is not None:
            statement = statement.where(column < self.until)
        return statement


def day_start(day: date, zone: tzinfo = UTC) -> datetime:
    """The UTC moment the day begins in the zone (its midnight)."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def day_bounds(first: date | None, last: date | None, zone: tzinfo = UTC) -> Period:
    """The period from the start of the first day to the end of the last one (the zone's days), both included."""
    since = day_start(first, zone) if first else None
    until = day_start(last + timedelta(days=1), zone) if last else None
    return Period(since, until, zone)


def week_start(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def city_weeks(now: datetime, zone: tzinfo, weeks: int) -> list[date]:
    """The Mondays of the last `weeks` weeks of the city's calendar, this one included, oldest first."""
    this_week = week_start(now.astimezone(zone).date())
    return [this_week - timedelta(weeks=n) for n in reversed(range(weeks))]


def as_day(value) -> date:
    """A day as the database returns date(column): a date on PostgreSQL, 'YYYY-MM-DD' text on SQLite."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def city_day(session: Session, column, zone: tzinfo, since: datetime | None = None, until: datetime | None = None):
    """SQL for the day, in the zone, of a UTC timestamp column, for rows in [since, until).

    On SQLite the zone's offsets are read for that window (an open side: from 2000, or to tomorrow).
    """
    name = _zone_name(zone)
    if session.get_bind().dialect.name == "postgresql":
        moment = column if getattr(column.type, "timezone", False) else func.timezone("UTC", column)
        return func.date(func.timezone(name, moment))  # (timestamptz AT TIME ZONE zone)::date
    changes = offset_changes(name, _day_floor(since or EARLIEST), _day_floor(until or datetime.now(UTC)) + timedelta(1))

    def shifted(offset: int):
        return func.date(column, literal(f"{offset:+d} seconds"))

    if len(changes) == 1:
        return shifted(changes[0][1])
    latest_first = list(reversed(changes))
    return case(
        *((column >= moment, shifted(offset)) for moment, offset in latest_first[:-1]),
        else_=shifted(latest_first[-1][1]),
    )


@lru_cache(maxsize=64)
def offset_changes(zone_name: str, first: date, last: date) -> tuple[tuple[datetime, int], ...]:
    """The zone's UTC offset (seconds) from the start of the first day (UTC) and each change of it until the last.

    The first pair is (the first day's midnight, its offset); each later one (the moment it changed, the new offset).
    """
    zone = ZoneInfo(zone_name)

    def offset(moment: datetime) -> int:
        shift = moment.astimezone(zone).utcoffset()
        return int(shift.total_seconds()) if shift is not None else 0

    start = datetime.combine(first, time(), UTC)
    changes = [(start, offset(start))]
    for n in range(1, (last - first).days + 1):
        before, after = start + timedelta(days=n - 1), start + timedelta(days=n)
        if offset(after) == changes[-1][1]:
            continue
        while after - before > timedelta(minutes=1):  # the moment of the change, to the minute
            middle = before + (after - before) / 2
            middle = middle.replace(second=0, microsecond=0)
            if middle <= before:
                middle = before + timedelta(minutes=1)
            if offset(middle) == changes[-1][1]:
                before = middle
            else:
                after = middle
        changes.append((after, offset(after)))
    return tuple(changes)


def _zone_name(zone: tzinfo) -> str:
    if zone is UTC:
        return "UTC"
    key = getattr(zone, "key", None)
    if not key:
        raise ValueError(f"a named (IANA) time zone is needed, not {zone!r}")
    return key


def _day_floor(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


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
