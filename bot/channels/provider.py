"""The contract every channel module fulfils: its names are the members of Provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import Blueprint, Request

from bot.flows.messages import InboundMessage, OutboundMessage
from bot.messaging.sending import Outgoing

__all__ = ["Capabilities", "Provider"]


@dataclass(frozen=True)
class Capabilities:
    """What a channel can carry; the conversation and the send job ask these, never the provider's name."""

    inline_replies: bool  # the webhook's answer carries the replies (else a send job sends them)
    buttons: bool = False  # options as tappable buttons
    lists: bool = False  # options as a pick list
    max_text: int = 1600  # the longest text one message carries
    downloads_media: bool = False  # attachments must be fetched with credentials (a download job)


class Provider(Protocol):
    """One channel module: a blueprint for its webhooks and the same few functions as the others."""

    NAME: str  # what Message.provider stores; unique with the provider's message id
    CAPABILITIES: Capabilities
    # What each of its channels (InboundMessage.channel) can carry besides text: some of CARRIES_ALL.
    # The engine reads it from every message: no photo step where photos cannot come, a typed address where no pin can.
    CARRIES: dict[str, frozenset[str]]
    bp: Blueprint

    def verify(self, config, request: Request) -> bool:
        """Tell whether the request comes from the provider (its signature or token)."""

    def parse_request(self, request: Request) -> list[InboundMessage]:
        """The request's messages, oldest first; PayloadError when malformed."""

    def reply(self, replies: tuple[OutboundMessage, ...]):
        """The replies rendered for the webhook's answer (TwiML, JSON...)."""

    def send(self, svc, outgoing: Outgoing) -> str:
        """Send one message later; return the provider's message id; raise SendError."""

    def fetch_media(self, svc, media: dict) -> tuple[bytes, str]:
        """Download one attachment ({"url", "content_type"}) as (bytes, content type); raise SendError."""
