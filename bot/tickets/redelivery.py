"""Delivering a ticket again, by an operator's hand (CLI now, the dashboard later)."""

from __future__ import annotations

from sqlmodel import select

from bot.db.tables import Outbox, TicketEvent
from bot.jobs.outbox import unit_of_work
from bot.tickets.folio import ticket_by_folio
from bot.tickets.lifecycle import change_status
from bot.translatable import N_, Code, TranslatableError

__all__ = ["retry_delivery", "RedeliveryError"]


class RedeliveryError(TranslatableError):
    """The ticket is unknown, or its delivery is not in a state to retry."""


def retry_delivery(svc, folio: str, actor: str) -> int:
    """Put a failed (or stuck) delivery back in the outbox with fresh attempts; return the outbox id."""
    with unit_of_work(svc) as session:
        ticket = ticket_by_folio(session, folio)
        if ticket is None:
            raise RedeliveryError(N_("no ticket %(folio)s"), folio=folio)
        outbox = session.exec(
            select(Outbox)
            .where(Outbox.ticket_id == ticket.id, Outbox.kind == "deliver_ticket")
            .order_by(Outbox.id.desc())
        ).first()
        if outbox is None or outbox.status == "done":
            raise RedeliveryError(
                N_("%(folio)s has no delivery to retry (status %(status)s)"),
                folio=ticket.folio,
                status=Code("status", ticket.status),
            )
        retried = Outbox(kind="deliver_ticket", ticket_id=ticket.id, payload=dict(outbox.payload))
        outbox.status = "failed"
        session.add_all([outbox, retried])
        session.add(TicketEvent(ticket_id=ticket.id, kind="delivery_retried", actor=actor, detail={}))
        if ticket.status == "delivery_failed":
            change_status(session, svc.flows, ticket, "received", actor=actor, reason="delivery retried")
        session.flush()
        assert retried.id is not None  # the flush inserted the row and gave it its id
        return retried.id
