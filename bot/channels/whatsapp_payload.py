"""Meta's webhook body as typed models: what whatsapp.parse reads, checked in one place.

Only what we read is declared; everything else Meta sends is ignored. A body that does not
fit is a PayloadError (answered 400), never an exception deeper in.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints, ValidationError

from bot.channels.errors import PayloadError

__all__ = [
    "Envelope",
    "Value",
    "Message",
    "Status",
    "TextBody",
    "Interactive",
    "Reply",
    "ButtonBody",
    "LocationBody",
    "MediaBody",
    "ContactCard",
    "ContactCards",
    "read",
]

Text = Annotated[str, StringConstraints(min_length=1, strict=True)]  # present, a string, not empty
MaybeText = Annotated[str | None, Field(strict=True)]  # a string when present


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Status(_Model):
    """A delivery status of one of our messages."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: Text
    status: Text


class Message(_Model):
    """One message; its content sits under the key named by its type (kept as an extra field)."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)
    id: Text
    sender: Text = Field(alias="from")
    type: Text
    timestamp: Any = None

    def body(self) -> Any:
        """The content under the message's type ({"text": {...}} for a text message), if any."""
        return (self.model_extra or {}).get(self.type)


class Value(_Model):
    """A "messages" change: its messages, statuses and the senders' profiles."""

    metadata: Any = None
    contacts: list[Any] | None = None
    messages: list[Message] | None = None
    statuses: list[Status] | None = None


class Change(_Model):
    field: Any = None
    value: Any = None  # read as a Value only for the "messages" field; other fields are not ours to check


class Entry(_Model):
    changes: list[Change] | None = None


class Envelope(_Model):
    """One webhook body: entries of changes."""

    object: Literal["whatsapp_business_account"]
    entry: list[Entry]


class TextBody(_Model):
    body: Text


class Reply(_Model):
    id: Text
    title: Any = ""


class Interactive(_Model):
    type: Any = None
    button_reply: Reply | None = None
    list_reply: Reply | None = None


class ButtonBody(_Model):
    text: Any = ""
    payload: Any = ""


class LocationBody(_Model):
    latitude: float
    longitude: float
    address: MaybeText = None
    name: MaybeText = None


class MediaBody(_Model):
    id: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_-]{1,128}$", strict=True)]
    mime_type: Any = ""
    caption: Any = ""
    filename: Any = None
    voice: Any = None


class CardName(_Model):
    formatted_name: MaybeText = None


class ContactCard(_Model):
    """A shared contact card."""

    name: Any = None
    phones: Any = None

    def formatted_name(self) -> str:
        """The card's display name (a name that is not an object has none)."""
        return (read(CardName, self.name, "contact name").formatted_name or "") if isinstance(self.name, dict) else ""


def read(model: type[BaseModel], data: Any, what: str):
    """Validate data as model; PayloadError naming the first field that does not fit."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PayloadError(f"{what}: {where + ': ' if where else ''}{first['msg']}") from None


ContactCards = RootModel[list[ContactCard]]
