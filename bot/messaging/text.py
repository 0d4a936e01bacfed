"""Text residents and operators send, made safe to store and to echo (XML, PostgreSQL, mail headers)."""

from __future__ import annotations

import re

__all__ = ["without_controls", "single_line"]

# XML 1.0 (TwiML) and sane storage allow tab, newline and carriage return among the control characters;
# U+FFFE and U+FFFF are not characters at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def without_controls(text: str) -> str:
    """The text minus control characters (tab, newline and carriage return stay)."""
    return _CONTROL.sub("", text)


def single_line(text: object, limit: int = 200) -> str:
    """The text on one line, for a header or a log: control characters dropped, every line break and run of
    whitespace (CR, LF, tab, U+2028…) made one space, and cut to at most limit characters with an ellipsis."""
    words = (without_controls(word) for word in str(text).split())  # split first: \v, \f, \x1c… break lines too
    line = " ".join(word for word in words if word)
    if len(line) <= limit:
        return line
    return line[: limit - 1].rstrip() + "…" if limit > 0 else ""
