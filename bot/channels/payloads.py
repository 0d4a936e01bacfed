"""Reading untrusted bodies at the edge: JSON that cannot hurt us, text that can be stored and echoed."""

from __future__ import annotations

import json
import re

from bot.channels.errors import PayloadError
from bot.messaging.text import without_controls

__all__ = ["load_json", "clean_text", "storable", "has_surrogates"]

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def load_json(body: bytes):
    """Parse a JSON body; PayloadError for bad UTF-8, bad JSON, absurd nesting or lone surrogates."""
    try:
        data = json.loads(body)
        # Walked inside the try: a few hundred nested lists parse, then overflow the stack a request runs on.
        unstorable = has_surrogates(data)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise PayloadError(f"not valid JSON: {type(exc).__name__}") from None
    if unstorable:
        raise PayloadError("the JSON holds text no database stores (NUL or lone surrogates)")
    return data


def has_surrogates(value) -> bool:
    """Tell whether any string inside value holds a lone surrogate or a NUL (which no database stores)."""
    if isinstance(value, str):
        return "\x00" in value or bool(_SURROGATE.search(value))
    if isinstance(value, dict):
        return any(has_surrogates(k) or has_surrogates(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_surrogates(v) for v in value)
    return False


def clean_text(text: str) -> str:
    """What a resident typed, minus control characters and lone surrogates (unstorable, unechoable)."""
    return _SURROGATE.sub("\ufffd", without_controls(text))


def storable(text: str) -> str:
    """Text as a resident sent it, minus what no database keeps: NUL (PostgreSQL refuses it) and lone surrogates."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))
