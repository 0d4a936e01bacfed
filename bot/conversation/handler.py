"""Handling one inbound message: dedupe, lock the contact, run the engine, save, relay."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.channels import downloads_media, replies_inline
from bot.conversation.event_handlers import Applied, EventContext, apply_event
from bot.conversation.rows import (
    Snapshot,
    create_contact,
    move_conversation,
    previous_replies,
    queue_work,
    read_conversation,
    remember_version,
    store_inbound,
    store_replies,
    version_text,
)
from bot.conversation.ticket_cap import DailyCap, day_start
from bot.db.database import connection_transaction
from bot.db.tables import utcnow
from bot.flows import State, advance
from bot.flows.messages import InboundMessage, OutboundMessage
from bot.jobs.outbox import enqueue
from bot.metrics import message_received, messages_sent, ticket_opened
from bot.services import Services
from bot.tickets.folio import new_folio

__all__ = ["Handled", "handle_inbound"]


@dataclass(frozen=True)
class Handled:
    """The replies to send back, and whether the message had been handled before."""

    replies: tuple[OutboundMessage, ...]
    duplicate: bool = False
    opened: tuple[str, ...] = ()  # the departments of the tickets this message filed


def handle_inbound(svc: Services, msg: InboundMessage) -> Handled:
    """Handle one resident message exactly once, in order, and return the bot's replies.

    The first try reads and runs the engine outside SQLite's write lock and then
    writes only if the conversation did not move meanwhile (its seq); when it did,
    or the same message id raced in, the message is handled again wholly inside
    BEGIN IMMEDIATE, which always succeeds.
    """
    try:
        handled, outbox = _handle_optimistically(svc, msg)
    except (IntegrityError, ConversationMovedError):
        handled, outbox = _handle_locked(svc, msg)
    if outbox:
        enqueue(svc.queue, outbox)
    if not handled.duplicate:
        _count(msg, handled)
    return handled


def _count(msg: InboundMessage, handled: Handled) -> None:
    """The committed message in the metrics: received, its replies answered inline, the tickets it filed."""
    message_received(msg.channel)
    if replies_inline(msg.provider):
        messages_sent(msg.channel, "replied_inline", len(handled.replies))
    for department in handled.opened:
        ticket_opened(department)


class ConversationMovedError(Exception):
    """Another message of the same resident was handled between our read and our write."""


def _handle_optimistically(svc: Services, msg: InboundMessage):
    now = utcnow()
    with connection_transaction(svc.engine) as connection:  # one read snapshot, no lock
        previous = previous_replies(connection, msg)
        if previous is not None:
            return Handled(previous, duplicate=True), []
        snapshot = read_conversation(connection, msg)
        flows, turn = _decide(svc, connection, snapshot, msg, now)
    with connection_transaction(svc.engine, immediate=True) as connection:
        return _write(svc, connection, msg, snapshot, flows, turn, now)


def _handle_locked(svc: Services, msg: InboundMessage, tries: int = 3):
    """Handle the message holding the lock; on PostgreSQL a first contact may still race once more."""
    for attempt in range(tries):
        try:
            return _handle_under_lock(svc, msg)
        except (IntegrityError, ConversationMovedError):
            if attempt == tries - 1:
                raise


def _handle_under_lock(svc: Services, msg: InboundMessage):
    now = utcnow()
    with connection_transaction(svc.engine, immediate=True) as connection:
        previous = previous_replies(connection, msg)
        if previous is not None:
            return Handled(previous, duplicate=True), []
        snapshot = read_conversation(connection, msg, lock=True)
        flows, turn = _decide(svc, connection, snapshot, msg, now)
        return _write(svc, connection, msg, snapshot, flows, turn, now)


def _decide(svc: Services, connection: Connection, snapshot: Snapshot, msg: InboundMessage, now):
    """Run the engine on the flows version the conversation started with.

    The engine gets the city's local time, so "hoy" and "ayer" are the resident's days; the folio
    (and everything stored) stays in UTC.
    """
    state = State.from_dict(snapshot.state)
    flows = svc.flow_store.for_version(state.version, lambda v: version_text(connection, v))
    local = now.astimezone(svc.config.city_zone())
    return flows, advance(flows, state, msg, local, new_folio(now), svc.places())


def _write(svc: Services, connection: Connection, msg: InboundMessage, snapshot: Snapshot, flows, turn, now):
    """Store the message, the new state, the events' records and the replies; return what to relay."""
    contact_id, conversation_id = snapshot.contact_id, snapshot.conversation_id
    if conversation_id is None:
        contact_id, conversation_id = create_contact(connection, msg, now)
    if not move_conversation(connection, snapshot, conversation_id, turn.state.to_dict(), now):
        raise ConversationMovedError(conversation_id)
    inbound_id = store_inbound(connection, contact_id, msg, now, _asked_about(snapshot))
    remember_version(connection, flows.version, svc.flow_store.texts[flows.version], svc.saved_versions)
    applied = _apply_events(connection, turn.events, lambda: _event_context(svc, contact_id, msg, flows, now))
    replies = _withdrawing(turn.replies, applied) + tuple(r for a in applied for r in a.replies)
    inline = replies_inline(msg.provider)
    to_send = store_replies(connection, contact_id, inbound_id, msg, replies, now, inline)
    work = [(row.id, row.kind) for a in applied for row in a.outbox]
    if to_send:
        work.append(queue_work(connection, "send_messages", {"message_ids": to_send}, now))
    if msg.media and downloads_media(msg.provider):
        work.append(queue_work(connection, "download_media", {"message_id": inbound_id}, now))
    return Handled(replies, opened=tuple(a.opened for a in applied if a.opened)), work


def _asked_about(snapshot: Snapshot) -> str:
    """The folio the city asked this resident about (a follow-up under way), which their message answers."""
    about = (snapshot.state or {}).get("about") if (snapshot.state or {}).get("flow") else None
    folio = about.get("folio") if isinstance(about, dict) else None
    return folio if isinstance(folio, str) else ""


def _daily_cap(svc: Services, now) -> DailyCap:
    """The reports a resident may file per day, counted from the start of the city's day."""
    return DailyCap(svc.config.tickets_per_contact_per_day, day_start(now, svc.config.city_zone()))


def _withdrawing(replies: tuple[OutboundMessage, ...], applied: list[Applied]) -> tuple[OutboundMessage, ...]:
    """The engine's replies, less the closing words of a report the daily cap kept from being filed.

    The engine closes a flow with its last reply (the done message with the folio, or the handover one);
    any other reply that names the folio goes too, as that folio was never filed.
    """
    folios = [a.withdrawn for a in applied if a.withdrawn]
    if not folios:
        return replies
    return tuple(r for r in replies[:-1] if not any(folio in r.text for folio in folios))


def _event_context(svc: Services, contact_id: int, msg: InboundMessage, flows, now) -> EventContext:
    """What the events' handlers need: today's cap and the city's day (ARCO deadlines count from it)."""
    today = now.astimezone(svc.config.city_zone()).date()
    return EventContext(contact_id, msg.channel, flows, _daily_cap(svc, now), today=today, config=svc.config)


def _apply_events(connection: Connection, events: tuple, context) -> list:
    """Apply the turn's events with the ORM, inside the message's transaction (most turns have none, and pay
    nothing: their context is made only when there are events)."""
    if not events:
        return []
    ctx = context()
    with Session(bind=connection, expire_on_commit=False) as session:
        applied = [apply_event(session, event, ctx) for event in events]
        session.flush()
    return applied
