"""Residents' satisfaction per department: the follow-ups answered in a period, for the overview and open data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.db.database import transaction
from bot.db.tables import TicketFollowup
from bot.reports import Satisfaction, satisfaction_by_department
from tests.support.desks import read_ticket, seed_ticket

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def answered(app, department: str, fixed: bool | None, rating: int | None, at: datetime | None, status="answered"):
    """A follow-up about a ticket of the department, answered at `at` (None: never answered)."""
    ticket = read_ticket(app, seed_ticket(app, department=department))
    with transaction(app.extensions["ventanilla"].engine) as db:
        db.add(
            TicketFollowup(
                ticket_id=ticket.id,
                resolution_id=ticket.id * 10,
                contact_id=ticket.contact_id,
                department=department,
                status=status,
                fixed=fixed,
                rating=rating,
                answered_at=at,
            )
        )


def test_answers_of_the_period_are_counted_and_averaged_per_department(app):
    for fixed, rating in ((True, 5), (True, 4), (True, 2), (False, None)):
        answered(app, "obras_publicas", fixed, rating, NOW - timedelta(days=3))
    answered(app, "obras_publicas", True, 1, NOW - timedelta(days=40))  # before the period
    answered(app, "obras_publicas", None, None, None, status="asked")  # never answered
    answered(app, "obras_publicas", None, None, None, status="not_asked")  # opted out
    answered(app, "servicios_publicos", False, None, NOW - timedelta(days=1))
    with Session(app.extensions["ventanilla"].engine) as db:
        figures = satisfaction_by_department(db, NOW - timedelta(days=30), NOW)
        mine = satisfaction_by_department(db, NOW - timedelta(days=30), scope=["servicios_publicos"])
        none = satisfaction_by_department(db, NOW - timedelta(days=30), scope=[])
    assert figures == [
        Satisfaction("obras_publicas", answers=4, not_fixed=1, rated=3, average=11 / 3),
        Satisfaction("servicios_publicos", answers=1, not_fixed=1, rated=0, average=None),
    ]
    assert figures[0].fixed_share == 0.75 and figures[1].fixed_share == 0.0
    assert mine == [figures[1]] and none == []


def test_until_leaves_out_answers_from_then_on(app):
    answered(app, "obras_publicas", True, 5, NOW - timedelta(days=3))
    answered(app, "obras_publicas", True, 1, NOW)
    with Session(app.extensions["ventanilla"].engine) as db:
        (row,) = satisfaction_by_department(db, NOW - timedelta(days=30), NOW)
    assert (row.answers, row.average) == (1, 5.0)
