"""A resident's daily report cap on a ticket's page (TICKETS_PER_CONTACT_PER_DAY), and lifting it.

The Resident panel says how many reports the resident filed in the city's day against the cap. Once the
cap is reached, new reports are not filed (bot/conversation/ticket_cap.py); an operator or admin may lift
it for the rest of the day with one CSRF-protected POST, recorded in this ticket's audit trail.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from sqlmodel import Session

from bot.conversation.ticket_cap import day_start, lift, standing
from bot.dashboard.access import acting_required, me, ticket_or_404
from bot.dashboard.blueprint import bp
from bot.db.database import transaction
from bot.db.tables import Ticket, utcnow
from bot.services import services

__all__ = ["daily_cap", "ticket_lift_cap"]


@bp.post("/tickets/<folio>/lift-cap")
@acting_required
def ticket_lift_cap(folio: str):
    """Let the ticket's resident file more reports for the rest of the city's day."""
    svc, operator = services(), me()
    with transaction(svc.engine, immediate=True) as db:
        ticket = ticket_or_404(db, folio)
        lifted = lift(db, ticket, operator.email, svc.config.city_zone())
    if lifted:
        flash(_("The resident may file more reports for the rest of the day."), "info")
    else:
        flash(_("The cap was already lifted for this resident today."), "info")
    return redirect(url_for("dashboard.ticket", folio=ticket.folio))


def daily_cap(db: Session, ticket: Ticket) -> dict:
    """What the Resident panel says of today's reports: the cap, how many were filed, reached, lifted."""
    svc = services()
    per_day = svc.config.tickets_per_contact_per_day
    if not per_day:
        return {"daily_cap": None}
    today = standing(db, ticket.contact_id, day_start(utcnow(), svc.config.city_zone()))
    return {
        "daily_cap": {
            "per_day": per_day,
            "filed": today.filed,
            "reached": today.filed >= per_day,
            "lifted": today.lifted,
        }
    }
