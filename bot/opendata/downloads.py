"""The published files as bytes: CSV (UTF-8 with a BOM, so spreadsheets read the accents; formulas defused) and
GeoJSON (RFC 7946: WGS84, [longitude, latitude], with the licence as a foreign member). Column names are
Spanish, the city's language, and the same from one publication to the next: scripts read them by name."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.reports.spreadsheets import defuse

__all__ = ["File", "csv_file", "json_file", "geojson_file", "CSV", "GEOJSON", "JSON"]

CSV = "text/csv; charset=utf-8"
GEOJSON = "application/geo+json"
JSON = "application/json"


@dataclass(frozen=True)
class File:
    """One file to publish at /datos/<name>."""

    name: str
    media_type: str
    body: bytes
    quotes_residents: bool = False  # holds residents' words (public comments): withdrawn on an erasure


def csv_file(name: str, header: Sequence[str], rows: Iterable[Sequence], quotes_residents: bool = False) -> File:
    """A CSV file: the header, then the rows; text a spreadsheet would run is defused, None is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else defuse(value) for value in row])
    return File(name, CSV, ("\ufeff" + buffer.getvalue()).encode("utf-8"), quotes_residents)


def json_file(name: str, value) -> File:
    """A JSON file (UTF-8, compact, keys in order)."""
    return File(name, JSON, _json(value))


def geojson_file(name: str, features: list[dict], **members) -> File:
    """A GeoJSON FeatureCollection of the features, with foreign members (the licence, when it was made)."""
    return File(name, GEOJSON, _json({"type": "FeatureCollection", **members, "features": features}))


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
