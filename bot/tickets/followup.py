"""Asking residents back after their ticket is resolved: is it really fixed, and how satisfied are they (1-5)?

A resolution schedules one `ask_back` outbox row, due FOLLOWUP_DELAY_HOURS later (bot/tickets/lifecycle.py). When it is due,
`ask` starts flows.yaml's follow-up flow in the resident's conversation (the engine's `start_followup`, with the
ticket's folio and summary) and sends its question like any later message (`queue_message`: their channel, their
opt-out, WhatsApp's 24-hour window and the approved `ticket_followup` template). Their answer comes back through the
webhook as any message does and ends in a FollowupAnswered event, applied by `record_answer`: the answer is kept
for the overview, and "no" reopens the ticket, the resident's words as its reason, for its operators to see.

At most once per resolution, and only about the latest one: a ticket reopened and resolved again is asked about
the new fix (the first fix failed; whether the second worked is exactly what is worth knowing), while a question
still pending when the ticket moved on is not sent. Nobody who opted out or was erased is asked, nor a resident in
the middle of another conversation (the question waits for that one to end), nor anyone a week after the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from bot.db.tables import Contact, Conversation, Ticket, TicketEvent, TicketFollowup, as_utc
from bot.flows import Flows, State
from bot.flows.engine import start_followup
from bot.flows.events import FollowupAnswered
from bot.flows.messages import OutboundMessage
from bot.flows.model import render
from bot.messaging.outbound import contact_language, queue_message, route_for
from bot.messaging.text import single_line
from bot.tickets.folio import select_by_folio
from bot.tickets.lifecycle import change_status

__all__ = ["MESSAGE_KIND", "STALE_AFTER", "Asked", "ask", "record_answer"]

MESSAGE_KIND = "ticket_followup"  # the kind flows.yaml `templates:` names for the question outside WhatsApp's window
STALE_AFTER = timedelta(days=7)  # a question not asked within a week of the fix is not asked at all
BUSY_WAIT = timedelta(minutes=30)  # how long a question waits for a conversation that never expires
WORDS_LENGTH = 500  # characters of the resident's words kept as the reopening's reason


@dataclass(frozen=True)
class Asked:
    """What became of a scheduled question: what the job says, and when to try again (a resident mid-conversation)."""

    outcome: str
    retry_at: datetime | None = None


def ask(session: Session, flows: Flows, ticket_id: int, resolution_id: int, now: datetime) -> Asked:
    """Ask the resident about the resolution, or record why not; safe to run twice (one row per resolution)."""
    if session.exec(select(TicketFollowup.id).where(TicketFollowup.resolution_id == resolution_id)).first():
        return Asked("already asked")
    ticket = session.get(Ticket, ticket_id)
    resolution = session.get(TicketEvent, resolution_id)
    if ticket is None or resolution is None:
        return Asked("no such ticket or resolution")
    conversation = _conversation(session, ticket.contact_id)
    state = State.from_dict(conversation.state if conversation else None)
    reason = _why_not(session, flows, ticket, resolution, state, now)
    if reason == "busy":
        return Asked("the resident is in another conversation; asking later", _busy_until(flows, state, now))
    if reason:
        return _not_asked(session, ticket, resolution_id, reason)
    about = {"folio": ticket.folio, "summary": ticket.summary}
    lang = contact_language(session, ticket.contact_id) or ticket.lang
    route = route_for(session, ticket.contact_id)
    turn = start_followup(flows, lang, about, now, route.channel if route else "")
    if turn is None or not turn.replies:
        return _not_asked(session, ticket, resolution_id, "no_followup_flow")
    question = replace(turn.replies[-1], text="\n\n".join(r.text for r in turn.replies))  # one message
    message = queue_message(session, flows, ticket.contact_id, MESSAGE_KIND, question, about, lang, now)
    if message is None:
        return _not_asked(session, ticket, resolution_id, "no_channel")
    if message.status == "failed":  # outside WhatsApp's window with no approved template: the message says so
        return _not_asked(session, ticket, resolution_id, "no_template", message.id)
    conversation = conversation or Conversation(contact_id=ticket.contact_id)  # every contact who wrote has one
    conversation.state, conversation.seq, conversation.updated_at = turn.state.to_dict(), conversation.seq + 1, now
    session.add(conversation)  # a message of theirs read before this is written again (its seq no longer fits)
    session.add(_followup(ticket, resolution_id, "asked", "", message.id))
    return Asked(f"asked about {ticket.folio}")


def _why_not(
    session: Session, flows: Flows, ticket: Ticket, resolution: TicketEvent, state: State, now: datetime
) -> str:
    """Why the resident is not asked now ("" when they are; "busy" when later)."""
    contact = session.get(Contact, ticket.contact_id)
    latest = session.exec(
        select(func.max(TicketEvent.id)).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "status_changed")
    ).one()
    if contact is None or contact.anonymised_at is not None:
        return "erased"
    if contact.opted_out or state.opted_out:
        return "opted_out"
    if ticket.status != "resolved" or latest != resolution.id:
        return "no_longer_resolved"  # reopened, closed, or resolved again (that resolution asks for itself)
    if now - as_utc(resolution.created_at) > STALE_AFTER:
        return "stale"
    if flows.followup is None:
        return "no_followup_flow"
    if state.flow and not _expired(flows, state, now):
        return "busy"
    return ""


def _expired(flows: Flows, state: State, now: datetime) -> bool:
    expiry = flows.expire_after
    if not (state.updated_at and expiry):
        return False
    return now - datetime.fromisoformat(state.updated_at) > expiry


def _busy_until(flows: Flows, state: State, now: datetime) -> datetime:
    """When the conversation under way expires (its question is then asked), or a while from now."""
    if state.updated_at and flows.expire_after:
        return max(datetime.fromisoformat(state.updated_at) + flows.expire_after, now) + timedelta(minutes=1)
    return now + BUSY_WAIT


def _conversation(session: Session, contact_id: int) -> Conversation | None:
    """The contact's conversation, held until commit (PostgreSQL; SQLite's write transaction already holds it)."""
    return session.exec(select(Conversation).where(Conversation.contact_id == contact_id).with_for_update()).first()


def _not_asked(
    session: Session, ticket: Ticket, resolution_id: int, reason: str, message_id: int | None = None
) -> Asked:
    session.add(_followup(ticket, resolution_id, "not_asked", reason, message_id))
    return Asked(f"not asked about {ticket.folio}: {reason}")


def _followup(ticket: Ticket, resolution_id: int, status: str, reason: str, message_id: int | None) -> TicketFollowup:
    assert ticket.id is not None  # a stored ticket
    return TicketFollowup(
        ticket_id=ticket.id,
        resolution_id=resolution_id,
        contact_id=ticket.contact_id,
        department=ticket.department,
        status=status,
        reason=reason,
        message_id=message_id,
    )


def record_answer(
    session: Session, flows: Flows, event: FollowupAnswered, contact_id: int, now: datetime
) -> tuple[OutboundMessage, ...]:
    """Keep the resident's answer; "no" reopens the ticket with their words. Returns what to tell them besides.

    Only their own ticket, and only a question still open: an answer to a question already answered changes nothing.
    """
    ticket = session.exec(select_by_folio(event.folio).where(Ticket.contact_id == contact_id)).first()
    if ticket is None:
        return ()
    asked = session.exec(
        select(TicketFollowup)
        .where(TicketFollowup.ticket_id == ticket.id, TicketFollowup.status == "asked")
        .order_by(TicketFollowup.id.desc())
    ).first()
    if asked is None:
        return ()
    asked.status, asked.fixed, asked.rating, asked.answered_at = "answered", event.fixed, event.rating, now
    session.add(asked)
    detail = {"fixed": event.fixed, "rating": event.rating}
    session.add(TicketEvent(ticket_id=ticket.id, kind="followup_answered", actor="resident", detail=detail))
    if event.fixed is not False or ticket.status != "resolved":
        return ()
    words = single_line(event.words, WORDS_LENGTH)
    change_status(session, flows, ticket, "in_progress", actor="resident", reason=words, detail={"reopened": True})
    if "followup_reopened" not in flows.messages:
        return ()
    text = render(flows.message("followup_reopened", event.lang), {"folio": ticket.folio, "summary": ticket.summary})
    return (OutboundMessage(text),)
