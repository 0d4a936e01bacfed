"""Recording our own copy of an attachment on the message that brought it and on its tickets."""

from __future__ import annotations

from sqlmodel import select

from bot.db.database import transaction
from bot.db.tables import Message, Ticket

__all__ = ["record_stored_media", "put_on_tickets"]


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
        put_on_tickets(session, message.contact_id, [stored])
    return True


def put_on_tickets(session, contact_id: int, stored: list[dict]) -> None:
    """Tickets keep our copy: each stored item takes the place of the provider URL they list."""
    by_url = {m["url"]: m for m in stored}
    for ticket in session.exec(select(Ticket).where(Ticket.contact_id == contact_id)).all():
        if any(m.get("url") in by_url for m in ticket.media):
            ticket.media = [by_url.get(m.get("url"), m) for m in ticket.media]
            session.add(ticket)
