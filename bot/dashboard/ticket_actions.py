"""The actions on a ticket: one POST form each, refused to viewers (403) and outside the operator's departments (404).

Each runs a use case of bot/tickets/triage.py in one transaction, then redirects back to the ticket with a flash
message; bad input answers 400 with what to fix, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import Session

from bot.dashboard.access import acting_required, me, ticket_or_404, visible_ticket
from bot.dashboard.blueprint import bp
from bot.dashboard.i18n import translated
from bot.dashboard.labels import label
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
            return _("Nothing changed: it was already so."), "info"
        return (
            _("Assigned to %(name)s.", name=assignee.name or assignee.email) if assignee else _("Unassigned.")
        ), "info"

    return _act(folio, action)


@bp.post("/tickets/<folio>/status")
@acting_required
def ticket_status(folio: str):
    """Move the ticket to another status, with a reason (the resident hears of resolved and rejected)."""

    def action(db, flows, ticket, operator):
        status = _field("status")
        asked_after = services().config.followup_delay()
        if triage.set_status(db, flows, ticket, operator, status, _field("reason"), asked_after) is None:
            return _("It was already %(status)s.", status=label("status", status)), "info"
        if status in ("resolved", "rejected"):
            return _("Status changed to %(status)s. The resident will be told.", status=label("status", status)), "info"
        return _("Status changed to %(status)s.", status=label("status", status)), "info"

    return _act(folio, action)


@bp.post("/tickets/<folio>/note")
@acting_required
def ticket_note(folio: str):
    """Keep an internal note (the resident never sees it)."""

    def action(db, flows, ticket, operator):
        triage.add_note(db, ticket, operator, _field("text"))
        return _("Note added."), "info"

    return _act(folio, action)


@bp.post("/tickets/<folio>/reply")
@acting_required
def ticket_reply(folio: str):
    """Write to the resident on their channel; say so when it cannot go out."""

    def action(db, flows, ticket, operator):
        outcome = triage.reply(db, flows, ticket, operator, _field("text"))
        if outcome.message is None:
            return _("Not sent: %(reason)s.", reason=translated(outcome.reason)), "error"
        if outcome.message.status == "failed":
            return _(
                "Not sent: %(reason)s. The reply is kept in the conversation.", reason=translated(outcome.reason)
            ), "error"
        return _("Reply queued to the resident."), "info"

    return _act(folio, action)


@bp.post("/tickets/<folio>/merge")
@acting_required
def ticket_merge(folio: str):
    """Close the ticket as a duplicate of another (open, visible) ticket."""

    def action(db, flows, ticket, operator):
        found = _original(db, operator, _field("original"))
        triage.merge(db, flows, ticket, operator, found)
        return _("Closed as a duplicate of %(folio)s.", folio=found.folio), "info"

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
        return _refused(ticket.folio, translated(exc))
    flash(_("Delivery retried: it goes to the department again."), "info")
    return redirect(url_for("dashboard.ticket", folio=ticket.folio))


def _act(folio: str, action: Action):
    """Run an action on a visible ticket in one transaction; its notices go to the queue after commit."""
    svc, operator = services(), me()
    try:
        with unit_of_work(svc) as db:
            ticket = ticket_or_404(db, folio)
            message, category = action(db, svc.flows, ticket, operator)
    except (triage.TriageError, TransitionError) as exc:
        return _refused(folio, translated(exc))  # rolled back: the ticket row is not read again
    flash(message, category)
    return redirect(url_for("dashboard.ticket", folio=ticket.folio))


def _original(db: Session, operator: Operator, text: str) -> Ticket:
    """The ticket a merge form names, if the operator may see it; a clear refusal otherwise."""
    folio = text.strip().upper()
    if not folio:
        raise triage.TriageError(_("write the folio of the original ticket"))
    if not is_folio_shaped(folio):
        raise triage.TriageError(_("that is not a folio (they look like 2611-7K3M9Q)"))
    found = visible_ticket(db, folio, operator)
    if found is None:
        raise triage.TriageError(_("no ticket '%(folio)s' among those you can see", folio=folio))
    return found


def _field(name: str) -> str:
    return request.form.get(name, "")


def _refused(folio: str, reason: str):
    """400 with what was wrong; nothing was written."""
    message = f"{folio.strip().upper()}: {reason[:1].upper()}{reason[1:]}."
    return render_template("dashboard/error.html", title=_("Not done"), message=message), 400
