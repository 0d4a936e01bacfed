"""Ticket figures by place: tickets per colonia per city week, and where the open tickets are.

The colonia is the one the city's places gave the ticket when it was filed (ticket.colonia); tickets without one
(an address the map did not place, a ticket from before the places were imported) are counted under None. The
open tickets' points are read through the partial index of open tickets the map reads (OPEN_TICKET), streamed.
What is done with them (a grid, small counts folded) is the caller's: these are the operators' own figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta, tzinfo
from itertools import pairwise
from typing import NamedTuple

from sqlalchemy import func, text
from sqlmodel import Session, select

from bot.db.tables import OPEN_TICKET, Ticket
from bot.reports.periods import day_start

__all__ = ["OpenPoint", "per_colonia_week", "open_points"]

POINT_BATCH = 2000


class OpenPoint(NamedTuple):
    """An open ticket's place and what it is about (no folio, no words of the resident)."""

    latitude: float
    longitude: float
    category: str
    department: str
    colonia: str | None


def per_colonia_week(session: Session, mondays: list[date], zone: tzinfo) -> dict[str | None, list[int]]:
    """Tickets created in each city week starting on the Mondays, per colonia (None: without one), weeks aligned.

    One GROUP BY per week over the created_at index, as the overview counts weeks where the tallies cannot."""
    bounds = [day_start(monday, zone) for monday in mondays] + [day_start(mondays[-1] + timedelta(weeks=1), zone)]
    counts: dict[str | None, list[int]] = {}
    connection = session.connection()  # Core: no ORM per row
    for n, (low, high) in enumerate(pairwise(bounds)):
        statement = (
            select(Ticket.colonia, func.count())
            .where(Ticket.created_at >= low, Ticket.created_at < high)
            .group_by(Ticket.colonia)
        )
        for colonia, count in connection.execute(statement):
            counts.setdefault(colonia or None, [0] * len(mondays))[n] += count
    return dict(sorted(counts.items(), key=lambda item: (item[0] is None, item[0] or "")))


def open_points(session: Session) -> Iterator[OpenPoint]:
    """Every open ticket that has a place, streamed in batches (the map's partial index of open tickets)."""
    statement = (
        select(Ticket.latitude, Ticket.longitude, Ticket.category, Ticket.department, Ticket.colonia)
        .where(text(OPEN_TICKET))  # in the partial index's own words, so SQLite's planner takes it
        .where(Ticket.latitude.is_not(None), Ticket.longitude.is_not(None))
        .execution_options(yield_per=POINT_BATCH)
    )
    for row in session.connection().execute(statement):
        yield OpenPoint(float(row[0]), float(row[1]), row[2], row[3], row[4])
