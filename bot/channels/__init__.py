"""Channel adapters: one module per provider, each a Provider (bot/channels/provider.py).

Adding a channel is one new module and one register(...) line below (docs/adding-a-channel.md).
Modules are imported when first asked for: they import the conversation handler, which asks us.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from flask import Blueprint

from bot.channels.provider import Capabilities, Provider

__all__ = [
    "CHANNELS",
    "Capabilities",
    "Provider",
    "register",
    "provider",
    "blueprints",
    "sender",
    "media_fetcher",
    "replies_inline",
    "downloads_media",
    "carries",
]

# provider name (Message.provider) -> module under bot/channels
CHANNELS: dict[str, str] = {}


def register(name: str, module: str) -> None:
    """Add a channel; registering a name twice is an error."""
    if name in CHANNELS:
        raise ValueError(f"channel {name!r} is already registered (bot.channels.{CHANNELS[name]})")
    CHANNELS[name] = module


register("twilio", "twilio")
register("meta", "whatsapp")
register("webchat", "webchat")


def provider(name: str) -> Provider:
    """The channel module registered under name; KeyError for an unknown one."""
    module = import_module(f"{__name__}.{CHANNELS[name]}")
    if name != module.NAME:
        raise ValueError(f"bot.channels.{CHANNELS[name]} calls itself {module.NAME!r}, registered as {name!r}")
    return module


def blueprints() -> list[Blueprint]:
    """Every channel's webhooks."""
    return [provider(name).bp for name in CHANNELS]


def sender(name: str) -> Callable:
    """The send function of a provider."""
    return provider(name).send


def media_fetcher(name: str) -> Callable:
    """The media download function of a provider."""
    return provider(name).fetch_media


def replies_inline(name: str) -> bool:
    """Tell whether the provider's webhook answer carries the replies (unknown providers do not)."""
    return name in CHANNELS and provider(name).CAPABILITIES.inline_replies


def downloads_media(name: str) -> bool:
    """Tell whether the provider's attachments are downloaded by a job."""
    return name in CHANNELS and provider(name).CAPABILITIES.downloads_media


def carries(channel: str, via: str | None = None) -> frozenset[str]:
    """What a channel (InboundMessage.channel) carries besides text; KeyError for an unknown one.

    Through the provider named via, as that provider declares it; without one, at best over the providers
    that have the channel (WhatsApp through Meta has buttons, through Twilio it has none).
    """
    if via is not None:
        return provider(via).CARRIES[channel]
    declared = [provider(name).CARRIES for name in CHANNELS]
    if not any(channel in each for each in declared):
        raise KeyError(channel)
    return frozenset().union(*(each[channel] for each in declared if channel in each))
