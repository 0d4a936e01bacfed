"""One handler per engine event, applied in the same transaction as the message."""

from __future__ import annotations

from typing import Callable

from sqlmodel import Session

from .flows.engine import SurveyCompleted, TicketOpened
from .models import Outbox, SurveyResponse, Ticket, TicketEvent

__all__ = ["EVENT_HANDLERS", "apply_event", "EventContext"]


class EventContext:
    """Who the event belongs to and where it came from."""

    def __init__(self, contact_id: int, channel: str):
        self.contact_id, self.channel = contact_id, channel


def open_ticket(session: Session, event: TicketOpened, ctx: EventContext) -> list[Outbox]:
    """Store the ticket, its first audit entry and its delivery in the outbox."""
    location = event.location or {}
    ticket = Ticket(
        folio=event.folio, contact_id=ctx.contact_id, channel=ctx.channel, flow=event.flow,
        department=event.department, category=event.category, priority=event.priority,
        summary=event.summary, lang=event.lang, answers=event.answers, media=list(event.media),
        address=location.get("address") or location.get("label"),
        latitude=location.get("latitude"), longitude=location.get("longitude"),
    )
    session.add(ticket)
    session.flush()
    session.add(TicketEvent(ticket_id=ticket.id, kind="received", actor="resident", detail={"channel": ctx.channel}))
    outbox = Outbox(kind="deliver_ticket", ticket_id=ticket.id)
    session.add(outbox)
    return [outbox]


def store_survey_response(session: Session, event: SurveyCompleted, ctx: EventContext) -> list[Outbox]:
    """Store a completed survey; nothing to deliver."""
    session.add(SurveyResponse(flow=event.flow, contact_id=ctx.contact_id, lang=event.lang, answers=event.answers))
    return []


EVENT_HANDLERS: dict[type, Callable[[Session, object, EventContext], list[Outbox]]] = {
    TicketOpened: open_ticket,
    SurveyCompleted: store_survey_response,
}


def apply_event(session: Session, event, ctx: EventContext) -> list[Outbox]:
    """Apply one event; return the outbox rows to relay after commit."""
    return EVENT_HANDLERS[type(event)](session, event, ctx)
