"""What the engine asks of the city's places, and what it gets back: a port, implemented by bot.places.

The engine never reads a map itself: it is handed something with these methods (or None when the
city has loaded no places), so it stays pure and tests can hand it a small town.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["Place", "Found", "Near", "Places"]


@dataclass(frozen=True)
class Place:
    """A point a written address was read as, and how sure the reading is."""

    lat: float
    lng: float
    confidence: float  # 0..1: an intersection ~0.95, a street and number ~0.6, a street alone ~0.4
    matched: str  # what was matched, as the map writes it: "Morelos y 5 de Mayo"
    colonia: str | None = None
    method: str = "local"  # intersection | between | street_number | street | online

    def as_location(self) -> dict:
        """The fields a ticket's location keeps (with the resident's own text added by the caller)."""
        found: dict = {"latitude": self.lat, "longitude": self.lng, "confidence": round(self.confidence, 2)}
        found |= {"matched": self.matched, "method": self.method}
        return found | ({"colonia": self.colonia} if self.colonia else {})


@dataclass(frozen=True)
class Found:
    """What a written address gave: one place, several to ask about (two "Hidalgo"), or none."""

    places: tuple[Place, ...] = ()
    reference: str = ""  # "frente a la primaria": kept as text for the operator

    @property
    def placed(self) -> Place | None:
        return self.places[0] if len(self.places) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.places) > 1


@dataclass(frozen=True)
class Near:
    """Where a pin is: the nearest street, the nearest cross street, the colonia."""

    street: str
    cross: str | None = None
    colonia: str | None = None

    def describe(self) -> str:
        """ "Morelos y Padre Mier, col. Centro" """
        where = f"{self.street} y {self.cross}" if self.cross else self.street
        return f"{where}, col. {self.colonia}" if self.colonia else where


class Places(Protocol):
    """The city's places as the engine uses them."""

    def find(self, text: str) -> Found:
        """Read a written address: "Morelos y 5 de Mayo", "Hidalgo 120, col. Centro"."""

    def near(self, lat: float, lng: float) -> Near | None:
        """The street, cross street and colonia nearest a pin (None: no streets near)."""

    def inside(self, lat: float, lng: float) -> bool | None:
        """Tell whether a point is inside the municipality (None: no boundary loaded)."""

    def municipality(self, lat: float, lng: float) -> str | None:
        """The neighbouring municipality a point outside the city falls in, when its boundary is loaded."""

    def area(self, lat: float, lng: float, layer: str) -> str | None:
        """The name of the area of a layer ("colonias", "zones") a point falls in."""
