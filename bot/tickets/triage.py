"""What an operator does to a ticket: assign it, move its status, note, reply to the resident, merge duplicates.

Each action checks its input, changes the ticket and writes an audit event with the operator's email as
actor, all in the caller's transaction. Nothing here knows about Flask: the dashboard calls these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from bot.db.tables import Contact, Message, Operator, Outbox, Ticket, TicketEvent
from bot.flows import Flows
from bot.flows.messages import OutboundMessage
from bot.messaging.outbound import queue_message
from bot.messaging.text import without_controls
from bot.tickets.lifecycle import OPEN_STATUSES, change_status
from bot.tickets.notices import duplicate_linked_notice, status_label
from bot.translatable import N_, Code, TranslatableError, TranslatableText

__all__ = [
    "TriageError",
    "OPERATOR_STATUSES",
    "MAX_NOTE",
    "MAX_REPLY",
    "MAX_REASON",
    "REPLY_KIND",
    "Reply",
    "record",
    "record_view",
    "assignable_operators",
    "assignee_for",
    "assign",
    "set_status",
    "add_note",
    "reply",
    "merge",
]

OPERATOR_STATUSES = ("acknowledged", "in_progress", "resolved", "closed", "rejected")  # the others are the system's
MAX_NOTE = 4000
MAX_REPLY = 1600  # Twilio's longest message body
MAX_REASON = 500
REPLY_KIND = "operator_reply"  # the kind flows.yaml `templates:` would name for replies outside WhatsApp's window


class TriageError(TranslatableError):
    """The action cannot be done as asked (empty or too long text, an unknown colleague, a wrong merge)."""


@dataclass(frozen=True)
class Reply:
    """What became of a reply: the stored message (None when the resident cannot be written to) and why."""

    message: Message | None
    reason: str = ""


def record(session: Session, ticket: Ticket, kind: str, operator: Operator, **detail) -> TicketEvent:
    """Add an audit event for the ticket with the operator as actor."""
    event = TicketEvent(ticket_id=ticket.id, kind=kind, actor=operator.email, detail=detail)
    session.add(event)
    return event


def record_view(session: Session, ticket: Ticket, operator: Operator) -> TicketEvent:
    """Audit that the operator saw the ticket (and so the resident's full phone number)."""
    return record(session, ticket, "viewed", operator)


def assignable_operators(session: Session, department: str) -> list[Operator]:
    """Active colleagues who may act on the department's tickets: its operators and every admin."""
    active = session.exec(select(Operator).where(Operator.active == True).order_by(Operator.name, Operator.email)).all()  # noqa: E712
    return [o for o in active if o.role == "admin" or (o.role == "operator" and department in (o.departments or []))]


def assignee_for(session: Session, ticket: Ticket, operator: Operator, choice: str) -> Operator | None:
    """The operator a form's choice names: "me", a colleague's id, or "" for nobody."""
    choice = (choice or "").strip()
    if choice == "":
        return None
    if choice == "me":
        choice = str(operator.id)
    chosen = next((o for o in assignable_operators(session, ticket.department) if str(o.id) == choice), None)
    if chosen is None:
        raise TriageError(
            N_("nobody who can work on %(department)s tickets has id '%(id)s'"),
            department=ticket.department,
            id=choice[:20],
        )
    return chosen


def assign(session: Session, ticket: Ticket, operator: Operator, assignee: Operator | None) -> TicketEvent | None:
    """Give the ticket to assignee (None: to nobody); None when it already was theirs."""
    if ticket.assignee_id == (assignee.id if assignee else None):
        return None
    before = session.get(Operator, ticket.assignee_id) if ticket.assignee_id else None
    ticket.assignee_id = assignee.id if assignee else None
    session.add(ticket)
    return record(
        session,
        ticket,
        "assigned",
        operator,
        **{"from": before.email if before else None, "to": assignee.email if assignee else None},
    )


def set_status(
    session: Session,
    flows: Flows,
    ticket: Ticket,
    operator: Operator,
    status: str,
    reason: str,
    ask_back_after: timedelta | None = None,
) -> TicketEvent | None:
    """Move the ticket to a status an operator may set (the resident is told of resolved/rejected, and asked back
    ask_back_after a resolution: FOLLOWUP_DELAY_HOURS)."""
    if status not in OPERATOR_STATUSES:
        raise TriageError(N_("choose a status among %(statuses)s"), statuses=", ".join(OPERATOR_STATUSES))
    reason = _text(reason, TranslatableText(N_("the reason")), MAX_REASON, required=False)
    return change_status(
        session, flows, ticket, status, actor=operator.email, reason=reason, ask_back_after=ask_back_after
    )


def add_note(session: Session, ticket: Ticket, operator: Operator, text: str) -> TicketEvent:
    """Keep an internal note on the ticket (never sent to the resident)."""
    return record(session, ticket, "note", operator, text=_text(text, TranslatableText(N_("the note")), MAX_NOTE))


def reply(session: Session, flows: Flows, ticket: Ticket, operator: Operator, text: str) -> Reply:
    """Write to the resident on their channel; a reply that cannot go out says why."""
    text = _text(text, TranslatableText(N_("the reply")), MAX_REPLY)
    values = {"folio": ticket.folio, "summary": ticket.summary, "reply": text}
    message = queue_message(session, flows, ticket.contact_id, REPLY_KIND, OutboundMessage(text), values, ticket.lang)
    if message is None:
        contact = session.get(Contact, ticket.contact_id)
        why = (
            TranslatableText(N_("the resident opted out of messages"))
            if contact and contact.opted_out
            else TranslatableText(N_("the resident has no channel to write to"))
        )
        return Reply(None, why)
    record(
        session,
        ticket,
        "replied",
        operator,
        text=text,
        message_id=message.id,
        status=message.status,
        **({"error": message.error} if message.error else {}),
    )
    return Reply(message, _why_failed(message.error))


def _why_failed(error: str) -> str:
    """Why a reply failed, in words an operator can act on (translatable); a provider's own error as it came."""
    if "24-hour window" in error:
        return TranslatableText(
            N_(
                "more than 24 hours passed since the resident last wrote on WhatsApp, and flows.yaml has no approved "
                "'%(kind)s' template for writing outside that window"
            ),
            kind=REPLY_KIND,
        )
    return error


def merge(session: Session, flows: Flows, ticket: Ticket, operator: Operator, original: Ticket | None) -> TicketEvent:
    """Close the ticket as a duplicate of an open original; its resident is told, and told again when it is fixed."""
    _check_merge(ticket, original)
    reason, detail = f"duplicate of {original.folio}", {"duplicate_of": original.folio}  # pages show detail's
    change_status(session, flows, ticket, "closed", actor=operator.email, reason=reason, detail=detail)
    for child in session.exec(select(Ticket).where(Ticket.duplicate_of == ticket.id)).all():
        _link(session, child, original, operator, via=ticket.folio)  # an original is never itself a duplicate
    event = _link(session, ticket, original, operator)
    _cancel_pending_delivery(session, ticket, original)
    _tell_linked(session, flows, ticket, original)
    return event


def _cancel_pending_delivery(session: Session, ticket: Ticket, original: Ticket) -> None:
    """A duplicate not yet delivered is not sent at all (as an automatic link is not): the department has the original."""
    for outbox in session.exec(
        select(Outbox).where(Outbox.ticket_id == ticket.id, Outbox.kind == "deliver_ticket", Outbox.status == "pending")
    ):
        outbox.status, outbox.last_error = "cancelled", f"merged into {original.folio}"
        session.add(outbox)


def _check_merge(ticket: Ticket, original: Ticket | None) -> None:
    if original is None:
        raise TriageError(N_("no such ticket among those you can see"))
    if original.id == ticket.id:
        raise TriageError(N_("a ticket cannot be a duplicate of itself"))
    if ticket.duplicate_of is not None:
        raise TriageError(N_("%(folio)s is already a duplicate of another ticket"), folio=ticket.folio)
    if original.duplicate_of is not None:
        raise TriageError(N_("%(folio)s is itself a duplicate: merge into its original instead"), folio=original.folio)
    if original.status not in OPEN_STATUSES:
        raise TriageError(
            N_("%(folio)s is %(status)s: merge only into an open ticket"),
            folio=original.folio,
            status=Code("status", original.status),
        )
    if ticket.status == "rejected":
        raise TriageError(N_("%(folio)s is rejected; it cannot be closed as a duplicate"), folio=ticket.folio)


def _link(
    session: Session, duplicate: Ticket, original: Ticket, operator: Operator, via: str | None = None
) -> TicketEvent:
    duplicate.duplicate_of = original.id
    session.add(duplicate)
    record(session, original, "duplicate_linked", operator, folio=duplicate.folio)
    return record(session, duplicate, "merged_into", operator, folio=original.folio, **({"via": via} if via else {}))


def _tell_linked(session: Session, flows: Flows, ticket: Ticket, original: Ticket) -> None:
    """The same words an automatic link sends: theirs joined an open report, and they will hear when it is fixed."""
    notice = duplicate_linked_notice(flows, ticket.lang, ticket.folio)
    if notice is None:
        return
    values = {"folio": ticket.folio, "status": status_label(flows, original.status, ticket.lang)}
    queue_message(session, flows, ticket.contact_id, "ticket_update", notice, values, ticket.lang)


def _text(value: str | None, what: TranslatableText, limit: int, required: bool = True) -> str:
    """Form text as stored: trimmed, without control characters (PostgreSQL refuses NUL); refused when empty or too long."""
    text = without_controls(value or "").strip()
    if required and not text:
        raise TriageError(N_("%(what)s is empty"), what=what)
    if len(text) > limit:
        raise TriageError(
            N_("%(what)s is %(length)d characters long; the limit is %(limit)d"),
            what=what,
            length=len(text),
            limit=limit,
        )
    return text
