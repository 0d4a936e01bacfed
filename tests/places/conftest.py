"""What the places tests share: GeoJSON and shapefiles written on the spot, a database with the places tables."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
import shapefile
from pyproj import CRS, Transformer

from bot.db.database import create_tables, make_engine
from tests.support.app import database_url

TO_6372 = Transformer.from_crs("EPSG:4326", "EPSG:6372", always_xy=True)  # INEGI's Lambert conformal conic


def line(name: str | None, *coords, **properties) -> dict:
    """A GeoJSON street feature; with several lists of positions, a MultiLineString."""
    multi = isinstance(coords[0][0], list | tuple)
    geometry = {"type": "MultiLineString" if multi else "LineString", "coordinates": [list(c) for c in coords]}
    if not multi:
        geometry["coordinates"] = [list(p) for p in coords]
    return {"type": "Feature", "properties": ({"name": name} if name else {}) | properties, "geometry": geometry}


def square(lng: float, lat: float, size: float = 0.01) -> list[list[list[float]]]:
    """A polygon's rings: one square whose south-west corner is (lng, lat)."""
    return [[[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]]


def area(name: str | None, *squares, **properties) -> dict:
    geometry = (
        {"type": "Polygon", "coordinates": squares[0]}
        if len(squares) == 1
        else {"type": "MultiPolygon", "coordinates": list(squares)}
    )
    return {"type": "Feature", "properties": ({"name": name} if name else {}) | properties, "geometry": geometry}


@pytest.fixture
def make():
    """Features to write: make.line("Morelos", (lng, lat), ...), make.area("Centro", make.square(lng, lat))."""
    return SimpleNamespace(line=line, area=area, square=square)


@pytest.fixture
def geojson(tmp_path) -> Callable[..., Path]:
    """Write a FeatureCollection of these features (plus any top-level members) and return its path."""

    def write(name: str, *features: dict, **members) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features), **members}), "utf-8")
        return path

    return write


@pytest.fixture
def shapefile_of(tmp_path) -> Callable[..., Path]:
    """Write a shapefile as INEGI ships one: positions given in WGS84 and stored in EPSG:6372, a .prj (unless
    prj=False), attributes in cp1252 (or `encoding`). kind: "line" or "polygon"; records: (positions, {field: value})."""

    def write(name: str, kind: str, records: list[tuple[list, dict]], prj: bool = True, encoding: str = "cp1252"):
        base = tmp_path / name
        shape_type = shapefile.POLYLINE if kind == "line" else shapefile.POLYGON
        with shapefile.Writer(str(base), shapeType=shape_type, encoding=encoding) as writer:
            for field in records[0][1]:
                writer.field(field, "C", 80)
            for positions, values in records:
                projected = [[TO_6372.transform(lng, lat) for lng, lat in part] for part in positions]
                (writer.line if kind == "line" else writer.poly)(projected)
                writer.record(*values.values())
        if prj:
            base.with_suffix(".prj").write_text(CRS.from_epsg(6372).to_wkt("WKT1_ESRI"))
        return base.with_suffix(".shp")

    return write


@pytest.fixture
def engine(tmp_path):
    """The test's database with every table (on PostgreSQL, conftest's fresh_database made them)."""
    engine = make_engine(database_url(tmp_path))
    create_tables(engine)
    yield engine
    engine.dispose()
