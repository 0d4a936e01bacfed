"""The features an index is built from, whatever they were read from (a file or the database)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StreetFeature", "AreaFeature", "AREA_LAYERS", "LAYERS"]

AREA_LAYERS = (
    "colonias",
    "boundary",
    "municipalities",
    "zones",
)  # boundary: the city's own; municipalities: neighbours
LAYERS = ("streets", *AREA_LAYERS)


@dataclass(frozen=True)
class StreetFeature:
    """One street centreline (a segment, a block or a whole street), in WGS84."""

    name: str  # as the map writes it: "Av. Juárez", "5 de Mayo"
    coords: tuple[tuple[float, float], ...]  # (longitude, latitude), in order, at least two
    kind: str = ""  # the map's street type, if any: "Avenida", "Calle", "Calzada"


@dataclass(frozen=True)
class AreaFeature:
    """One named area of a layer: a colonia, the municipal boundary, a neighbouring municipality, a zone."""

    layer: str  # one of AREA_LAYERS
    name: str
    geometry: dict  # GeoJSON Polygon or MultiPolygon, WGS84 (longitude, latitude)
