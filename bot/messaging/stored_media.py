"""Recording our own copy of an attachment on the message that brought it and on its tickets."""

from __future__ import annotations

from sqlmodel import select

from bot.db.engine import transaction
from bot.db.tables import Message, Ticket

__all__ = ["record_stored_media"]


def record_stored_media(engine, provider: str, provider_id: str, stored: dict) -> bool:
    """Put stored ({"url", "content_type", "stored", "size"}) in place of the item with its url; tell whether the message exists."""
    url = stored["url"]
    with transaction(engine, immediate=True) as session:
        message = session.exec(
            select(Message).where(Message.provider == provider, Message.provider_id == provider_id)
        ).first()
        if message is None:
            return False
        message.data = {
            **message.data,
            "media": [stored if m.get("url") == url else m for m in message.data.get("media", [])],
        }
        session.add(message)
        for ticket in session.exec(select(Ticket).where(Ticket.contact_id == message.contact_id)).all():
            if any(m.get("url") == url and not m.get("stored") for m in ticket.media):
                ticket.media = [stored if m.get("url") == url else m for m in ticket.media]
                session.add(ticket)
    return True
