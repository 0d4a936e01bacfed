"""The city's places in the database: a layer replaced whole in one transaction, every feature read back for the
in-memory index, and a version string that tells a process when to rebuild it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.db.database import transaction
from bot.db.tables import PlaceArea, PlaceLayer, PlaceStreet, as_utc, utcnow
from bot.flows.matching import normalize
from bot.places.model import LAYERS, AreaFeature, StreetFeature

__all__ = ["Imported", "replace_layer", "load_features", "places_version", "imported_layers", "CHUNK"]

CHUNK = 1000  # rows per INSERT: one statement per thousand streets, memory flat at any size
LOCK_KEY = 0x7E4A1  # PostgreSQL advisory lock (with the layer's number): two imports of a layer take turns


@dataclass(frozen=True)
class Imported:
    """A layer as its last import left it."""

    layer: str
    source: str
    features: int
    version: str
    imported_at: datetime


def replace_layer(
    db: Session | Engine, layer: str, features: Iterable[StreetFeature] | Iterable[AreaFeature], source: str
) -> Imported:
    """Delete a layer's features and insert these in one transaction: a failure midway leaves the old layer.

    Given an engine, the transaction is its own; given a session, it is the caller's (committed by them).
    """
    if layer not in LAYERS:
        raise ValueError(f"no layer {layer!r} (layers: {', '.join(LAYERS)})")
    if isinstance(db, Engine):
        with transaction(db, immediate=True) as session:
            return _replace(session, layer, features, source)
    return _replace(db, layer, features, source)


def _replace(session: Session, layer: str, features: Iterable[Any], source: str) -> Imported:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key, :layer)"), {"key": LOCK_KEY, "layer": LAYERS.index(layer)}
        )
    if layer == "streets":
        session.execute(delete(PlaceStreet))
        table: Any = PlaceStreet
        rows = (_street_row(feature) for feature in features)
    else:
        session.execute(delete(PlaceArea).where(col(PlaceArea.layer) == layer))
        table = PlaceArea
        rows = (_area_row(layer, feature) for feature in features)
    count = 0
    for chunk in _chunks(rows, CHUNK):
        session.execute(insert(table), chunk)
        count += len(chunk)
    imported = Imported(layer, source, count, _new_version(), utcnow())
    row = session.get(PlaceLayer, layer) or PlaceLayer(layer=layer, source=source, features=count, version="")
    row.source, row.features, row.version, row.imported_at = source, count, imported.version, imported.imported_at
    session.add(row)
    session.flush()
    return imported


def _new_version() -> str:
    """Different on every import, even of the same file twice in one second."""
    return f"{utcnow():%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def _chunks(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _street_row(feature: StreetFeature) -> dict:
    if not isinstance(feature, StreetFeature):
        raise TypeError(f"streets are StreetFeature, not {type(feature).__name__}")
    if len(feature.coords) < 2:
        raise ValueError(f"street {feature.name!r} has fewer than two points")
    lngs, lats = [p[0] for p in feature.coords], [p[1] for p in feature.coords]
    geometry = {"type": "LineString", "coordinates": [[lng, lat] for lng, lat in feature.coords]}
    # A missing name is the database's to refuse (name is NOT NULL): the insert fails and the layer stays as it was.
    names = {"name": feature.name, "norm_name": normalize(feature.name or ""), "kind": feature.kind or ""}
    return {**names, "geometry": geometry, **_bbox(lngs, lats)}


def _area_row(layer: str, feature: AreaFeature) -> dict:
    if not isinstance(feature, AreaFeature):
        raise TypeError(f"{layer} are AreaFeature, not {type(feature).__name__}")
    if feature.layer != layer:
        raise ValueError(f"area {feature.name!r} is of layer {feature.layer!r}, not {layer!r}")
    if feature.geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"area {feature.name!r} is a {feature.geometry.get('type')}, not a Polygon or MultiPolygon")
    coordinates = feature.geometry["coordinates"]
    polygons = [coordinates] if feature.geometry["type"] == "Polygon" else coordinates
    positions = [p for polygon in polygons for ring in polygon for p in ring]
    lngs, lats = [p[0] for p in positions], [p[1] for p in positions]
    names = {"layer": layer, "name": feature.name, "norm_name": normalize(feature.name or "")}
    return {**names, "geometry": feature.geometry, **_bbox(lngs, lats)}


def _bbox(lngs: Sequence[float], lats: Sequence[float]) -> dict[str, float]:
    return {"min_lat": min(lats), "max_lat": max(lats), "min_lng": min(lngs), "max_lng": max(lngs)}


def load_features(engine: Engine) -> tuple[list[StreetFeature], list[AreaFeature]]:
    """Every street and area stored, as the in-memory index is built from them (in import order)."""
    streets_query = select(col(PlaceStreet.name), col(PlaceStreet.kind), col(PlaceStreet.geometry)).order_by(
        col(PlaceStreet.id)
    )
    areas_query = select(col(PlaceArea.layer), col(PlaceArea.name), col(PlaceArea.geometry)).order_by(
        col(PlaceArea.layer), col(PlaceArea.id)
    )
    with engine.connect() as connection:
        streets = [
            StreetFeature(row.name, tuple((p[0], p[1]) for p in row.geometry["coordinates"]), row.kind)
            for row in connection.execute(streets_query)
        ]
        areas = [AreaFeature(row.layer, row.name, row.geometry) for row in connection.execute(areas_query)]
    return streets, areas


def places_version(engine: Engine) -> str:
    """The layers' versions in one string, "" when nothing is imported: when it changes, rebuild the index."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(col(PlaceLayer.layer), col(PlaceLayer.version)).order_by(col(PlaceLayer.layer))
        ).all()
    return ";".join(f"{row.layer}={row.version}" for row in rows)


def imported_layers(engine: Engine) -> list[Imported]:
    """The layers imported so far, in the order of LAYERS (streets first)."""
    with engine.connect() as connection:
        rows = connection.execute(select(PlaceLayer)).all()
    found = [Imported(r.layer, r.source, r.features, r.version, as_utc(r.imported_at)) for r in rows]
    return sorted(found, key=lambda imported: LAYERS.index(imported.layer) if imported.layer in LAYERS else len(LAYERS))
