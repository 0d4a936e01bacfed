"""Text residents and operators send, made safe to store and to echo (XML, PostgreSQL)."""

from __future__ import annotations

import re

__all__ = ["without_controls"]

# XML 1.0 (TwiML) and sane storage allow tab, newline and carriage return among the control characters;
# U+FFFE and U+FFFF are not characters at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def without_controls(text: str) -> str:
    """The text minus control characters (tab, newline and carriage return stay)."""
    return _CONTROL.sub("", text)
