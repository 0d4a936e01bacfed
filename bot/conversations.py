"""Handling one inbound message: dedupe, lock the contact, run the engine, save, relay."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from .db import transaction
from .events import EventContext, apply_event
from .flows import State, advance
from .flows.messages import InboundMessage, OutboundMessage
from .folio import new_folio
from .models import Contact, ContactAddress, Conversation, FlowVersion, Message, utcnow
from .outbox import enqueue
from .services import Services

__all__ = ["Handled", "handle_inbound"]


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
    with transaction(svc.engine, immediate=True) as session:
        previous = _previous_replies(session, msg)
        if previous is not None:
            return Handled(previous, duplicate=True), []
        contact, conversation = _contact_and_conversation(session, msg)
        now = utcnow()
        inbound = _store_inbound(session, contact.id, msg)
        state = State.from_dict(conversation.state)
        flows = svc.flow_store.for_version(state.version, lambda v: _version_text(session, v))
        _remember_version(session, svc, flows.version)
        turn = advance(flows, state, msg, now, new_folio(now))
        conversation.state, conversation.updated_at = turn.state.to_dict(), now
        session.add(conversation)
        ctx = EventContext(contact, msg.channel, flows)
        applied = [apply_event(session, event, ctx) for event in turn.events]
        replies = turn.replies + tuple(r for a in applied for r in a.replies)
        for reply in replies:
            session.add(_outbound_row(contact.id, inbound.id, msg.channel, reply))
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
    found = session.exec(
        select(Message.id).where(Message.channel == msg.channel, Message.provider_id == msg.provider_id)
    ).first()
    if found is None:
        return None
    rows = session.exec(select(Message).where(Message.reply_to_id == found).order_by(Message.id)).all()
    return tuple(OutboundMessage(r.text, tuple(r.data.get("options", ()))) for r in rows)


def _contact_and_conversation(session: Session, msg: InboundMessage) -> tuple[Contact, Conversation]:
    """Find the sender's contact and conversation, creating them on first contact."""
    row = session.exec(
        select(Contact, Conversation)
        .join(ContactAddress, ContactAddress.contact_id == Contact.id)
        .join(Conversation, Conversation.contact_id == Contact.id)
        .where(ContactAddress.channel == msg.channel, ContactAddress.address == msg.sender)
        .with_for_update(of=Conversation)  # PostgreSQL: one message per contact at a time
    ).first()
    if row is not None:
        return row
    contact = Contact(name=msg.profile_name)
    session.add(contact)
    session.flush()
    session.add(ContactAddress(contact_id=contact.id, channel=msg.channel, address=msg.sender))
    conversation = Conversation(contact_id=contact.id, state={})
    return contact, conversation


def _store_inbound(session: Session, contact_id: int, msg: InboundMessage) -> Message:
    data = {"payload": msg.payload} if msg.payload else {}
    if msg.location is not None:
        data["location"] = msg.location.as_dict()
    if msg.media:
        data["media"] = [{"url": m.url, "content_type": m.content_type} for m in msg.media]
    row = Message(
        contact_id=contact_id, direction="in", channel=msg.channel,
        provider_id=msg.provider_id or None, text=msg.text, data=data,
    )
    session.add(row)
    session.flush()
    return row


def _outbound_row(contact_id: int, reply_to_id: int, channel: str, reply: OutboundMessage) -> Message:
    data = {"options": list(reply.options)} if reply.options else {}
    return Message(
        contact_id=contact_id, direction="out", channel=channel, reply_to_id=reply_to_id,
        text=reply.text, data=data, status="replied_inline",
    )
