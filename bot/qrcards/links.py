"""The links a QR card opens: a WhatsApp chat with the city, the message written, or the city's web chat page.

WhatsApp's click-to-chat link is https://wa.me/<number>?text=<message>: the number in international
form, digits only (E.164 without "+"); the phone opens the chat with the message ready to send. The
web chat's link is the city's page with `#ventanilla=<code>`: the widget opens at the card's survey
(the fragment never reaches a server's logs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from bot.config import Config
from bot.flows.model import Flow, Flows
from bot.flows.qr import card_options, code_of, message_for
from bot.messaging.phones import PhoneError, normalize_phone
from bot.translatable import N_, TranslatableError

__all__ = ["CHANNELS", "Card", "CardsError", "cards_for", "webchat_page", "whatsapp_digits", "WEBCHAT_FRAGMENT"]

CHANNELS = ("whatsapp", "webchat")
WEBCHAT_FRAGMENT = "ventanilla="  # the widget reads #ventanilla=<code> (bot/static/webchat/widget.js)


class CardsError(TranslatableError):
    """Cards cannot be made: the flow has none, or the number or page they open is not configured.

    str() is English (the CLI prints it); the dashboard says it in the operator's language."""


@dataclass(frozen=True)
class Card:
    """One option's card: its code and name, what the resident sends, and the link its QR holds."""

    code: str
    option: str  # the option's id
    name: str  # the option's label, in the city's default language
    message: str  # what WhatsApp writes for the resident (the web chat's link carries the code only)
    link: str

    @property
    def filename(self) -> str:
        """A file name for the card's images: its code, safe on every file system."""
        return "".join(c if c.isalnum() or c in "-_" else "_" for c in self.code)


def whatsapp_digits(config: Config) -> str:
    """The city's WhatsApp number for wa.me: WHATSAPP_NUMBER, else TWILIO_WHATSAPP_FROM's; CardsError when neither."""
    variable, raw = "WHATSAPP_NUMBER", config.whatsapp_number
    if not raw:
        variable, raw = "TWILIO_WHATSAPP_FROM", config.twilio_whatsapp_from.removeprefix("whatsapp:")
    if not raw:
        raise CardsError(
            N_(
                "The city's WhatsApp number is not set: set WHATSAPP_NUMBER (such as +52 81 1234 5678)"
                " or TWILIO_WHATSAPP_FROM. Web chat cards need no number."
            )
        )
    try:
        return normalize_phone(raw).removeprefix("+")
    except PhoneError:
        raise CardsError(
            N_("%(variable)s is not a phone number WhatsApp could have: %(value)s"), variable=variable, value=raw
        ) from None


def webchat_page(config: Config, fallback_base: str = "") -> str:
    """The page web chat cards open: WEBCHAT_PAGE_URL, else our demo page under PUBLIC_URL (or fallback_base)."""
    if config.webchat_page_url:
        return config.webchat_page_url
    base = (config.public_url or fallback_base).rstrip("/")
    if not base:
        raise CardsError(N_("The web chat's page is not set: set WEBCHAT_PAGE_URL (the city's page with the widget)."))
    return f"{base}/webchat/"


def cards_for(
    flows: Flows, flow: Flow, config: Config, channel: str = "whatsapp", fallback_base: str = ""
) -> list[Card]:
    """One card per option of the flow's QR step, in the options' order; CardsError when they cannot be made."""
    if flow.qr is None or not card_options(flow):
        raise CardsError(
            N_("Flow %(flow)s has no QR cards: give it a qr: section in flows.yaml (see docs/flows.md)."), flow=flow.id
        )
    if channel not in CHANNELS:
        raise CardsError(
            N_("No cards for channel %(channel)s (only %(channels)s)."), channel=channel, channels=", ".join(CHANNELS)
        )
    lang, link = flows.default_language, _linker(config, channel, fallback_base)
    cards = []
    for option in card_options(flow):
        code, message = code_of(flow, option), message_for(flow, option, lang, lang)
        cards.append(Card(code, option.id, option.label.get(lang, lang), message, link(code, message)))
    return cards


def _linker(config: Config, channel: str, fallback_base: str) -> Callable[[str, str], str]:
    """How a card's link is made from its code and message, for the channel (the number or page checked once)."""
    if channel == "whatsapp":
        number = whatsapp_digits(config)
        return lambda code, message: f"https://wa.me/{number}?text={quote(message, safe='')}"
    page = webchat_page(config, fallback_base)
    return lambda code, message: f"{page}#{WEBCHAT_FRAGMENT}{quote(code, safe='')}"
