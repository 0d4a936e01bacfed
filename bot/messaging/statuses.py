"""Delivery statuses reported by providers (sent, delivered, read, failed) on our stored messages."""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlmodel import select

from bot.db.database import transaction
from bot.db.tables import Message

__all__ = ["record_status", "STATUS_ORDER"]

log = logging.getLogger(__name__)
# A late "sent" must not overwrite "read": statuses only move forward (failed always wins).
STATUS_ORDER = {
    "queued": 0,
    "accepted": 1,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "read": 4,
    "failed": 9,
    "undelivered": 9,
}


def record_status(engine, provider: str, provider_id: str, status: str, error: str = "") -> bool:
    """Record a provider's status for one of our messages; tell whether the message was ours."""
    rank = STATUS_ORDER.get(status, 0)
    earlier = [s for s, r in STATUS_ORDER.items() if r < rank] + ["replied_inline"]
    with transaction(engine, immediate=True) as session:
        known = session.execute(
            update(Message)
            .where(Message.provider == provider, Message.provider_id == provider_id)
            .where(Message.status.in_(earlier))
            .values(status=status, error=error[:500])
        ).rowcount
        exists = (
            known
            or session.exec(
                select(Message.id).where(Message.provider == provider, Message.provider_id == provider_id)
            ).first()
        )
    if not exists:
        log.info("status %s for unknown %s message %s ignored", status, provider, provider_id)
    return bool(exists)
