"""Channel adapters: one module per provider, each with the same small set of names.

    bp            the Flask blueprint with its webhooks
    parse(...)    provider payload -> InboundMessage(s)
    send(svc, outgoing: Outgoing) -> provider message id   (raise sending.SendError)
    fetch_media(svc, media: dict) -> (bytes, content_type) (for providers whose media must be downloaded)

Adding a channel is one new module and one line in each dict below (docs/adding-a-channel.md).
"""

from __future__ import annotations

from importlib import import_module
from typing import Callable

from flask import Blueprint

__all__ = ["CHANNELS", "SENDERS", "MEDIA_FETCHERS", "blueprints", "sender", "media_fetcher"]

# provider -> module under bot/channels
CHANNELS: dict[str, str] = {
    "twilio": "twilio",
    "meta": "whatsapp",
    "webchat": "webchat",
}
SENDERS = CHANNELS  # every channel sends
MEDIA_FETCHERS: dict[str, str] = {"twilio": "twilio", "meta": "whatsapp"}


def _module(name: str):
    return import_module(f"{__name__}.{name}")


def blueprints() -> list[Blueprint]:
    """Every channel's webhooks."""
    return [_module(name).bp for name in CHANNELS.values()]


def sender(provider: str) -> Callable:
    """The send function of a provider."""
    return _module(SENDERS[provider]).send


def media_fetcher(provider: str) -> Callable:
    """The media download function of a provider."""
    return _module(MEDIA_FETCHERS[provider]).fetch_media
