"""Residents' satisfaction per department, from their answers to the city's follow-up on resolved tickets.

One GROUP BY over the answers of a period, read from an index that holds every column it needs
(ticketfollowup: answered_at, department, fixed, rating), so it costs the period's answers, never the tickets.
The overview shows it over its weeks; the public open-data page (/datos/) may call the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func
from sqlmodel import Session, select

from bot.db.tables import TicketFollowup

__all__ = ["Satisfaction", "satisfaction_by_department"]


@dataclass(frozen=True)
class Satisfaction:
    """How a department's residents answered the follow-up in a period."""

    department: str  # its id in flows.yaml
    answers: int  # follow-ups answered
    not_fixed: int  # answered "not fixed" (each reopened its ticket)
    rated: int  # answers with a satisfaction rating (asked of those it fixed)
    average: float | None  # their mean rating, 1-5 (None: none rated)

    @property
    def fixed_share(self) -> float:
        """The share of answers that said it was fixed (0..1)."""
        return (self.answers - self.not_fixed) / self.answers if self.answers else 0.0


def satisfaction_by_department(
    session: Session, since: datetime, until: datetime | None = None, scope: list[str] | None = None
) -> list[Satisfaction]:
    """Follow-ups answered from since (until until, if given) per department, of those in scope (None: all)."""
    statement = select(
        TicketFollowup.department,
        func.count(),
        func.sum(case((TicketFollowup.fixed == False, 1), else_=0)),  # noqa: E712 - SQL, not Python
        func.count(TicketFollowup.rating),
        func.avg(TicketFollowup.rating),
    ).where(TicketFollowup.answered_at >= since)
    if until is not None:
        statement = statement.where(TicketFollowup.answered_at < until)
    if scope is not None:
        statement = statement.where(TicketFollowup.department.in_(scope))
    rows = session.connection().execute(
        statement.group_by(TicketFollowup.department).order_by(TicketFollowup.department)
    )
    return [
        Satisfaction(department, answers, int(not_fixed or 0), rated, float(average) if average is not None else None)
        for department, answers, not_fixed, rated, average in rows
    ]
