"""Folios: short, readable ticket numbers a resident can say over the phone."""

from __future__ import annotations

import secrets
from datetime import datetime

__all__ = ["new_folio"]

# Crockford's base32: no I, L, O or U, so nothing is misread or rude.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_folio(now: datetime, length: int = 6) -> str:
    """Return a folio like 2611-7K3M9Q (year and month, then random characters)."""
    return f"{now:%y%m}-" + "".join(secrets.choice(ALPHABET) for _ in range(length))
