"""What sending to a resident needs, whatever the provider: the message, where to, and how it failed."""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.messages import OutboundMessage

__all__ = ["Outgoing", "SendError", "INLINE_REPLY_PROVIDERS"]

# Providers whose webhook answers carry the replies (TwiML, the web chat's JSON);
# for the others (Meta's Cloud API) replies are sent afterwards by a job.
INLINE_REPLY_PROVIDERS = frozenset({"twilio", "webchat"})


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
