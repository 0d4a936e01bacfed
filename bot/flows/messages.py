"""The normalised message types every channel speaks: pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["Location", "Media", "InboundMessage", "OutboundMessage", "is_on_earth", "CARRIES_ALL"]

CARRIES_ALL = frozenset({"photo", "location", "buttons", "voice"})
"""What a channel may carry besides text: a photo, a location pin, tappable buttons, a voice note."""


def is_on_earth(latitude: float, longitude: float) -> bool:
    """Tell whether a pin's coordinates exist: latitude within ±90, longitude within ±180."""
    return -90 <= latitude <= 90 and -180 <= longitude <= 180


@dataclass(frozen=True)
class Location:
    """A place: a shared pin (latitude/longitude) and/or a typed address."""

    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    label: str | None = None

    def is_pin(self) -> bool:
        """Tell whether this location carries coordinates."""
        return self.latitude is not None and self.longitude is not None

    def as_dict(self) -> dict:
        """Return the fields as a plain dict, for storage."""
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class Media:
    """One attachment as the provider announced it (its URL may expire)."""

    url: str
    content_type: str = ""

    def is_image(self) -> bool:
        """Tell whether the attachment is a picture."""
        return self.content_type.startswith("image/")

    def is_audio(self) -> bool:
        """Tell whether the attachment is a sound: a voice note."""
        return self.content_type.startswith("audio/")


@dataclass(frozen=True)
class InboundMessage:
    """What a resident sent, whichever channel carried it."""

    channel: str
    sender: str
    recipient: str = ""
    provider: str = ""
    provider_id: str = ""
    text: str = ""
    payload: str = ""
    location: Location | None = None
    media: tuple[Media, ...] = ()
    profile_name: str = ""
    lang_hint: str = ""  # the language of the page or app the resident writes from, if it says
    received_at: datetime | None = None
    carries: frozenset[str] = CARRIES_ALL  # what the resident's channel can carry (see CARRIES_ALL)
    raw: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class OutboundMessage:
    """What the bot says back; channels render options as buttons, a list or numbered text.

    option_ids, when given, are what a button or list row sends back as its payload.
    """

    text: str
    options: tuple[str, ...] = ()
    option_ids: tuple[str, ...] = ()

    def as_numbered_text(self) -> str:
        """The text, then the options numbered: how a channel without buttons shows a choice."""
        if not self.options:
            return self.text
        return self.text + "\n\n" + "\n".join(f"{n}. {label}" for n, label in enumerate(self.options, 1))

    def as_data(self) -> dict:
        """The options as stored with the message (empty when there are none)."""
        return {"options": list(self.options), "option_ids": list(self.option_ids)} if self.options else {}

    @classmethod
    def from_stored(cls, text: str, data: dict) -> OutboundMessage:
        """Rebuild a stored reply."""
        return cls(text, tuple(data.get("options", ())), tuple(data.get("option_ids", ())))
