"""Where a report is: a pin or a typed address, read against the city's places when it has loaded them.

A typed address becomes a point with a confidence (bot.flows.places.Found); two streets of one name
are asked about by colonia; an address the map does not know is asked again once (a pin or a cross
street), then kept as typed, never placed by guesswork. A place outside the municipality is not a
report here. Without places, an address is kept as typed, as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.flows.matching import normalize
from bot.flows.places import Found, Places

__all__ = ["Outside", "Retry", "read_pin", "read_address", "suggestion", "from_suggestion"]

MIN_ADDRESS_LENGTH = 3


@dataclass(frozen=True)
class Retry:
    """Not understood this time, for a reason worth saying: the message to say before asking again."""

    message: str


@dataclass(frozen=True)
class Outside:
    """The place is outside the municipality (and inside this neighbour, when its boundary is loaded)."""

    municipality: str | None = None


def read_pin(location: dict, places: Places | None):
    """A shared pin, given the street, cross street and colonia it is near; Outside when it is not the city's."""
    if places is None:
        return location
    lat, lng = location["latitude"], location["longitude"]
    if places.inside(lat, lng) is False:
        return Outside(places.municipality(lat, lng))
    near = places.near(lat, lng)
    if near is None:
        return location
    return location | {"near": near.describe()} | ({"colonia": near.colonia} if near.colonia else {})


def read_address(address: str, places: Places | None, tries: int):
    """A typed address: placed, asked about (several streets of that name), asked again once, or kept as typed."""
    if len(normalize(address)) < MIN_ADDRESS_LENGTH:
        return None
    if places is None:
        return {"address": address}
    found: Found = places.find(address)
    reference = {"reference": found.reference} if found.reference else {}
    if found.ambiguous:
        return tuple(suggestion({"address": address, **p.as_location(), **reference}) for p in found.places)
    place = found.placed
    if place is None:
        return {"address": address, **reference} if tries else Retry("location_not_found")
    if places.inside(place.lat, place.lng) is False:
        return Outside(places.municipality(place.lat, place.lng))
    return {"address": address, **place.as_location(), **reference}


def suggestion(location: dict) -> str:
    """A location as the key of a "which one?" suggestion (kept in the conversation's state as text)."""
    return json.dumps(location, ensure_ascii=False, sort_keys=True)


def from_suggestion(key: str) -> dict:
    return json.loads(key)
