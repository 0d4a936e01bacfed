"""A ticket's life: its statuses, who moved it and when, and telling the resident when it ends."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.db.tables import Outbox, Ticket, TicketEvent, as_utc, utcnow
from bot.flows import Flows
from bot.flows.messages import OutboundMessage
from bot.flows.model import render
from bot.messaging.outbound import queue_message
from bot.tickets.notices import status_label
from bot.translatable import N_, Code, TranslatableError

__all__ = ["STATUSES", "OPEN_STATUSES", "FOLLOWUP_JOB", "TransitionError", "change_status"]

STATUSES = (
    "received",
    "delivered",
    "delivery_failed",
    "acknowledged",
    "in_progress",
    "resolved",
    "closed",
    "rejected",
)
OPEN_STATUSES = ("received", "delivered", "delivery_failed", "acknowledged", "in_progress")
FINAL_STATUSES = ("closed", "rejected")
TOLD_STATUSES = {"resolved": "notice_resolved", "rejected": "notice_rejected"}  # status -> message in flows.yaml
FOLLOWUP_JOB = "ask_back"  # the outbox kind that asks a resident whether their resolved ticket is fixed


class TransitionError(TranslatableError):
    """The status change is not allowed (unknown status, a closed ticket, a rejection without reason)."""


def change_status(
    session: Session,
    flows: Flows,
    ticket: Ticket,
    status: str,
    actor: str,
    reason: str = "",
    detail: dict | None = None,
    ask_back_after: timedelta | None = None,
) -> TicketEvent | None:
    """Move a ticket to status, audit it, and tell the resident (and those of linked duplicates) when it ends.

    A resolution with ask_back_after (FOLLOWUP_DELAY_HOURS) also schedules asking its own resident, that long
    after, whether it is really fixed (bot/tickets/followup.py); residents of linked duplicates are told, not asked.
    Returns the audit event, or None when the ticket already had that status (an idempotent repeat).
    """
    _check(ticket, status, reason)
    if ticket.status == status:
        return None
    event = TicketEvent(
        ticket_id=ticket.id,
        kind="status_changed",
        actor=actor,
        detail={"from": ticket.status, "to": status, **({"reason": reason} if reason else {}), **(detail or {})},
    )
    ticket.status, ticket.updated_at = status, utcnow()
    session.add_all([ticket, event])
    if status in TOLD_STATUSES:
        for told in [ticket, *_duplicates_of(session, ticket)]:
            _tell_resident(session, flows, told, ticket, status, reason)
    if status == "resolved" and ask_back_after is not None:
        _ask_back_later(session, ticket, event, ask_back_after)
    return event


def _ask_back_later(session: Session, ticket: Ticket, resolution: TicketEvent, delay: timedelta) -> None:
    """One question about this resolution, due `delay` after it (the outbox's available_at keeps it till then)."""
    session.flush()  # the resolution's id names the question: at most one per resolution
    payload = {"resolution_id": resolution.id}
    session.add(
        Outbox(
            kind=FOLLOWUP_JOB, ticket_id=ticket.id, payload=payload, available_at=as_utc(resolution.created_at) + delay
        )
    )


def _check(ticket: Ticket, status: str, reason: str) -> None:
    if status not in STATUSES:
        raise TransitionError(
            N_("unknown status '%(status)s' (known: %(known)s)"), status=status, known=", ".join(STATUSES)
        )
    if ticket.status in FINAL_STATUSES and status != ticket.status:
        raise TransitionError(
            N_("ticket %(folio)s is %(status)s; it cannot become %(new_status)s"),
            folio=ticket.folio,
            status=Code("status", ticket.status),
            new_status=Code("status", status),
        )
    if status == "rejected" and not reason.strip():
        raise TransitionError(N_("a rejection needs a reason"))


def _duplicates_of(session: Session, ticket: Ticket) -> list[Ticket]:
    return list(session.exec(select(Ticket).where(Ticket.duplicate_of == ticket.id)).all())


def _tell_resident(session: Session, flows: Flows, told: Ticket, original: Ticket, status: str, reason: str) -> None:
    key = TOLD_STATUSES[status]
    if key not in flows.messages:
        return
    values = {
        "folio": told.folio,
        "summary": told.summary,  # their own words: the original's summary is another resident's text
        "reason": reason,
        "status": status_label(flows, status, told.lang),
    }
    text = render(flows.message(key, told.lang), values)
    queue_message(session, flows, told.contact_id, "ticket_update", OutboundMessage(text), values, told.lang)
