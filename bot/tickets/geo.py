"""Distances on the Earth, for finding a report made twice."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

__all__ = ["distance_m", "degrees_around"]

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance in meters (haversine)."""
    dlat, dlng = radians(lat2 - lat1), radians(lng2 - lng1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(sqrt(a))


def degrees_around(lat: float, meters: float) -> tuple[float, float]:
    """A box's half-size in degrees of latitude and longitude that holds a circle of that radius."""
    dlat = meters / 111_320
    dlng = meters / (111_320 * max(cos(radians(lat)), 0.01))
    return dlat, dlng
