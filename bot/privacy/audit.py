"""The privacy audit trail: one PrivacyEvent per step (notice answered, request filed or answered, data exported, erased).

The trail outlives the data it speaks of, so its detail holds only ids, folios, counts, versions and
kinds — never a phone number, a name or what a resident wrote. `record` refuses detail that looks
otherwise (text with spaces, long runs of digits, anything but short identifier-like strings).
"""

from __future__ import annotations

import re

from sqlmodel import Session

from bot.db.tables import PrivacyEvent

__all__ = ["KINDS", "record", "check_detail"]

KIND_SHAPE = re.compile(r"[a-z][a-z_]{0,39}")
KINDS = frozenset(  # the kinds docs/privacy.md explains; others may be added
    {
        "notice_accepted",
        "notice_declined",
        "request_filed",
        "request_extended",
        "request_fulfilled",
        "request_rejected",
        "access_answered",
        "data_exported",
        "contact_erased",
        "retention_applied",
    }
)
SAFE_TEXT = re.compile(r"[0-9A-Za-z_.:+\-]{0,64}")  # folios, versions, channels, kinds, rights
PHONE_LIKE = re.compile(r"[0-9]{7}")  # a folio or a version never holds seven digits in a row


def record(
    session: Session,
    kind: str,
    *,
    actor: str = "system",
    request_id: int | None = None,
    contact_id: int | None = None,
    detail: dict | None = None,
) -> PrivacyEvent:
    """Add one event to the privacy audit trail (committed with the caller's transaction)."""
    if not KIND_SHAPE.fullmatch(kind):
        raise ValueError(f"a privacy event kind is a snake_case word (such as {min(KINDS)}), not {kind!r}")
    check_detail(detail or {})
    event = PrivacyEvent(
        kind=kind, actor=actor, request_id=request_id, contact_id=contact_id, detail=dict(detail or {})
    )
    session.add(event)
    return event


def check_detail(detail: dict) -> None:
    """Refuse detail that could carry personal data: only numbers, flags and short identifier-like strings."""
    for key, value in detail.items():
        if not SAFE_TEXT.fullmatch(str(key)):
            raise ValueError(f"privacy audit detail key {key!r} is not an identifier")
        _check_value(key, value)


def _check_value(key, value) -> None:
    if value is None or isinstance(value, bool | int | float):
        return
    if isinstance(value, str):
        if not SAFE_TEXT.fullmatch(value) or PHONE_LIKE.search(value):
            raise ValueError(f"privacy audit detail {key!r} must hold ids, folios, counts or versions, not text")
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_value(key, item)
        return
    if isinstance(value, dict):
        check_detail(value)
        return
    raise ValueError(f"privacy audit detail {key!r} holds a {type(value).__name__}")
