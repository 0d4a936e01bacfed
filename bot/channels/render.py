"""Rendering replies for channels without buttons: options as numbered text."""

from __future__ import annotations

from ..flows.messages import OutboundMessage

__all__ = ["as_numbered_text"]


def as_numbered_text(message: OutboundMessage) -> str:
    """Return the text followed by its options as a numbered list."""
    if not message.options:
        return message.text
    lines = [f"{n}. {label}" for n, label in enumerate(message.options, 1)]
    return message.text + "\n\n" + "\n".join(lines)
