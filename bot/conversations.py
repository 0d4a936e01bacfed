"""Handling one inbound message: dedupe, lock the contact, run the engine, save, relay."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
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
    return handled


class ConversationMovedError(Exception):
    """Another message of the same resident was handled between our read and our write."""


@dataclass(frozen=True)
class _Snapshot:
    """A conversation as read: who, which row, its seq and its state."""

    contact_id: int | None
    conversation_id: int | None
    seq: int
    state: dict


def _handle_optimistically(svc: Services, msg: InboundMessage):
    now = utcnow()
    with svc.engine.connect() as connection, connection.begin():  # one read snapshot, no ORM session
        previous = _previous_replies(connection, msg)
        if previous is not None:
            return Handled(previous, duplicate=True), []
        snapshot = _read_conversation(connection, msg)
        flows, turn = _decide(svc, connection, snapshot, msg, now)
    with transaction(svc.engine, immediate=True) as session:
        return _write(svc, session, msg, snapshot, flows, turn, now)


def _handle_locked(svc: Services, msg: InboundMessage):
    now = utcnow()
    with transaction(svc.engine, immediate=True) as session:
        connection = session.connection()
        previous = _previous_replies(connection, msg)
        if previous is not None:
            return Handled(previous, duplicate=True), []
        snapshot = _read_conversation(connection, msg)
        flows, turn = _decide(svc, connection, snapshot, msg, now)
        return _write(svc, session, msg, snapshot, flows, turn, now)


def _decide(svc: Services, connection: Connection, snapshot: _Snapshot, msg: InboundMessage, now):
    """Run the engine on the flows version the conversation started with."""
    state = State.from_dict(snapshot.state)
    flows = svc.flow_store.for_version(state.version, lambda v: _version_text(connection, v))
    return flows, advance(flows, state, msg, now, new_folio(now))


def _write(svc: Services, session: Session, msg: InboundMessage, snapshot: _Snapshot, flows, turn, now):
    """Store the message, the new state, the events' records and the replies; return what to relay."""
    contact_id, conversation_id = snapshot.contact_id, snapshot.conversation_id
    if conversation_id is None:
        contact_id, conversation_id = _create_contact(session, msg, now)
    moved = session.connection().execute(_MOVE_CONVERSATION, {
        "conversation_id": conversation_id, "read_seq": snapshot.seq,
        "new_state": turn.state.to_dict(), "new_seq": snapshot.seq + 1, "now": now,
    }).rowcount == 0
    if moved:
        raise ConversationMovedError(conversation_id)
    inbound_id = _store_inbound(session, contact_id, msg, now)
    _remember_version(session, svc, flows.version)
    applied = [apply_event(session, event, EventContext(contact_id, msg.channel, flows)) for event in turn.events]
    replies = turn.replies + tuple(r for a in applied for r in a.replies)
    _store_replies(session, contact_id, inbound_id, msg, replies, now)
    session.flush()
    return Handled(replies), [(row.id, row.kind) for a in applied for row in a.outbox]


def address_kind(channel: str) -> str:
    """How contacts are keyed on a channel: every phone channel shares the number."""
    return "webchat" if channel == "webchat" else "phone"


def _version_text(connection: Connection, version: str) -> str | None:
    table = FlowVersion.__table__
    return connection.execute(select(table.c.text).where(table.c.version == version)).scalar()


def _remember_version(session: Session, svc: Services, version: str) -> None:
    """Store the text of a flows version once per process, so any process can finish its conversations."""
    if version in svc.saved_versions:
        return
    if session.get(FlowVersion, version) is None:
        session.add(FlowVersion(version=version, text=svc.flow_store.texts[version]))
    svc.saved_versions.add(version)


# Statements built once: the hot path only binds values (no per-message statement construction).
_MOVE_CONVERSATION = (
    update(CONVERSATION)
    .where(CONVERSATION.c.id == bindparam("conversation_id"), CONVERSATION.c.seq == bindparam("read_seq"))
    .values(state=bindparam("new_state"), seq=bindparam("new_seq"), updated_at=bindparam("now"))
)
_INSERT_MESSAGE = insert(MESSAGE)
_FIND_MESSAGE = select(MESSAGE.c.id).where(
    MESSAGE.c.provider == bindparam("provider"), MESSAGE.c.provider_id == bindparam("provider_id")
)
_FIND_REPLIES = select(MESSAGE.c.text, MESSAGE.c.data).where(MESSAGE.c.reply_to_id == bindparam("reply_to_id")).order_by(MESSAGE.c.id)


def _previous_replies(connection: Connection, msg: InboundMessage) -> tuple[OutboundMessage, ...] | None:
    """Return the replies already given to this provider message id, or None if it is new."""
    if not msg.provider_id:
        return None
    found = connection.execute(_FIND_MESSAGE, {"provider": msg.provider, "provider_id": msg.provider_id}).scalar()
    if found is None:
        return None
    rows = connection.execute(_FIND_REPLIES, {"reply_to_id": found}).all()
    return tuple(OutboundMessage(text, tuple(data.get("options", ()))) for text, data in rows)


_FIND_CONVERSATION = (
    select(CONVERSATION.c.contact_id, CONVERSATION.c.id, CONVERSATION.c.seq, CONVERSATION.c.state)
    .join(ADDRESS, ADDRESS.c.contact_id == CONVERSATION.c.contact_id)
    .where(ADDRESS.c.kind == bindparam("kind"), ADDRESS.c.address == bindparam("address"))
)


def _read_conversation(connection: Connection, msg: InboundMessage) -> _Snapshot:
    """Read the sender's conversation (nothing yet on first contact)."""
    row = connection.execute(_FIND_CONVERSATION, {"kind": address_kind(msg.channel), "address": msg.sender}).first()
    if row is None:
        return _Snapshot(None, None, 0, {})
    return _Snapshot(row.contact_id, row.id, row.seq, row.state)


def _create_contact(session: Session, msg: InboundMessage, now) -> tuple[int, int]:
    """Create a contact, its address and its conversation; a concurrent twin fails on uniqueness."""
    contact = Contact(name=msg.profile_name, created_at=now)
    session.add(contact)
    session.flush()
    conversation = Conversation(contact_id=contact.id, state={}, seq=0, updated_at=now)
    address = ContactAddress(contact_id=contact.id, kind=address_kind(msg.channel), address=msg.sender)
    session.add_all([address, conversation])
    session.flush()
    return contact.id, conversation.id


def _store_inbound(session: Session, contact_id: int, msg: InboundMessage, now) -> int:
    data = {"payload": msg.payload} if msg.payload else {}
    if msg.location is not None:
        data["location"] = msg.location.as_dict()
    if msg.media:
        data["media"] = [{"url": m.url, "content_type": m.content_type} for m in msg.media]
    result = session.connection().execute(_INSERT_MESSAGE, dict(
        contact_id=contact_id, direction="in", channel=msg.channel, provider=msg.provider,
        provider_id=msg.provider_id or None,
        reply_to_id=None, text=msg.text, data=data, status="received", created_at=now,
    ))
    return result.inserted_primary_key[0]


def _store_replies(session: Session, contact_id: int, inbound_id: int, msg: InboundMessage, replies, now) -> None:
    channel, provider = msg.channel, msg.provider
    rows = [
        dict(
            contact_id=contact_id, direction="out", channel=channel, provider=provider, provider_id=None,
            reply_to_id=inbound_id,
            text=reply.text, data={"options": list(reply.options)} if reply.options else {},
            status="replied_inline", created_at=now,
        )
        for reply in replies
    ]
    if rows:
        session.connection().execute(_INSERT_MESSAGE, rows)
