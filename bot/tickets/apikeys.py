"""Keys applications use to file service requests through Open311: issued by an admin, shown once, kept hashed.

A key is 32 random bytes (URL-safe text behind a `v311_` marker); its SHA-256 is what the table keeps, so a
copy of the database files no request. A fast hash is enough: nobody can guess 256 random bits, so nothing is
gained by slowing the check every POST pays. Revoking keeps the row (its name stays in the tickets' trail).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from bot.db.tables import ApiKey, utcnow

__all__ = ["Issued", "issue_key", "revoke_key", "key_for", "all_keys", "MARKER"]

MARKER = "v311_"
PREFIX_LENGTH = len(MARKER) + 6
MAX_NAME = 100


@dataclass(frozen=True)
class Issued:
    """A new key: its row, and the key itself, which is never stored nor shown again."""

    row: ApiKey
    key: str


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(session: Session, name: str, created_by: str = "cli") -> Issued:
    """Issue a key to an application named name (its row is added to the session)."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"an application's name is 1 to {MAX_NAME} characters")
    key = MARKER + secrets.token_urlsafe(32)
    row = ApiKey(name=name, key_hash=_digest(key), prefix=key[:PREFIX_LENGTH], created_by=created_by)
    session.add(row)
    session.flush()
    return Issued(row, key)


def revoke_key(session: Session, key_id: int) -> ApiKey | None:
    """Revoke a key by its id (idempotent); None when there is no such key."""
    row = session.get(ApiKey, key_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    return row


def key_for(session: Session, key: str) -> ApiKey | None:
    """The live key a request presents, or None (unknown, revoked, or not shaped like one of ours)."""
    if not key.startswith(MARKER) or len(key) > 200:
        return None
    digest = _digest(key)
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == digest)).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, digest):
        return None
    return row


def all_keys(session: Session) -> list[ApiKey]:
    """Every key, live ones first, newest first."""
    rows = session.exec(select(ApiKey).order_by(ApiKey.id.desc())).all()
    return sorted(rows, key=lambda r: r.revoked_at is not None)
