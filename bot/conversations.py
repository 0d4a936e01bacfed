"""Handling one inbound message: dedupe, lock the contact, run the engine, save, relay."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from .db import transaction
from .events import EventContext, apply_event
from .flows import State, advance
from .flows.messages import InboundMessage, OutboundMessage
from .folio import new_folio
from .models import Contact, ContactAddress, Conversation, FlowVersion, Message, utcnow
from .outbox import enqueue
from .services import Services

__all__ = ["Handled", "handle_inbound"]

MESSAGE, CONVERSATION, ADDRESS = Message.__table__, Conversation.__table__, ContactAddress.__table__


@dataclass(frozen=True)
class Handled:
    """The replies to send back, and whether the message had been handled before."""

    replies: tuple[OutboundMessage, ...]
    duplicate: bool = False


def handle_inbound(svc: Services, msg: InboundMessage) -> Handled:
    """Handle one resident message exactly once and return the bot's replies."""
    try:
        handled, outbox = _handle_in_transaction(svc, msg)
    except IntegrityError:
        # Another process stored the same provider message id first: answer as it did.
        handled, outbox = _handle_in_transaction(svc, msg)
    if outbox:
        enqueue(svc.queue, outbox)
    return handled


def _handle_in_transaction(svc: Services, msg: InboundMessage) -> tuple[Handled, list[tuple[int, str]]]:
    # The hot path uses SQLAlchemy Core statements: a handful per message, no ORM unit of work.
    with transaction(svc.engine, immediate=True) as session:
        previous = _previous_replies(session, msg)
        if previous is not None:
            return Handled(previous, duplicate=True), []
        now = utcnow()
        contact_id, conversation_id, stored_state = _find_conversation(session, msg, now)
        inbound_id = _store_inbound(session, contact_id, msg, now)
        state = State.from_dict(stored_state)
        flows = svc.flow_store.for_version(state.version, lambda v: _version_text(session, v))
        _remember_version(session, svc, flows.version)
        turn = advance(flows, state, msg, now, new_folio(now))
        session.execute(update(CONVERSATION).where(CONVERSATION.c.id == conversation_id).values(state=turn.state.to_dict(), updated_at=now))
        applied = [apply_event(session, event, EventContext(contact_id, msg.channel, flows)) for event in turn.events]
        replies = turn.replies + tuple(r for a in applied for r in a.replies)
        _store_replies(session, contact_id, inbound_id, msg.channel, replies, now)
        session.flush()
        return Handled(replies), [(row.id, row.kind) for a in applied for row in a.outbox]


def _version_text(session: Session, version: str) -> str | None:
    row = session.get(FlowVersion, version)
    return row.text if row else None


def _remember_version(session: Session, svc: Services, version: str) -> None:
    """Store the text of a flows version once per process, so any process can finish its conversations."""
    if version in svc.saved_versions:
        return
    if session.get(FlowVersion, version) is None:
        session.add(FlowVersion(version=version, text=svc.flow_store.texts[version]))
    svc.saved_versions.add(version)


def _previous_replies(session: Session, msg: InboundMessage) -> tuple[OutboundMessage, ...] | None:
    """Return the replies already given to this provider message id, or None if it is new."""
    if not msg.provider_id:
        return None
    found = session.execute(
        select(MESSAGE.c.id).where(MESSAGE.c.channel == msg.channel, MESSAGE.c.provider_id == msg.provider_id)
    ).scalar()
    if found is None:
        return None
    rows = session.execute(
        select(MESSAGE.c.text, MESSAGE.c.data).where(MESSAGE.c.reply_to_id == found).order_by(MESSAGE.c.id)
    ).all()
    return tuple(OutboundMessage(text, tuple(data.get("options", ()))) for text, data in rows)


def _find_conversation(session: Session, msg: InboundMessage, now) -> tuple[int, int, dict]:
    """Return the sender's contact id, conversation id and state, creating them on first contact."""
    row = session.execute(
        select(CONVERSATION.c.contact_id, CONVERSATION.c.id, CONVERSATION.c.state)
        .join(ADDRESS, ADDRESS.c.contact_id == CONVERSATION.c.contact_id)
        .where(ADDRESS.c.channel == msg.channel, ADDRESS.c.address == msg.sender)
        .with_for_update(of=CONVERSATION)  # PostgreSQL: one message per contact at a time
    ).first()
    if row is not None:
        return row.contact_id, row.id, row.state
    contact = Contact(name=msg.profile_name, created_at=now)
    session.add(contact)
    session.flush()
    conversation = Conversation(contact_id=contact.id, state={}, updated_at=now)
    session.add_all([ContactAddress(contact_id=contact.id, channel=msg.channel, address=msg.sender), conversation])
    session.flush()
    return contact.id, conversation.id, {}


def _store_inbound(session: Session, contact_id: int, msg: InboundMessage, now) -> int:
    data = {"payload": msg.payload} if msg.payload else {}
    if msg.location is not None:
        data["location"] = msg.location.as_dict()
    if msg.media:
        data["media"] = [{"url": m.url, "content_type": m.content_type} for m in msg.media]
    result = session.execute(insert(MESSAGE).values(
        contact_id=contact_id, direction="in", channel=msg.channel, provider_id=msg.provider_id or None,
        reply_to_id=None, text=msg.text, data=data, status="received", created_at=now,
    ))
    return result.inserted_primary_key[0]


def _store_replies(session: Session, contact_id: int, inbound_id: int, channel: str, replies, now) -> None:
    rows = [
        dict(
            contact_id=contact_id, direction="out", channel=channel, provider_id=None, reply_to_id=inbound_id,
            text=reply.text, data={"options": list(reply.options)} if reply.options else {},
            status="replied_inline", created_at=now,
        )
        for reply in replies
    ]
    if rows:
        session.execute(insert(MESSAGE), rows)
