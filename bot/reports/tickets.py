"""The tickets overview: per category per week, median time to resolve, share per channel, overdue; departments.

Counts are GROUP BYs in the database. The median is taken in Python over the resolve times of the
window's resolved tickets (SQLite has no percentile function), read as a stream of two timestamps
per ticket.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from babel.lists import format_list
from babel.units import format_unit
from sqlalchemy import and_, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from bot.db.tables import Operator, Ticket, TicketEvent, as_utc
from bot.flows import Flows
from bot.reports.periods import as_day, city_day, day_start, week_start
from bot.tickets.lifecycle import OPEN_STATUSES

__all__ = ["Overview", "DepartmentRow", "overview", "department_rows", "format_duration", "RESOLVE_BATCH"]

RESOLVE_BATCH = 1000


@dataclass
class Overview:
    """The figures of the overview page for some departments over the last weeks (the city's weeks)."""

    weeks: list[date]  # Mondays in the city's time zone, oldest first
    per_category_week: dict[str, list[int]]  # category -> count per week, aligned with weeks
    median_resolve: dict[str, tuple[timedelta, int]]  # category -> (median, tickets resolved)
    channels: list[tuple[str, int]]  # most used first
    overdue: int
    since: datetime

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


def _scoped(statement, scope: list[str] | None):
    return statement if scope is None else statement.where(Ticket.department.in_(scope))


def overview(session: Session, scope: list[str] | None, now: datetime, weeks: int = 12, zone: tzinfo = UTC) -> Overview:
    """Tickets of the departments in scope (None: all) created in the last `weeks` weeks, this one included.

    Weeks run from Monday to Sunday in the zone (the city's, CITY_TIMEZONE, on the dashboard).
    """
    mondays = [week_start(now.astimezone(zone).date()) - timedelta(weeks=n) for n in reversed(range(weeks))]
    since = day_start(mondays[0], zone)
    return Overview(
        weeks=mondays,
        per_category_week=_per_category_week(session, scope, since, mondays, zone),
        median_resolve=_median_resolve(session, scope, since),
        channels=_channels(session, scope, since),
        overdue=overdue_count(session, scope, now),
        since=since,
    )


def _per_category_week(
    session: Session, scope, since: datetime, mondays: list[date], zone: tzinfo
) -> dict[str, list[int]]:
    day = city_day(session, Ticket.created_at, zone, since)
    inner = _scoped(
        select(Ticket.category.label("category"), day.label("day")).where(Ticket.created_at >= since), scope
    ).subquery()
    counts: dict[str, Counter] = defaultdict(Counter)
    for category, day, count in session.exec(
        select(inner.c.category, inner.c.day, func.count()).group_by(inner.c.category, inner.c.day)
    ).all():
        counts[category][week_start(as_day(day))] += count
    return {category: [per_week.get(monday, 0) for monday in mondays] for category, per_week in sorted(counts.items())}


def _median_resolve(session: Session, scope, since: datetime) -> dict[str, tuple[timedelta, int]]:
    """Per category, the median time from a ticket's creation to its first change to resolved, over tickets resolved since."""
    # Only resolutions since the window's start are read (the kind, created_at index), less those whose ticket was
    # resolved before it too (its first resolution is older): the same tickets as grouping every resolution ever.
    resolved = and_(TicketEvent.kind == "status_changed", TicketEvent.detail["to"].as_string() == "resolved")
    earlier = aliased(TicketEvent)
    resolved_before = (
        select(earlier.id)
        .where(
            earlier.ticket_id == TicketEvent.ticket_id,
            earlier.kind == "status_changed",
            earlier.detail["to"].as_string() == "resolved",
            earlier.created_at < since,
        )
        .exists()
    )
    first_resolved = (
        select(TicketEvent.ticket_id, func.min(TicketEvent.created_at).label("resolved_at"))
        .where(resolved, TicketEvent.created_at >= since, ~resolved_before)
        .group_by(TicketEvent.ticket_id)
        .subquery()
    )
    statement = _scoped(
        select(Ticket.category, Ticket.created_at, first_resolved.c.resolved_at)
        .join(first_resolved, first_resolved.c.ticket_id == Ticket.id)
        .where(first_resolved.c.resolved_at >= since),
        scope,
    )
    durations: dict[str, list[float]] = defaultdict(list)
    for category, created_at, resolved_at in session.execute(statement.execution_options(yield_per=RESOLVE_BATCH)):
        durations[category].append((as_utc(resolved_at) - as_utc(created_at)).total_seconds())
    return {
        category: (timedelta(seconds=statistics.median(seconds)), len(seconds))
        for category, seconds in sorted(durations.items())
    }


def _channels(session: Session, scope, since: datetime) -> list[tuple[str, int]]:
    statement = _scoped(select(Ticket.channel, func.count()).where(Ticket.created_at >= since), scope)
    rows = session.exec(statement.group_by(Ticket.channel)).all()
    return sorted(rows, key=lambda row: (-row[1], row[0]))


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
