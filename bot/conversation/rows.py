"""The rows one message touches, as SQLAlchemy Core statements built once (the hot path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, CursorResult

from bot.db.tables import Contact, ContactAddress, Conversation, FlowVersion, Message, Outbox, utcnow
from bot.flows.messages import InboundMessage, OutboundMessage

__all__ = [
    "Snapshot",
    "address_kind",
    "previous_replies",
    "read_conversation",
    "create_contact",
    "move_conversation",
    "store_inbound",
    "store_replies",
    "queue_work",
    "version_text",
    "remember_version",
]

MESSAGE, CONVERSATION, ADDRESS = Message.__table__, Conversation.__table__, ContactAddress.__table__
CONTACT, FLOW_VERSION, OUTBOX = Contact.__table__, FlowVersion.__table__, Outbox.__table__

_FIND_MESSAGE = select(MESSAGE.c.id).where(
    MESSAGE.c.provider == bindparam("provider"), MESSAGE.c.provider_id == bindparam("provider_id")
)
_FIND_REPLIES = (
    select(MESSAGE.c.text, MESSAGE.c.data)
    .where(MESSAGE.c.reply_to_id == bindparam("reply_to_id"))
    .order_by(MESSAGE.c.id)
)
_FIND_CONVERSATION = (
    select(CONVERSATION.c.contact_id, CONVERSATION.c.id, CONVERSATION.c.seq, CONVERSATION.c.state)
    .join(ADDRESS, ADDRESS.c.contact_id == CONVERSATION.c.contact_id)
    .where(ADDRESS.c.kind == bindparam("kind"), ADDRESS.c.address == bindparam("address"))
)
# PostgreSQL: the locked path holds the contact's conversation row (SQLite's BEGIN IMMEDIATE already does).
_FIND_CONVERSATION_FOR_UPDATE = _FIND_CONVERSATION.with_for_update(of=CONVERSATION)
_MOVE_CONVERSATION = (
    update(CONVERSATION)
    .where(CONVERSATION.c.id == bindparam("conversation_id"), CONVERSATION.c.seq == bindparam("read_seq"))
    .values(state=bindparam("new_state"), seq=bindparam("new_seq"), updated_at=bindparam("now"))
)
_INSERT_MESSAGE = insert(MESSAGE)
_FIND_VERSION = select(FLOW_VERSION.c.text).where(FLOW_VERSION.c.version == bindparam("version"))


@dataclass(frozen=True)
class Snapshot:
    """A conversation as read: who, which row, its seq and its state (ids None on first contact)."""

    contact_id: int | None
    conversation_id: int | None
    seq: int
    state: dict


def address_kind(channel: str) -> str:
    """How contacts are keyed on a channel: every phone channel shares the number."""
    return "webchat" if channel == "webchat" else "phone"


def previous_replies(connection: Connection, msg: InboundMessage) -> tuple[OutboundMessage, ...] | None:
    """Return the replies already given to this provider message id, or None if it is new."""
    if not msg.provider_id:
        return None
    found = connection.execute(_FIND_MESSAGE, {"provider": msg.provider, "provider_id": msg.provider_id}).scalar()
    if found is None:
        return None
    rows = connection.execute(_FIND_REPLIES, {"reply_to_id": found}).all()
    return tuple(OutboundMessage.from_stored(text, data) for text, data in rows)


def read_conversation(connection: Connection, msg: InboundMessage, lock: bool = False) -> Snapshot:
    """Read the sender's conversation (nothing yet on first contact); lock its row if asked."""
    statement = _FIND_CONVERSATION_FOR_UPDATE if lock else _FIND_CONVERSATION
    row = connection.execute(statement, {"kind": address_kind(msg.channel), "address": msg.sender}).first()
    return Snapshot(None, None, 0, {}) if row is None else Snapshot(row.contact_id, row.id, row.seq, row.state)


def create_contact(connection: Connection, msg: InboundMessage, now) -> tuple[int, int]:
    """Create a contact, its address and its conversation; a concurrent twin fails on uniqueness."""
    contact_id = _inserted_id(
        connection.execute(insert(CONTACT).values(name=msg.profile_name, lang=None, opted_out=False, created_at=now))
    )
    connection.execute(
        insert(ADDRESS).values(contact_id=contact_id, kind=address_kind(msg.channel), address=msg.sender)
    )
    conversation_id = _inserted_id(
        connection.execute(insert(CONVERSATION).values(contact_id=contact_id, state={}, seq=0, updated_at=now))
    )
    return contact_id, conversation_id


def move_conversation(connection: Connection, snapshot: Snapshot, conversation_id: int, state: dict, now) -> bool:
    """Write the new state if nobody moved the conversation since the snapshot; tell whether it was written."""
    result = connection.execute(
        _MOVE_CONVERSATION,
        {
            "conversation_id": conversation_id,
            "read_seq": snapshot.seq,
            "new_state": state,
            "new_seq": snapshot.seq + 1,
            "now": now,
        },
    )
    return result.rowcount == 1


def store_inbound(connection: Connection, contact_id: int, msg: InboundMessage, now, about: str = "") -> int:
    """Store what the resident sent; return its id. about: the folio of a ticket the city asked them about
    (its follow-up), kept with their answer so the ticket's page shows it."""
    data: dict[str, Any] = {"payload": msg.payload} if msg.payload else {}
    if about:
        data["folio"] = about
    if msg.location is not None:
        data["location"] = msg.location.as_dict()
    if msg.media:
        data["media"] = [{"url": m.url, "content_type": m.content_type} for m in msg.media]
    result = connection.execute(
        _INSERT_MESSAGE,
        dict(
            contact_id=contact_id,
            direction="in",
            channel=msg.channel,
            provider=msg.provider,
            provider_id=msg.provider_id or None,
            reply_to_id=None,
            text=msg.text,
            data=data,
            status="received",
            error="",
            created_at=now,
        ),
    )
    return _inserted_id(result)


def store_replies(
    connection: Connection, contact_id: int, inbound_id: int, msg: InboundMessage, replies, now, inline: bool
) -> list[int]:
    """Store the replies to a message, in order; return their ids when they still have to be sent."""
    rows = [
        dict(
            contact_id=contact_id,
            direction="out",
            channel=msg.channel,
            provider=msg.provider,
            provider_id=None,
            reply_to_id=inbound_id,
            text=reply.text,
            data=reply.as_data(),
            status="replied_inline" if inline else "queued",
            error="",
            created_at=now,
        )
        for reply in replies
    ]
    if inline:
        if rows:
            connection.execute(_INSERT_MESSAGE, rows)  # one statement for all
        return []
    return [_inserted_id(connection.execute(_INSERT_MESSAGE, row)) for row in rows]


def queue_work(connection: Connection, kind: str, payload: dict, now) -> tuple[int, str]:
    """Add an outbox row (work for RQ after commit); return (id, kind)."""
    row = insert(OUTBOX).values(kind=kind, payload=payload, status="pending", attempts=0, last_error="", created_at=now)
    row_id = _inserted_id(connection.execute(row))
    return row_id, kind


def version_text(connection: Connection, version: str) -> str | None:
    """The text of a flows version some process ran, if stored."""
    return connection.execute(_FIND_VERSION, {"version": version}).scalar()


def remember_version(connection: Connection, version: str, text: str, saved: set[str]) -> None:
    """Store the text of a flows version once per process, so any process can finish its conversations."""
    if version in saved:
        return
    if version_text(connection, version) is None:
        connection.execute(insert(FLOW_VERSION).values(version=version, text=text, created_at=utcnow()))
    saved.add(version)


def _inserted_id(result: CursorResult) -> int:
    """The primary key of the one row an INSERT just added."""
    key = result.inserted_primary_key
    assert key is not None  # SQLAlchemy reports it for every single-row INSERT
    return key[0]
