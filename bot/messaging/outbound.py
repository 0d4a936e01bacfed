"""Writing to residents later (notices, operator replies, invitations): the channel they use,
their opt-out, and WhatsApp's 24-hour window (free text inside it, an approved template outside)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from bot.conversation.rows import address_kind
from bot.db.tables import Contact, ContactAddress, Conversation, Message, Outbox, as_utc, utcnow
from bot.flows import Flows
from bot.flows.messages import OutboundMessage

__all__ = [
    "Route",
    "route_for",
    "contact_address",
    "queue_message",
    "queue_messages",
    "contact_language",
    "WHATSAPP_WINDOW",
]

log = logging.getLogger(__name__)
WHATSAPP_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Route:
    """How to reach a contact now: the channel and provider they last wrote from, and when."""

    channel: str
    provider: str
    address: str
    last_inbound_at: datetime


def route_for(session: Session, contact_id: int) -> Route | None:
    """The channel of the contact's latest message (None if they never wrote)."""
    last = session.exec(
        select(Message).where(Message.contact_id == contact_id, Message.direction == "in").order_by(Message.id.desc())
    ).first()
    if last is None:
        return None
    return Route(
        last.channel, last.provider, contact_address(session, contact_id, last.channel), as_utc(last.created_at)
    )


def contact_address(session: Session, contact_id: int, channel: str) -> str | None:
    """Where to reach the contact on a channel: their number, or their web chat session."""
    return session.exec(
        select(ContactAddress.address).where(
            ContactAddress.contact_id == contact_id, ContactAddress.kind == address_kind(channel)
        )
    ).first()


def contact_language(session: Session, contact_id: int) -> str | None:
    """The language the contact's conversation is in."""
    state = session.exec(select(Conversation.state).where(Conversation.contact_id == contact_id)).first()
    return (state or {}).get("lang")


def _last_whatsapp_at(session: Session, contact_id: int) -> datetime | None:
    at = session.exec(
        select(Message.created_at)
        .where(Message.contact_id == contact_id, Message.direction == "in", Message.channel == "whatsapp")
        .order_by(Message.id.desc())
    ).first()
    return as_utc(at) if at else None


def queue_message(
    session: Session,
    flows: Flows,
    contact_id: int,
    kind: str,
    message: OutboundMessage,
    values: dict | None = None,
    lang: str | None = None,
    now: datetime | None = None,
    send: bool = True,
) -> Message | None:
    """Store a message for a resident and its sending in the outbox; None when they opted out or never wrote.

    send=False stores it queued without its own send job: the caller's job sends it (an erasure tells first).

    Outside WhatsApp's 24-hour window the template configured for `kind` is sent instead
    of free text; without one the message is stored as failed, with the reason.
    """
    now = now or utcnow()
    contact = session.get(Contact, contact_id)
    route = route_for(session, contact_id)
    if contact is None or contact.opted_out or route is None:
        log.info(
            "not writing to contact %s (%s)", contact_id, "opted out" if contact and contact.opted_out else "no channel"
        )
        return None
    row = Message(
        contact_id=contact_id,
        direction="out",
        channel=route.channel,
        provider=route.provider,
        text=message.text,
        data={**message.as_data(), "kind": kind, **_about(values)},
        status="queued",
        created_at=now,
    )
    if (
        route.channel == "whatsapp"
        and now - (_last_whatsapp_at(session, contact_id) or route.last_inbound_at) > WHATSAPP_WINDOW
    ):
        template = flows.template(kind, route.provider, lang or flows.default_language, values or {})
        if template is None:
            row.status, row.error = (
                "failed",
                f"outside WhatsApp's 24-hour window and no '{kind}' template for {route.provider}",
            )
        row.data = {**row.data, "template": template}
    session.add(row)
    session.flush()
    if row.status == "queued" and send:
        session.add(Outbox(kind="send_messages", payload={"message_ids": [row.id]}))
    return row


def _about(values: dict | None) -> dict:
    """The folio a message is about, kept with it so the ticket's page shows it."""
    return {"folio": values["folio"]} if values and values.get("folio") else {}


def queue_messages(session: Session, message_ids: list[int]) -> Outbox:
    """Queue stored messages to be sent in order by one job (the replies to one inbound message)."""
    outbox = Outbox(kind="send_messages", payload={"message_ids": message_ids})
    session.add(outbox)
    return outbox
