"""What sending to a resident needs, whatever the provider: the message, where to, and how it failed."""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.messages import OutboundMessage

__all__ = ["Outgoing", "SendError", "RETRYABLE_STATUSES", "is_retryable_status", "network_error", "describe_failure"]

# HTTP statuses worth trying again later: throttled, or the other side's passing failure.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Outgoing:
    """One message to send: the channel, the address, the text and options, or an approved template."""

    channel: str  # sms, whatsapp, webchat
    to: str  # E.164 number, or the web chat session id
    message: OutboundMessage
    template: dict | None = None  # {"twilio": "HX...", "meta": {"name": ..., "language": ...}, "variables": [...]}
    message_id: int | None = None


class SendError(Exception):
    """The provider did not take the message; retryable errors (429, 5xx, timeouts) are tried again."""

    def __init__(self, reason: str, retryable: bool, code: str = ""):
        super().__init__(reason)
        self.retryable, self.code = retryable, code


def is_retryable_status(status: int | None) -> bool:
    """Tell whether an HTTP status means "try again later" (429, 5xx gateway and server errors)."""
    return status in RETRYABLE_STATUSES


def describe_failure(exc: BaseException) -> str:
    """A failure as one line for logs and stored errors: its kind and its message."""
    return f"{type(exc).__name__}: {exc}"


def network_error(exc: BaseException, code: str = "network") -> SendError:
    """A connection error or timeout as a SendError: the provider never answered, so it is retryable."""
    return SendError(describe_failure(exc), retryable=True, code=code)
