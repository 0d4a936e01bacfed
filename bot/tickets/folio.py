"""Folios: short, readable ticket numbers a resident can say over the phone, and finding a ticket by one."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.db.tables import Ticket

__all__ = ["is_folio_shaped", "new_folio", "select_by_folio", "ticket_by_folio"]

# Crockford's base32: no I, L, O or U, so nothing is misread or rude.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
FOLIO_SHAPE = re.compile(r"[0-9A-Za-z-]{1,40}")


def new_folio(now: datetime, length: int = 6) -> str:
    """Return a folio like 2611-7K3M9Q (year and month, then random characters)."""
    return f"{now:%y%m}-" + "".join(secrets.choice(ALPHABET) for _ in range(length))


def is_folio_shaped(text: str) -> bool:
    """Whether text could be a folio at all (letters, digits and dashes)."""
    return bool(FOLIO_SHAPE.fullmatch(text.strip()))


def select_by_folio(folio: str) -> SelectOfScalar[Ticket]:
    """Select the ticket with this folio, however it was cased or spaced."""
    return select(Ticket).where(Ticket.folio == folio.strip().upper())


def ticket_by_folio(session: Session, folio: str) -> Ticket | None:
    """Return the ticket with this folio; None for an unknown one, and at once for what is no folio
    (a NUL, say, which PostgreSQL refuses)."""
    if not is_folio_shaped(folio):
        return None
    return session.exec(select_by_folio(folio)).first()
