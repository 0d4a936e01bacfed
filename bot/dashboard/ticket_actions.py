"""The actions on a ticket: one POST form each, refused to viewers (403) and outside the operator's departments (404).

Each runs a use case of bot/tickets/triage.py in one transaction, then redirects back to the ticket with a flash
message; bad input answers 400 with what to fix, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from sqlmodel import Session

from bot.dashboard.access import acting_required, me, ticket_or_404, visible_ticket
from bot.dashboard.blueprint import bp
from bot.db.database import transaction
from bot.db.tables import Operator, Ticket
from bot.flows import Flows
from bot.jobs.outbox import unit_of_work
from bot.services import services
from bot.tickets import triage
from bot.tickets.folio import is_folio_shaped
from bot.tickets.lifecycle import TransitionError
from bot.tickets.redelivery import RedeliveryError, retry_delivery

# An action: (session, flows, ticket, operator) -> (flash message, flash category)
Action = Callable[[Session, Flows, Ticket, Operator], tuple[str, str]]


@bp.post("/tickets/<folio>/assign")
@acting_required
def ticket_assign(folio: str):
    """Assign the ticket to me, to a colleague, or to nobody."""

    def action(db, flows, ticket, operator):
        assignee = triage.assignee_for(db, ticket, operator, _field("assignee"))
        if triage.assign(db, ticket, operator, assignee) is None:
            return "Nothing changed: it was already so.", "info"
        return (f"Assigned to {assignee.name or assignee.email}." if assignee else "Unassigned."), "info"

    return _act(folio, action)


@bp.post("/tickets/<folio>/status")
@acting_required
def ticket_status(folio: str):
    """Move the ticket to another status, with a reason (the resident hears of resolved and rejected)."""

    def action(db, flows, ticket, operator):
        status = _field("status")
        if triage.set_status(db, flows, ticket, operator, status, _field("reason")) is None:
            return f"It was already {status}.", "info"
        told = " The resident will be told." if status in ("resolved", "rejected") else ""
        return f"Status changed to {status}.{told}", "info"

    return _act(folio, action)


@bp.post("/tickets/<folio>/note")
@acting_required
def ticket_note(folio: str):
    """Keep an internal note (the resident never sees it)."""

    def action(db, flows, ticket, operator):
        triage.add_note(db, ticket, operator, _field("text"))
        return "Note added.", "info"

    return _act(folio, action)


@bp.post("/tickets/<folio>/reply")
@acting_required
def ticket_reply(folio: str):
    """Write to the resident on their channel; say so when it cannot go out."""

    def action(db, flows, ticket, operator):
        outcome = triage.reply(db, flows, ticket, operator, _field("text"))
        if outcome.message is None:
            return f"Not sent: {outcome.reason}.", "error"
        if outcome.message.status == "failed":
            return f"Not sent: {outcome.reason}. The reply is kept in the conversation.", "error"
        return "Reply queued to the resident.", "info"

    return _act(folio, action)


@bp.post("/tickets/<folio>/merge")
@acting_required
def ticket_merge(folio: str):
    """Close the ticket as a duplicate of another (open, visible) ticket."""

    def action(db, flows, ticket, operator):
        found = _original(db, operator, _field("original"))
        triage.merge(db, flows, ticket, operator, found)
        return f"Closed as a duplicate of {found.folio}.", "info"

    return _act(folio, action)


@bp.post("/tickets/<folio>/retry")
@acting_required
def ticket_retry(folio: str):
    """Deliver the ticket to its department again after a failed delivery."""
    svc, operator = services(), me()
    with transaction(svc.engine) as db:
        ticket = ticket_or_404(db, folio)
    try:
        retry_delivery(svc, ticket.folio, actor=operator.email)
    except RedeliveryError as exc:
        return _refused(ticket.folio, str(exc))
    flash("Delivery retried: it goes to the department again.", "info")
    return redirect(url_for("dashboard.ticket", folio=ticket.folio))


def _act(folio: str, action: Action):
    """Run an action on a visible ticket in one transaction; its notices go to the queue after commit."""
    svc, operator = services(), me()
    try:
        with unit_of_work(svc) as db:
            ticket = ticket_or_404(db, folio)
            message, category = action(db, svc.flows, ticket, operator)
    except (triage.TriageError, TransitionError) as exc:
        return _refused(folio, str(exc))  # rolled back: the ticket row is not read again
    flash(message, category)
    return redirect(url_for("dashboard.ticket", folio=ticket.folio))


def _original(db: Session, operator: Operator, text: str) -> Ticket:
    """The ticket a merge form names, if the operator may see it; a clear refusal otherwise."""
    folio = text.strip().upper()
    if not folio:
        raise triage.TriageError("write the folio of the original ticket")
    if not is_folio_shaped(folio):
        raise triage.TriageError("that is not a folio (they look like 2611-7K3M9Q)")
    found = visible_ticket(db, folio, operator)
    if found is None:
        raise triage.TriageError(f"no ticket '{folio}' among those you can see")
    return found


def _field(name: str) -> str:
    return request.form.get(name, "")


def _refused(folio: str, reason: str):
    """400 with what was wrong; nothing was written."""
    message = f"{folio.strip().upper()}: {reason[:1].upper()}{reason[1:]}."
    return render_template("dashboard/error.html", title="Not done", message=message), 400
