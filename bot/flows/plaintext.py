"""Text as residents read it: WhatsApp's formatting marks taken off, for places that show a flow's words
outside a chat (the flow's graph, the survey results' headings)."""

from __future__ import annotations

import re

__all__ = ["plain"]

# WhatsApp's formatting: *bold*, _italic_, ~strike~, ```mono``` and `code`, each wrapping text that
# neither starts nor ends with a space, and not inside a word ("2*3*4" and snake_case stay).
_MARKS = [
    re.compile(
        rf"(?<![\w{re.escape(mark)}]){re.escape(mark)}(?=\S)(.+?)(?<=\S){re.escape(mark)}(?![\w{re.escape(mark)}])"
    )
    for mark in ("```", "*", "_", "~", "`")
]


def plain(text: str) -> str:
    """Text without WhatsApp's formatting marks ("*limpio*" -> "limpio")."""
    previous = None
    while previous != text:  # nested marks: *_muy_* -> muy
        previous = text
        for mark in _MARKS:
            text = mark.sub(r"\1", text)
    return text
