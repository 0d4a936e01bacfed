"""Reading what the widget posts: each field checked for its type and size, an ApiError the widget
understands for anything else (a 4xx, never a 500)."""

from __future__ import annotations

import re

from bot.channels.payloads import storable
from bot.flows.messages import Location, is_on_earth

__all__ = ["ApiError", "string_field", "client_message_id", "location_field"]

_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # fullmatch: "abc\n" is not an id


class ApiError(Exception):
    """An answer the widget understands: an HTTP status, a code it translates, a detail for people."""

    def __init__(self, status: int, code: str, detail: str, retry_after: int | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.retry_after = retry_after  # seconds, sent as Retry-After (429, 503)


def string_field(data: dict, key: str, limit: int) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, "bad_request", f"{key} must be a string")
    if len(value) > limit:
        raise ApiError(400, "too_long", f"{key} is longer than {limit} characters")
    return storable(value)


def client_message_id(value) -> str:
    if not isinstance(value, str) or not _CLIENT_ID.fullmatch(value):
        raise ApiError(400, "bad_request", "id must be 1 to 64 letters, digits, - or _")
    return value


def _number(value, name: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ApiError(400, "bad_request", f"{name} must be a number")
    return value  # not float() yet: an integer of 400 digits would overflow before the range check


def location_field(value) -> Location | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ApiError(400, "bad_request", "location must be an object")
    latitude, longitude = _number(value.get("latitude"), "latitude"), _number(value.get("longitude"), "longitude")
    if not is_on_earth(latitude, longitude):
        raise ApiError(400, "bad_request", "latitude must be within ±90 and longitude within ±180")
    return Location(
        float(latitude),
        float(longitude),
        string_field(value, "address", 300) or None,
        string_field(value, "label", 300) or None,
    )
