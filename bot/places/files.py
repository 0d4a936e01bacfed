"""Reading the city's places from files: GeoJSON FeatureCollections and ESRI shapefiles as INEGI ships them.

Streets come from lines (a MultiLineString gives one street per part), areas from polygons. Whatever the file's
coordinate system, features come out in WGS84 (longitude, latitude): GeoJSON is taken as WGS84 unless it has a
legacy `crs` member, a shapefile's system is read from its .prj, and `source_crs` overrides both. A feature
without a name or with the wrong geometry is skipped and counted by reason; a file that cannot be read at all
raises PlacesFileError with a one-line message that starts with the file's name.
"""

from __future__ import annotations

import json
import logging
import math
import struct
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.places.model import LAYERS, AreaFeature, StreetFeature

__all__ = ["PlacesFileError", "LayerFile", "read_layer", "read_features", "parse_crs", "SUFFIXES"]

log = logging.getLogger(__name__)

SUFFIXES = (".geojson", ".json", ".shp")
DIGITS = 7  # decimals kept of a degree: about a centimetre
# INEGI writes these where a street has no name; a street called "Ninguno" cannot be found by anyone.
NO_NAME = {"", "ninguno", "ninguna", "sin nombre", "s/n", "sn", "n/a", "n/d", "nd"}
# Encodings tried on a shapefile's attributes without a .cpg: UTF-8, then Windows' (INEGI's), then latin-1,
# which decodes any byte.
ENCODINGS = ("utf-8", "cp1252", "latin-1")
LINES = ("LineString", "MultiLineString")
POLYGONS = ("Polygon", "MultiPolygon")

Position = tuple[float, float]


class PlacesFileError(Exception):
    """A file that cannot be read as places: the message names the file and says why, in one line."""


@dataclass(frozen=True)
class LayerFile:
    """What one file gave for a layer: its features, and how many were skipped, and why."""

    path: str
    features: list[StreetFeature] | list[AreaFeature]
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> features
    left_out: int = 0  # features another municipality's, say, left out by `where`

    def skipped_text(self) -> str:
        """ "3 skipped: no name" or "5 skipped: 3 no name, 2 not a line" ("" when none was)."""
        return skipped_text(self.skipped)


def skipped_text(skipped: Mapping[str, int]) -> str:
    total = sum(skipped.values())
    if not total:
        return ""
    if len(skipped) == 1:
        return f"{total} skipped: {next(iter(skipped))}"
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items(), key=lambda item: -item[1]))
    return f"{total} skipped: {reasons}"


def read_features(
    path: str | Path,
    layer: str,
    name_property: str = "name",
    kind_property: str | None = None,
    source_crs: str | None = None,
) -> list[StreetFeature] | list[AreaFeature]:
    """The features of one file for a layer, in WGS84; what was skipped is logged (read_layer returns it)."""
    read = read_layer(path, layer, name_property, kind_property, source_crs)
    if read.skipped:
        log.info("%s: %s", path, read.skipped_text())
    return read.features


def read_layer(
    path: str | Path,
    layer: str,
    name_property: str = "name",
    kind_property: str | None = None,
    source_crs: str | None = None,
    where: Mapping[str, str] | None = None,
) -> LayerFile:
    """Read one GeoJSON or shapefile as a layer (streets or an area layer); `where` keeps features whose
    properties have those values (INEGI ships a state at once: `{"CVE_MUN": "019"}` keeps one municipality)."""
    if layer not in LAYERS:
        raise ValueError(f"no layer {layer!r} (layers: {', '.join(LAYERS)})")
    name = str(path)
    file = Path(path)
    if not file.is_file():
        raise PlacesFileError(f"{name}: no such file")
    suffix = file.suffix.lower()
    crs = parse_crs(source_crs) if source_crs else None
    if suffix in (".geojson", ".json"):
        records, crs = _read_geojson(file, name, crs)
    elif suffix == ".shp":
        records, crs = _read_shapefile(file, name, crs)
    elif suffix == ".zip":
        raise PlacesFileError(
            f"{name}: a .zip: unzip it and import the .shp inside (INEGI's streets are the *e.shp file)"
        )
    else:
        raise PlacesFileError(f"{name}: neither GeoJSON (.geojson, .json) nor a shapefile (.shp)")
    _check_properties(name, records, [name_property, *([kind_property] if kind_property else []), *(where or {})])
    project = _projection(crs)
    return _features(name, layer, records, project, name_property, kind_property, dict(where or {}), crs is not None)


# --- the coordinate system ----------------------------------------------------------------------------------


def parse_crs(text: str):
    """A pyproj CRS from "EPSG:6372", "urn:ogc:def:crs:EPSG::6372", WKT...; PlacesFileError when pyproj knows none."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise PlacesFileError(f"{text}: not a coordinate system pyproj knows (INEGI's is EPSG:6372)") from None


def _projection(crs):
    """A function from the file's positions to WGS84 (longitude, latitude) ones; None when they already are."""
    if crs is None:
        return None
    from pyproj import CRS, Transformer

    if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True) or crs.equals(CRS.from_user_input("OGC:CRS84")):
        return None
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def project(positions: list[Position]) -> list[Position]:
        xs, ys = transformer.transform([p[0] for p in positions], [p[1] for p in positions])
        return list(zip(xs, ys))

    return project


# --- GeoJSON ------------------------------------------------------------------------------------------------

Record = tuple[Any, Mapping[str, Any]]  # (a GeoJSON geometry or None, the feature's properties)


def _read_geojson(file: Path, name: str, crs) -> tuple[list[Record], Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise PlacesFileError(f"{name}: not UTF-8 text, as GeoJSON must be") from None
    except json.JSONDecodeError as exc:
        raise PlacesFileError(f"{name}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise PlacesFileError(f"{name}: not a FeatureCollection")
    if crs is None and data.get("crs") is not None:
        crs = _legacy_crs(name, data["crs"])
    records: list[Record] = []
    for feature in data["features"]:
        if not isinstance(feature, dict):
            records.append((None, {}))
            continue
        properties = feature.get("properties")
        records.append((feature.get("geometry"), properties if isinstance(properties, dict) else {}))
    return records, crs


def _legacy_crs(name: str, member: Any):
    """The coordinate system of a GeoJSON file written before RFC 7946 (QGIS and ogr2ogr still write one)."""
    properties = member.get("properties") if isinstance(member, dict) else None
    if isinstance(properties, dict) and properties.get("name"):
        return parse_crs(str(properties["name"]))
    if isinstance(properties, dict) and properties.get("code"):  # {"type": "EPSG", "properties": {"code": 6372}}
        return parse_crs(f"EPSG:{properties['code']}")
    raise PlacesFileError(f"{name}: its crs member names no coordinate system: {json.dumps(member)[:80]}")


# --- shapefiles ---------------------------------------------------------------------------------------------


def _read_shapefile(file: Path, name: str, crs) -> tuple[list[Record], Any]:
    if _sibling(file, ".dbf") is None:
        raise PlacesFileError(f"{name}: no .dbf beside it (a shapefile's names live there)")
    if crs is None:
        prj = _sibling(file, ".prj")
        if prj is None:
            raise PlacesFileError(
                f"{name}: no .prj and no --source-crs: cannot tell where these coordinates are"
                " (INEGI's Marco Geoestadístico is EPSG:6372)"
            )
        crs = _prj_crs(prj)
    cpg = _sibling(file, ".cpg")
    declared = [_codec(cpg.read_text(errors="replace"))] if cpg else []
    for encoding in [*declared, *ENCODINGS]:
        try:
            return _shape_records(file, name, encoding), crs
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _shape_records(file: Path, name: str, encoding: str) -> list[Record]:
    import shapefile

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an encoding other than the .cpg's is ours to choose
            with shapefile.Reader(str(file), encoding=encoding) as reader:
                return [
                    (
                        None if item.shape.shapeType == shapefile.NULL else item.shape.__geo_interface__,
                        item.record.as_dict(),
                    )
                    for item in reader.iterShapeRecords()
                ]
    except UnicodeDecodeError:
        raise  # pyshp 2: the next encoding is tried
    except shapefile.ShapefileException as exc:
        if "could not decode" in str(exc).lower():  # pyshp 3 wraps the UnicodeDecodeError
            raise UnicodeDecodeError(encoding, b"", 0, 1, str(exc)) from None
        raise PlacesFileError(f"{name}: not a shapefile pyshp can read ({exc})") from None
    except (OSError, ValueError, IndexError, struct.error) as exc:  # truncated or damaged files
        raise PlacesFileError(f"{name}: damaged shapefile ({exc})") from None


def _sibling(file: Path, suffix: str) -> Path | None:
    """The file beside `file` with the same name and this suffix, in any case (INEGI's zips mix them)."""
    exact = file.with_suffix(suffix)
    if exact.is_file():
        return exact
    wanted = (file.stem + suffix).lower()
    return next((p for p in file.parent.iterdir() if p.name.lower() == wanted and p.is_file()), None)


def _prj_crs(prj: Path):
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_wkt(prj.read_text(encoding="latin-1").strip())
    except CRSError:
        raise PlacesFileError(
            f"{prj}: not a projection pyproj can read: give --source-crs (INEGI's is EPSG:6372)"
        ) from None


def _codec(declared: str) -> str:
    """A .cpg's "UTF-8", "1252", "ANSI 1252" or "ISO-8859-1" as a Python codec name (utf-8 when unknown)."""
    import codecs

    text = declared.strip().lower().removeprefix("ansi").strip()
    for candidate in (text, f"cp{text}"):
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return "utf-8"


# --- features -----------------------------------------------------------------------------------------------


def _check_properties(name: str, records: list[Record], wanted: Iterable[str]) -> None:
    """A property no feature has is a wrong option, not a file of nameless features: say which there are."""
    present: set[str] = set()
    for _, properties in records:
        present.update(properties)
    folded = {key.casefold() for key in present}
    for option in wanted:
        if records and option.casefold() not in folded:
            have = ", ".join(sorted(present)[:20]) or "none"
            raise PlacesFileError(f"{name}: no property '{option}' in its features (they have: {have})")


def _value(properties: Mapping[str, Any], key: str) -> str:
    value = properties.get(key)
    if value is None:
        value = next((v for k, v in properties.items() if k.casefold() == key.casefold()), None)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _features(
    name: str,
    layer: str,
    records: list[Record],
    project,
    name_property: str,
    kind_property: str | None,
    where: dict[str, str],
    crs_known: bool,
) -> LayerFile:
    skipped: Counter[str] = Counter()
    left_out = 0
    streets: list[StreetFeature] = []
    areas: list[AreaFeature] = []
    for geometry, properties in records:
        if any(_value(properties, key) != str(wanted).strip() for key, wanted in where.items()):
            left_out += 1
            continue
        title = _value(properties, name_property)
        if title.casefold() in NO_NAME:
            skipped["no name"] += 1
            continue
        if not isinstance(geometry, dict) or not geometry.get("type"):
            skipped["no geometry"] += 1
            continue
        try:
            if layer == "streets":
                lines = _lines(geometry)
                kind = _value(properties, kind_property) if kind_property else ""
                streets += [StreetFeature(title, _place(name, line, project, crs_known), kind) for line in lines]
            else:
                areas.append(AreaFeature(layer, title, _area(name, geometry, project, crs_known)))
        except _Skip as skip:
            skipped[str(skip)] += 1
    return LayerFile(name, streets if layer == "streets" else areas, skipped, left_out)


class _Skip(Exception):
    """A feature left out, for the reason given."""


def _positions(raw: Any) -> list[Position]:
    if not isinstance(raw, list | tuple):
        raise _Skip("bad coordinates")
    positions = []
    for position in raw:
        if not isinstance(position, list | tuple) or len(position) < 2:
            raise _Skip("bad coordinates")
        x, y = position[0], position[1]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (x, y)):
            raise _Skip("bad coordinates")
        positions.append((float(x), float(y)))
    return positions


def _lines(geometry: dict) -> list[list[Position]]:
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind not in LINES:
        raise _Skip("not a line")
    parts = [coordinates] if kind == "LineString" else coordinates
    if not isinstance(parts, list | tuple):
        raise _Skip("bad coordinates")
    lines = [line for line in (_positions(part) for part in parts) if len(set(line)) >= 2]
    if not lines:
        raise _Skip("too short")
    return lines


def _place(name: str, positions: list[Position], project, crs_known: bool) -> tuple[Position, ...]:
    """Positions in WGS84, rounded; a file whose positions are no longitudes and latitudes is refused whole."""
    if project is not None:
        positions = project(positions)
    for x, y in positions:
        if not (-180 <= x <= 180 and -90 <= y <= 90 and math.isfinite(x) and math.isfinite(y)):
            if crs_known:
                raise PlacesFileError(
                    f"{name}: ({x:.6g}, {y:.6g}) is outside the world in WGS84: is its coordinate system right?"
                )
            raise PlacesFileError(
                f"{name}: ({x:.6g}, {y:.6g}) is not a longitude and latitude: these are projected coordinates,"
                " give --source-crs (INEGI's are EPSG:6372)"
            )
    return tuple((round(x, DIGITS), round(y, DIGITS)) for x, y in positions)


def _area(name: str, geometry: dict, project, crs_known: bool) -> dict:
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind not in POLYGONS:
        raise _Skip("not a polygon")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list | tuple) or not polygons:
        raise _Skip("bad coordinates")
    placed = []
    for polygon in polygons:
        if not isinstance(polygon, list | tuple) or not polygon:
            raise _Skip("bad coordinates")
        rings = [_place(name, _positions(ring), project, crs_known) for ring in polygon]
        if any(len(ring) < 4 for ring in rings):
            raise _Skip("bad polygon")
        placed.append([[list(p) for p in ring] for ring in rings])
    shaped = (
        {"type": "Polygon", "coordinates": placed[0]}
        if kind == "Polygon"
        else {"type": "MultiPolygon", "coordinates": placed}
    )
    return _valid(shaped)


def _valid(geometry: dict) -> dict:
    """The polygon itself, or repaired when it crosses itself (hand-drawn colonias do): predicates on it hold."""
    from shapely import make_valid
    from shapely.geometry import MultiPolygon, Polygon, mapping, shape

    polygon = shape(geometry)
    if polygon.is_valid:
        return geometry
    repaired = make_valid(polygon)
    parts = [g for g in getattr(repaired, "geoms", [repaired]) if isinstance(g, Polygon | MultiPolygon)]
    flat = [p for g in parts for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    if not flat:
        raise _Skip("bad polygon")
    fixed = flat[0] if len(flat) == 1 else MultiPolygon(flat)
    return _lists(mapping(fixed))


def _lists(value: Any) -> Any:
    """GeoJSON with lists, as JSON reads it back (shapely writes tuples)."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value
