"""The sample town (places/sample/), read as the engine's places: the real index, no database."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.places.files import read_features
from bot.places.index import PlaceIndex
from bot.places.model import AREA_LAYERS

SAMPLE = Path(__file__).resolve().parent.parent.parent / "places" / "sample"


@cache
def sample_town() -> PlaceIndex:
    """San Isidro del Valle: its streets (type kept apart, as INEGI does), colonias, boundary, neighbours, zones."""
    streets = read_features(SAMPLE / "streets.geojson", "streets", kind_property="type")
    areas = [a for layer in AREA_LAYERS for a in read_features(SAMPLE / f"{layer}.geojson", layer)]
    return PlaceIndex(streets, areas)  # type: ignore[arg-type]
