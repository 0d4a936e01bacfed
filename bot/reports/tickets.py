"""The tickets overview: per category per week, median time to resolve, share per channel, overdue, residents'
satisfaction per department (bot/reports/satisfaction.py); departments.

Counts per category, week and channel are sums of the tickets created per UTC hour and day that triggers keep
(bot/db/ticket_tallies.py), or, in a zone with half-hour offsets, GROUP BYs over an index holding every column
they read. The median is taken in Python over the resolve times of the
window's resolved tickets (SQLite has no percentile function), read as a stream of two timestamps
per ticket from an index (ticket.resolved_at, the first resolution).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import pairwise

from babel.lists import format_list
from babel.units import format_unit
from sqlalchemy import String, and_, case, func, or_, type_coerce
from sqlmodel import Session, select

from bot.db.tables import Operator, Ticket, TicketTally, as_utc
from bot.flows import Flows
from bot.reports.periods import city_weeks, day_start
from bot.reports.satisfaction import Satisfaction, satisfaction_by_department
from bot.tickets.lifecycle import OPEN_STATUSES

__all__ = [
    "Overview",
    "DepartmentRow",
    "overview",
    "department_rows",
    "median_resolve",
    "resolved_within_sla",
    "format_duration",
]


@dataclass
class Overview:
    """The figures of the overview page for some departments over the last weeks (the city's weeks)."""

    weeks: list[date]  # Mondays in the city's time zone, oldest first
    per_category_week: dict[str, list[int]]  # category -> count per week, aligned with weeks
    median_resolve: dict[str, tuple[timedelta, int]]  # category -> (median, tickets resolved)
    channels: list[tuple[str, int]]  # most used first
    overdue: int
    since: datetime
    satisfaction: list[Satisfaction] = field(default_factory=list)  # follow-ups answered since, per department

    @property
    def total(self) -> int:
        return sum(sum(counts) for counts in self.per_category_week.values())


@dataclass
class DepartmentRow:
    """A department as flows.yaml defines it, with its open and overdue tickets and its operators."""

    id: str
    name: str
    delivery: str
    sla: timedelta
    flow_slas: list[tuple[str, timedelta]]
    open: int
    overdue: int
    operators: int


GROUPS = {"category": Ticket.category, "department": Ticket.department}  # what median_resolve may group by


def _scoped(statement, scope: list[str] | None):
    return statement if scope is None else statement.where(Ticket.department.in_(scope))


def overview(session: Session, scope: list[str] | None, now: datetime, weeks: int = 12, zone: tzinfo = UTC) -> Overview:
    """Tickets of the departments in scope (None: all) created in the last `weeks` weeks, this one included.

    Weeks run from Monday to Sunday in the zone (the city's, CITY_TIMEZONE, on the dashboard).
    """
    mondays = city_weeks(now, zone, weeks)
    since = day_start(mondays[0], zone)
    per_category_week, channels = _created_counts(session, scope, mondays, zone)
    return Overview(
        weeks=mondays,
        per_category_week=per_category_week,
        median_resolve=median_resolve(session, scope, since),
        channels=channels,
        overdue=overdue_count(session, scope, now),
        since=since,
        satisfaction=satisfaction_by_department(session, since, scope=scope),
    )


def _created_counts(
    session: Session, scope, mondays: list[date], zone: tzinfo
) -> tuple[dict[str, list[int]], list[tuple[str, int]]]:
    """Tickets created since the first Monday: per category per week, and per channel (a ticket dated after the
    last week counts for its channel only).

    The weeks run between the city's Monday midnights, which in every zone whose offset is whole hours are whole
    UTC hours: the counts are then summed from the tallies triggers keep (a few thousand rows where the tickets
    are tens of thousands); otherwise they are counted from the tickets.
    """
    bounds = [day_start(monday, zone) for monday in mondays] + [day_start(mondays[-1] + timedelta(weeks=1), zone)]
    if all(_whole_hour(bound) for bound in bounds):
        return _tallied_counts(session, scope, bounds)
    return _counted_counts(session, scope, bounds)


def _counted_counts(
    session: Session, scope, bounds: list[datetime]
) -> tuple[dict[str, list[int]], list[tuple[str, int]]]:
    """The counts from the tickets themselves, from an index alone: one small GROUP BY per week (twelve sorts of a
    week's rows cost SQLite less than one of the window's), then one for any ticket dated after the last week."""
    per_week: dict[str, list[int]] = {}
    channels: Counter = Counter()
    connection = session.connection()  # Core: no ORM per row
    for n, (low, high) in enumerate([*pairwise(bounds), (bounds[-1], None)]):
        statement = select(Ticket.category, Ticket.channel, func.count()).where(Ticket.created_at >= low)
        statement = statement.where(Ticket.created_at < high) if high is not None else statement
        for category, channel, count in connection.execute(
            _scoped(statement, scope).group_by(Ticket.category, Ticket.channel)
        ):
            counts = per_week.setdefault(category, [0] * (len(bounds) - 1))
            if high is not None:
                counts[n] += count
            channels[channel] += count
    return dict(sorted(per_week.items())), sorted(channels.items(), key=lambda row: (-row[1], row[0]))


def _whole_hour(moment: datetime) -> bool:
    return as_utc(moment).replace(minute=0, second=0, microsecond=0) == as_utc(moment)


def _tallied_counts(
    session: Session, scope, bounds: list[datetime]
) -> tuple[dict[str, list[int]], list[tuple[str, int]]]:
    """The same counts summed from TicketTally (db/ticket_tallies.py): each week from the UTC days inside it and
    the UTC hours at its edges, then the hours after the last week (for the channels only). The database sums
    them per week (a CASE over the bounds), so a row per week, category and channel comes back."""
    utc_bounds = [as_utc(bound) for bound in bounds]
    spans = [span for low, high in pairwise(utc_bounds) for span in _utc_spans(low, high)]
    tally = TicketTally.__table__.c
    # The departments inside each span's condition: outside the OR, SQLite's planner scans the whole table.
    departments = [] if scope is None else [tally.department.in_(scope)]
    conditions = [
        and_(tally.grain == grain, tally.bucket >= low, tally.bucket < high, *departments) for grain, low, high in spans
    ]
    conditions.append(and_(tally.grain == "h", tally.bucket >= utc_bounds[-1], *departments))
    weeks = len(bounds) - 1
    week = case(*((tally.bucket < high, n) for n, high in enumerate(utc_bounds[1:])), else_=weeks)
    statement = select(week, tally.category, tally.channel, func.sum(tally.created)).where(or_(*conditions))
    per_week: dict[str, list[int]] = {}
    channels: Counter = Counter()
    for n, category, channel, count in session.connection().execute(
        statement.group_by(week, tally.category, tally.channel)
    ):
        if not count:
            continue  # every ticket of these rows moved away (triage)
        counts = per_week.setdefault(category, [0] * weeks)
        if n < weeks:
            counts[n] += count  # after the last week: counted for its channel only, as the direct count does
        channels[channel] += count
    return dict(sorted(per_week.items())), sorted(channels.items(), key=lambda row: (-row[1], row[0]))


def _utc_spans(low: datetime, high: datetime) -> list[tuple[str, datetime, datetime]]:
    """[low, high), both whole UTC hours, as (grain, start, end): hours up to the first UTC midnight, the days,
    then the hours after the last midnight."""
    first_midnight = low.replace(hour=0) + (timedelta(days=1) if low.hour else timedelta())
    last_midnight = high.replace(hour=0)
    if first_midnight >= last_midnight:
        return [("h", low, high)]
    spans = [("h", low, first_midnight)] if low < first_midnight else []
    spans.append(("d", first_midnight, last_midnight))
    return spans + ([("h", last_midnight, high)] if last_midnight < high else [])


def median_resolve(
    session: Session, scope: list[str] | None, since: datetime, by: str = "category"
) -> dict[str, tuple[timedelta, int]]:
    """Per category (or per department: by="department"), the median time from a ticket's creation to its first change to resolved, over tickets resolved since.

    ticket.resolved_at is that first resolution (a trigger keeps it from the audit trail: db/first_resolution.py);
    its index holds every column read here. The times are read as the driver gives them (SQLite: text, parsed
    here by datetime.fromisoformat, far quicker than a DateTime column's own processing of every row), and
    streamed: holding the window's 21,000 rows at once set off the garbage collector's full passes (75 ms).
    PostgreSQL takes the median itself (percentile_cont over the index) and sends a row per category instead of
    two zoned datetimes per ticket. Both are exact to the microsecond: the median of an even count is the
    midpoint of the middle two, rounded half to even (a timedelta halved; percentile_cont over microseconds).
    """
    group = GROUPS[by]
    if session.get_bind().dialect.name == "postgresql":
        return _median_resolve_in_postgres(session, scope, since, group)
    statement = _scoped(
        select(group, type_coerce(Ticket.created_at, String), type_coerce(Ticket.resolved_at, String)).where(
            Ticket.resolved_at >= since
        ),
        scope,
    )
    durations: dict[str, list[timedelta]] = defaultdict(list)
    for category, created_at, resolved_at in session.connection().execute(statement):  # Core: no ORM per row
        durations[category].append(_naive_utc(resolved_at) - _naive_utc(created_at))
    return {category: (_median(spans), len(spans)) for category, spans in sorted(durations.items())}


def _median(spans: list[timedelta]) -> timedelta:
    """The middle span, or the midpoint of the middle two (timedelta halves round half to even)."""
    ordered = sorted(spans)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _median_resolve_in_postgres(session: Session, scope, since: datetime, group) -> dict[str, tuple[timedelta, int]]:
    microseconds = func.extract("epoch", Ticket.resolved_at - Ticket.created_at) * 1_000_000
    statement = _scoped(
        select(group, func.percentile_cont(0.5).within_group(microseconds), func.count())
        .where(Ticket.resolved_at >= since)
        .group_by(group),
        scope,
    )
    return {
        category: (timedelta(microseconds=median), count)
        for category, median, count in sorted(session.connection().execute(statement).all())
    }


def _naive_utc(value: str | datetime) -> datetime:
    """A stored moment, comparable with the others of its database: SQLite's text as naive UTC, PostgreSQL's
    datetimes (all with their zone) as they come."""
    if not isinstance(value, str):
        return value
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def resolved_within_sla(session: Session, scope: list[str] | None, since: datetime) -> dict[str, tuple[int, int]]:
    """Per department, of the tickets with a due date (an SLA) first resolved since: how many were resolved by their
    due date, and how many were resolved. The first resolution (ticket.resolved_at) counts, as for the median: a
    ticket reopened and resolved again later was still answered in time. One GROUP BY."""
    in_time = case((Ticket.resolved_at <= Ticket.due_at, 1), else_=0)
    statement = _scoped(
        select(Ticket.department, func.sum(in_time), func.count())
        .where(Ticket.resolved_at >= since, Ticket.due_at.is_not(None))
        .group_by(Ticket.department),
        scope,
    )
    return {department: (int(within), int(count)) for department, within, count in session.exec(statement).all()}


def overdue_count(session: Session, scope: list[str] | None, now: datetime) -> int:
    """Open tickets past their due date."""
    statement = select(func.count()).select_from(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.due_at < now)
    return session.exec(_scoped(statement, scope)).one()


def department_rows(session: Session, flows: Flows, now: datetime) -> list[DepartmentRow]:
    """Every department of flows.yaml with its SLAs, open and overdue tickets, and active operators."""
    open_rows = session.exec(
        select(Ticket.department, func.count()).where(Ticket.status.in_(OPEN_STATUSES)).group_by(Ticket.department)
    ).all()
    overdue_rows = session.exec(
        select(Ticket.department, func.count())
        .where(Ticket.status.in_(OPEN_STATUSES), Ticket.due_at < now)
        .group_by(Ticket.department)
    ).all()
    open_, overdue = dict(open_rows), dict(overdue_rows)
    staffed = Counter(d for op in session.exec(select(Operator).where(Operator.active)).all() for d in op.departments)
    return [
        DepartmentRow(
            id=d.id,
            name=d.name,
            delivery=str(d.delivery.get("kind", "")),
            sla=d.sla or flows.default_sla,
            flow_slas=[
                (f.id, f.outcome.sla) for f in flows.flows.values() if f.outcome.department == d.id and f.outcome.sla
            ],
            open=open_.get(d.id, 0),
            overdue=overdue.get(d.id, 0),
            operators=staffed[d.id],
        )
        for d in flows.departments.values()
    ]


def format_duration(span: timedelta, locale: str = "en") -> str:
    """A duration as people say it, in CLDR's narrow units for the locale: 3d 4h, 5h 20m, 12m (en); 5h 20min (es_MX).

    Two units at most (minutes only under a day), as a queue or an SLA column has room for."""
    minutes = max(int(span.total_seconds() // 60), 0)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    parts = [(days, "day"), (hours, "hour"), (0 if days else mins, "minute")]
    said = [format_unit(n, f"duration-{unit}", length="narrow", locale=locale) for n, unit in parts if n]
    if not said:
        return format_unit(0, "duration-minute", length="narrow", locale=locale)
    return format_list(said, style="unit-narrow", locale=locale)
