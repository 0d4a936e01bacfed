"""Telling a resident which kinds of message the bot reads, when they sent one it cannot."""

from __future__ import annotations

from sqlmodel import select

from bot.db.tables import ContactAddress, Message, utcnow
from bot.flows.messages import InboundMessage, OutboundMessage
from bot.jobs.outbox import unit_of_work
from bot.messaging.outbound import WHATSAPP_WINDOW, contact_language, queue_message, route_for

__all__ = ["tell_unsupported"]

NOTICE = "unsupported_message"  # the flows.yaml message that lists what the bot reads


def tell_unsupported(svc, msg: InboundMessage) -> None:
    """Queue the unsupported_message notice before the engine re-asks (flows.yaml permitting).

    Only for a known resident whose last message came over the same provider within WhatsApp's
    window; a first-time sender just gets the menu, and a redelivered message is not told twice.
    """
    flows = svc.flows
    if NOTICE not in flows.messages:
        return
    with unit_of_work(svc) as session:
        contact_id = _known_contact(session, msg)
        if contact_id is None or not _within_window(session, contact_id, msg.provider):
            return
        lang = contact_language(session, contact_id) or flows.default_language
        queue_message(session, flows, contact_id, NOTICE, OutboundMessage(flows.message(NOTICE, lang)), lang=lang)


def _known_contact(session, msg: InboundMessage) -> int | None:
    """The sender's contact id, unless the message was already handled (a redelivery)."""
    seen = session.exec(
        select(Message.id).where(Message.provider == msg.provider, Message.provider_id == msg.provider_id)
    ).first()
    if seen is not None:
        return None
    return session.exec(
        select(ContactAddress.contact_id).where(ContactAddress.kind == "phone", ContactAddress.address == msg.sender)
    ).first()


def _within_window(session, contact_id: int, provider: str) -> bool:
    route = route_for(session, contact_id)
    return route is not None and route.provider == provider and utcnow() - route.last_inbound_at <= WHATSAPP_WINDOW
