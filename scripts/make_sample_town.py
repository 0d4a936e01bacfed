"""Make the sample town San Isidro del Valle and the address corpus over it.

A made-up municipality beside Monterrey (about 1.5 × 1.5 km around 25.66 N, 100.40 W): a grid of Mexican street
names turned 8° on the ground, a diagonal avenue (Av. Juárez), a curved calzada (Calz. San Pedro), seven colonias,
three zones, the municipal boundary and two neighbouring municipalities. Everything is drawn in metres on a local
plane and written as WGS84 GeoJSON ([longitude, latitude], six decimals) into places/sample/, streets cut into one
LineString per block segment between intersections, as INEGI's vialidades are.

The address corpus (corpus/places/addresses.yaml) is then computed from the GeoJSON just written, read back as an
importer would read it: every expected point comes from the geometry, never typed by hand. The script checks its
own output (the colonias tile the town, streets are cut at every crossing, every expected point is inside the
boundary, every named street exists) and fails loudly otherwise.

Deterministic, no randomness. Run with the project's virtualenv: .venv/bin/python scripts/make_sample_town.py
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import shapely
import yaml
from shapely.geometry import LineString, MultiLineString, Point, Polygon, shape
from shapely.ops import linemerge, substring, unary_union

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "places" / "sample"
CORPUS = ROOT / "corpus" / "places" / "addresses.yaml"

MUNICIPALITY = "San Isidro del Valle"
CENTRE_LAT, CENTRE_LNG = 25.66, -100.40  # where the town's centre (750 m, 750 m) lands
M_PER_DEG_LAT = 110_783.0  # metres per degree at 25.66° N (WGS84 ellipsoid)
M_PER_DEG_LNG = 100_404.0
TURN = math.radians(8.0)  # the grid is turned 8° anticlockwise, as old Mexican grids rarely face north
SIDE = 1500.0  # the town is the square [0, SIDE] × [0, SIDE] metres before turning

Coords = list[tuple[float, float]]


# ---------------------------------------------------------------------------------------------------------------
# Streets, in metres. x grows east, y north. Block lines are slightly irregular; colonia edges run mid-block
# (multiples of 150 m), so no street ever runs along a colonia boundary.

X = {  # north-south streets, west to east
    "General Treviño": 75.0,
    "Licenciado Verdad": 220.0,
    "Corregidora": 370.0,
    "Zaragoza": 525.0,
    "Morelos": 675.0,
    "Escobedo": 830.0,
    "Aldama": 975.0,
    "Matamoros": 1120.0,
    "Gómez Morín": 1270.0,
}
Y = [75.0, 225.0, 380.0, 525.0, 675.0, 820.0, 975.0, 1125.0, 1275.0, 1425.0]  # east-west block lines, south to north

TYPES = {  # INEGI keeps the street type apart from the name; anything not here is a Calle
    "Gómez Morín": "Avenida",
    "Juárez": "Avenida",
    "Vasconcelos": "Avenida",
    "San Pedro": "Calzada",
    "Díaz Ordaz": "Boulevard",
    "Madero": "Prolongación",
    "Las Flores": "Privada",
}


def calzada_x(y: float) -> float:
    """Calz. San Pedro, the town's curved eastern edge: it bows out east in the middle."""
    return 1400.0 + 60.0 * math.sin(math.pi * (y - Y[0]) / (Y[-1] - Y[0]))


@dataclass(frozen=True)
class Street:
    name: str
    coords: tuple[tuple[float, float], ...]

    @property
    def kind(self) -> str:
        return TYPES.get(self.name, "Calle")

    @property
    def line(self) -> LineString:
        return LineString(self.coords)


def east_west(name: str, y: float, x0: float, x1: float | None = None) -> Street:
    """An east-west street at y from x0 to x1, or to the calzada when x1 is None."""
    return Street(name, ((x0, y), (calzada_x(y) if x1 is None else x1, y)))


def build_streets() -> list[Street]:
    west, east = X["General Treviño"], None
    x = X
    streets = [
        Street("General Treviño", ((x["General Treviño"], Y[0]), (x["General Treviño"], Y[-1]))),
        Street("Licenciado Verdad", ((x["Licenciado Verdad"], Y[0]), (x["Licenciado Verdad"], Y[-1]))),
        Street("Corregidora", ((x["Corregidora"], Y[0]), (x["Corregidora"], Y[-1]))),
        Street("Zaragoza", ((x["Zaragoza"], Y[0]), (x["Zaragoza"], Y[7]))),  # ends at 20 de Noviembre
        Street("Morelos", ((x["Morelos"], Y[0]), (x["Morelos"], Y[-1]))),
        Street("Escobedo", ((x["Escobedo"], Y[0]), (x["Escobedo"], Y[-1]))),
        Street("Aldama", ((x["Aldama"], Y[0]), (x["Aldama"], Y[-1]))),
        Street("Matamoros", ((x["Matamoros"], Y[0]), (x["Matamoros"], Y[-1]))),
        Street("Gómez Morín", ((x["Gómez Morín"], Y[0]), (x["Gómez Morín"], Y[-1]))),
        east_west("Díaz Ordaz", Y[0], west, east),
        east_west("Guerrero", Y[1], west, x["Matamoros"]),
        east_west("Río Amazonas", Y[1], x["Matamoros"]),
        east_west("Abasolo", Y[2], west, x["Matamoros"]),
        east_west("Río Orinoco", Y[2], x["Matamoros"]),
        east_west("5 de Mayo", Y[3], west),
        east_west("Galeana", Y[4], west, x["Zaragoza"]),
        east_west("Hidalgo", Y[4], x["Zaragoza"], x["Aldama"]),  # Hidalgo of Centro
        east_west("Ocampo", Y[4], x["Aldama"]),
        east_west("Padre Mier", Y[5], west),
        east_west("Allende", Y[6], west),
        east_west("20 de Noviembre", Y[7], west),
        east_west("Hidalgo", Y[8], west, x["Corregidora"]),  # Hidalgo of Obispado, far from the other
        east_west("Vasconcelos", Y[8], x["Corregidora"]),
        east_west("Madero", Y[9], west),
        east_west("Las Flores", 300.0, x["Matamoros"], 1215.0),  # a dead-end privada in Del Valle
        east_west("Las Flores", 1350.0, x["Escobedo"], 925.0),  # and another in Mirasierra
    ]
    # Calz. San Pedro: sampled every 75 m, with a vertex wherever another street ends on it.
    ys = sorted({Y[0] + 75.0 * i for i in range(19)} | set(Y))
    calzada = LineString([(calzada_x(y), y) for y in ys])
    # Av. Juárez: the diagonal, from General Treviño north-east to the calzada.
    start, aim = (west, 345.0), (1440.0, 1010.0)
    far = (start[0] + 2 * (aim[0] - start[0]), start[1] + 2 * (aim[1] - start[1]))
    end = LineString([start, far]).intersection(calzada)
    assert isinstance(end, Point), end
    streets.append(Street("Juárez", (start, (end.x, end.y))))
    vertices = sorted([*calzada.coords, (end.x, end.y)], key=lambda p: p[1])
    streets.append(Street("San Pedro", tuple((float(a), float(b)) for a, b in vertices)))
    return streets


def segments(streets: Sequence[Street]) -> list[Street]:
    """Every street cut at every point where it meets another street: one feature per block segment."""
    nodes: dict[tuple[float, float], tuple[float, float]] = {}

    def add(p: Point) -> None:
        nodes.setdefault((round(p.x, 6), round(p.y, 6)), (p.x, p.y))

    for i, a in enumerate(streets):
        for b in streets[i + 1 :]:
            for g in _points(a.line.intersection(b.line)):
                add(g)
        for c in (a.coords[0], a.coords[-1]):
            add(Point(c))
    out: list[Street] = []
    for s in streets:
        line = s.line
        at = sorted({line.project(Point(n)): n for n in nodes.values() if line.distance(Point(n)) < 1e-6}.items())
        if at[0][0] > 1e-9 or at[-1][0] < line.length - 1e-9:
            raise SystemExit(f"{s.name}: its ends are not nodes")
        inner = [(line.project(Point(c)), c) for c in s.coords[1:-1]]
        for (d0, n0), (d1, n1) in pairwise(at):
            if d1 - d0 < 1e-6:
                continue
            mid = [c for d, c in inner if d0 + 1e-6 < d < d1 - 1e-6]
            out.append(Street(s.name, (n0, *mid, n1)))
    return out


def _points(g) -> list[Point]:
    if g.is_empty:
        return []
    if isinstance(g, Point):
        return [g]
    if g.geom_type == "MultiPoint":
        return list(g.geoms)
    raise SystemExit(f"streets overlap instead of crossing: {g.wkt}")


# ---------------------------------------------------------------------------------------------------------------
# Areas, in metres.


def rect(x0: float, y0: float, x1: float, y1: float) -> Coords:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


COLONIAS: dict[str, Coords] = {
    "Obispado": rect(0, 1200, 600, 1500),
    "Mirasierra": rect(600, 1200, 1500, 1500),
    "San Jerónimo": rect(0, 450, 450, 1200),
    "Centro": rect(450, 450, 1050, 1050),
    "Los Pinos": [
        (450, 1050),
        (1050, 1050),
        (1050, 750),
        (1200, 750),
        (1200, 600),
        (1500, 600),
        (1500, 1200),
        (450, 1200),
    ],
    "Del Valle": [(1050, 0), (1500, 0), (1500, 600), (1200, 600), (1200, 750), (1050, 750)],
    "Vista Hermosa": rect(0, 0, 1050, 450),
}
ZONES: dict[str, Coords] = {
    "Sector Norte": rect(0, 900, 1500, 1500),
    "Sector Poniente": rect(0, 0, 750, 900),
    "Sector Oriente": rect(750, 0, 1500, 900),
}
# The municipality's outline (hills and fields around the town); its east and west stretches are shared with the
# neighbours, listed south to north.
EAST_EDGE: Coords = [(1950, -300), (2050, 500), (1900, 1300), (2000, 1900)]
WEST_EDGE: Coords = [(-450, -350), (-500, 300), (-650, 1000), (-400, 1800)]
BOUNDARY: Coords = [*EAST_EDGE, (1100, 2050), (300, 1950), *reversed(WEST_EDGE), (400, -600), (1300, -500)]
NEIGHBOURS: dict[str, Coords] = {
    "Monterrey": [*EAST_EDGE, (4500, 2100), (4600, -400)],
    "Santa Catarina": [*WEST_EDGE, (-3500, 1900), (-3600, -400)],
}


# ---------------------------------------------------------------------------------------------------------------
# Metres on the local plane ↔ WGS84.


def to_wgs(x: float, y: float) -> tuple[float, float]:
    dx, dy = x - SIDE / 2, y - SIDE / 2
    c, s = math.cos(TURN), math.sin(TURN)
    east, north = c * dx - s * dy, s * dx + c * dy
    return round(CENTRE_LNG + east / M_PER_DEG_LNG, 6), round(CENTRE_LAT + north / M_PER_DEG_LAT, 6)


def to_plane(lng: float, lat: float) -> tuple[float, float]:
    """WGS84 → metres east and north of the town's centre (the turned plane: distances are what matter)."""
    return (lng - CENTRE_LNG) * M_PER_DEG_LNG, (lat - CENTRE_LAT) * M_PER_DEG_LAT


def from_plane(x: float, y: float) -> tuple[float, float]:
    """Metres east and north of the centre → (lat, lng), six decimals."""
    return round(CENTRE_LAT + y / M_PER_DEG_LAT, 6), round(CENTRE_LNG + x / M_PER_DEG_LNG, 6)


def ring(coords: Coords) -> list[list[float]]:
    pts = [list(to_wgs(x, y)) for x, y in coords]
    poly = Polygon(pts)
    if not poly.exterior.is_ccw:  # GeoJSON (RFC 7946): exterior rings run anticlockwise
        pts.reverse()
    return [*pts, pts[0]]


def shared_vertices(layer: dict[str, Coords]) -> dict[str, Coords]:
    """Each ring with a vertex wherever a neighbour's vertex lies on its edge, so the tiling survives rounding."""
    points = {p for coords in layer.values() for p in coords}
    out: dict[str, Coords] = {}
    for name, coords in layer.items():
        ring_out: Coords = []
        for a, b in zip(coords, coords[1:] + coords[:1]):
            edge = LineString([a, b])
            inner = [p for p in points if p not in (a, b) and edge.distance(Point(p)) < 1e-9]
            ring_out += [a, *sorted(inner, key=lambda p: edge.project(Point(p)))]
        out[name] = ring_out
    return out


def collection(features: Iterable[dict]) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def polygon_feature(name: str, coords: Coords) -> dict:
    return {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "Polygon", "coordinates": [ring(coords)]},
    }


def write_json(path: Path, data: dict) -> None:
    # One feature a line: diffs stay readable, files stay small.
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in data["features"]]
    path.write_text('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")


def write_layers(streets: Sequence[Street]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    street_features = [
        {
            "type": "Feature",
            "properties": {"name": s.name, "type": s.kind},
            "geometry": {"type": "LineString", "coordinates": [list(to_wgs(x, y)) for x, y in s.coords]},
        }
        for s in streets
    ]
    write_json(OUT / "streets.geojson", collection(street_features))
    write_json(
        OUT / "colonias.geojson", collection(polygon_feature(n, c) for n, c in shared_vertices(COLONIAS).items())
    )
    write_json(OUT / "boundary.geojson", collection([polygon_feature(MUNICIPALITY, BOUNDARY)]))
    write_json(OUT / "municipalities.geojson", collection(polygon_feature(n, c) for n, c in NEIGHBOURS.items()))
    write_json(OUT / "zones.geojson", collection(polygon_feature(n, c) for n, c in shared_vertices(ZONES).items()))


# ---------------------------------------------------------------------------------------------------------------
# The town as an importer reads it back: GeoJSON → shapely, on the metric plane.


def plane(geom):
    return shapely.transform(geom, lambda a: (a - (CENTRE_LNG, CENTRE_LAT)) * (M_PER_DEG_LNG, M_PER_DEG_LAT))


class Town:
    def __init__(self, folder: Path) -> None:
        def load(name: str) -> list[tuple[dict, Any]]:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
            return [(f["properties"], plane(shape(f["geometry"]))) for f in data["features"]]

        self.segments = load("streets.geojson")
        by_name: dict[str, list[LineString]] = defaultdict(list)
        for props, geom in self.segments:
            assert isinstance(geom, LineString)
            by_name[props["name"]].append(geom)
        self.streets = {n: linemerge(MultiLineString(lines)) for n, lines in by_name.items()}
        self.colonias = {p["name"]: g for p, g in load("colonias.geojson")}
        self.zones = {p["name"]: g for p, g in load("zones.geojson")}
        self.neighbours = {p["name"]: g for p, g in load("municipalities.geojson")}
        ((_, self.boundary),) = load("boundary.geojson")

    def street(self, name: str):
        if name not in self.streets:
            raise SystemExit(f"no street {name!r} in the town")
        return self.streets[name]

    def pieces(self, name: str) -> list[LineString]:
        g = self.street(name)
        return list(g.geoms) if isinstance(g, MultiLineString) else [g]

    def colonia_of(self, line: LineString) -> str:
        return max(self.colonias, key=lambda c: line.intersection(self.colonias[c]).length)

    def colonias_along(self, name: str) -> list[str]:
        return [c for c, poly in self.colonias.items() if self.street(name).intersection(poly).length > 1.0]

    def crossing(self, a: str, b: str) -> Point:
        g = self.street(a).intersection(self.street(b))
        if not isinstance(g, Point):
            raise SystemExit(f"{a} and {b} do not meet at exactly one point: {g.wkt}")
        return g

    def between(self, street: str, a: str, b: str) -> Point:
        pa, pb = self.crossing(street, a), self.crossing(street, b)
        (piece,) = [p for p in self.pieces(street) if p.distance(pa) < 1e-6 and p.distance(pb) < 1e-6]
        d0, d1 = sorted((piece.project(pa), piece.project(pb)))
        stretch = substring(piece, d0, d1)
        if stretch.length < 1.0:
            raise SystemExit(f"{street} between {a} and {b}: no stretch")
        return stretch.interpolate(0.5, normalized=True)

    def midpoint(self, street: str, colonia: str | None = None) -> Point:
        g = self.street(street)
        if colonia is not None:
            if colonia not in self.colonias:
                raise SystemExit(f"no colonia {colonia!r}")
            g = g.intersection(self.colonias[colonia])
        parts = [p for p in getattr(g, "geoms", [g]) if isinstance(p, LineString)]
        longest = max(parts, key=lambda p: p.length, default=None)
        if longest is None or longest.length < 60.0:
            raise SystemExit(f"{street} barely passes through {colonia}")
        if colonia is None and len(self.pieces(street)) > 1:
            raise SystemExit(f"{street} is not one street: name its colonia or make the case ambiguous")
        return longest.interpolate(0.5, normalized=True)


# ---------------------------------------------------------------------------------------------------------------
# The corpus: what residents of Monterrey type for "¿Dónde?", each read as canonical street names.


@dataclass(frozen=True)
class Case:
    text: str
    kind: str
    streets: tuple[str, ...] = ()
    colonia: str | None = None


def x(text: str, a: str, b: str) -> Case:
    return Case(text, "intersection", (a, b))


def bt(text: str, street: str, a: str, b: str) -> Case:
    return Case(text, "between", (street, a, b))


def num(text: str, street: str, colonia: str | None = None) -> Case:
    return Case(text, "street_number", (street,), colonia)


def st(text: str, street: str, colonia: str | None = None) -> Case:
    return Case(text, "street", (street,), colonia)


def amb(text: str, street: str) -> Case:
    return Case(text, "ambiguous", (street,))


def unk(text: str) -> Case:
    return Case(text, "unknown")


TREV, LIC, CORR, ZAR, MOR, ESC, ALD, MAT, GOM = X
CALZ, JUA, DIAZ, VAS, MAD, FLO = "San Pedro", "Juárez", "Díaz Ordaz", "Vasconcelos", "Madero", "Las Flores"
CINCO, VEINTE, PM, HID, AMA, ORI = (
    "5 de Mayo",
    "20 de Noviembre",
    "Padre Mier",
    "Hidalgo",
    "Río Amazonas",
    "Río Orinoco",
)
GUE, ABA, GAL, OCA, ALL = "Guerrero", "Abasolo", "Galeana", "Ocampo", "Allende"

CASES: list[Case] = [
    # Intersections: the crossing of the two centrelines.
    x("Morelos y 5 de Mayo", MOR, CINCO),
    x("morelos y 5 de mayo", MOR, CINCO),
    x("MORELOS Y 5 DE MAYO", MOR, CINCO),
    x("está en Morelos y 5 de Mayo", MOR, CINCO),
    x("Morelos y 5 de Mayo, frente a la primaria", MOR, CINCO),
    x("cinco de mayo y morelos", MOR, CINCO),
    x("Morelos esquina con Padre Mier", MOR, PM),
    x("Morelos/Padre Mier", MOR, PM),
    x("Padre Mier y Morelos col. Centro", MOR, PM),
    x("en la esquina de Hidalgo y Zaragoza", HID, ZAR),
    x("Zaragoza e Hidalgo", HID, ZAR),
    x("Galeana y Zaragoza", GAL, ZAR),
    x("Allende casi esquina con Aldama", ALL, ALD),
    x("cruce de Juárez y Morelos", JUA, MOR),
    x("Av. Juárez y Morelos", JUA, MOR),
    x("av juarez y morelos frente al oxxo", JUA, MOR),
    x("Zaragoza y 5 de Mayo", ZAR, CINCO),
    x("zaragosa y padre mier", ZAR, PM),
    x("Zaragoza esq. Allende", ZAR, ALL),
    x("Zaragoza esquina con 20 de Noviembre", ZAR, VEINTE),
    x("Zaragoza y Abasolo", ZAR, ABA),
    x("Guerreo y Zaragoza", GUE, ZAR),
    x("Escobedo esq. Allende", ESC, ALL),
    x("Escobedo y Hidalgo", ESC, HID),
    x("es en Escobedo y Padre Mier", ESC, PM),
    x("Padre Mieer y Escobedo", PM, ESC),
    x("5 de Mayo esq. Escobedo", CINCO, ESC),
    x("Escobedo y Guerrero", ESC, GUE),
    x("Escobedo esquina con Díaz Ordaz", ESC, DIAZ),
    x("Escobedo y Prol. Madero", ESC, MAD),
    x("Escobeo y 20 de noviembre", ESC, VEINTE),
    x("Aldama esquina Hidalgo", ALD, HID),
    x("Aldama y 5 de mayo", ALD, CINCO),
    x("Padre Mier y Aldama, a un lado de la farmacia", PM, ALD),
    x("Aldma y Padre Mier", ALD, PM),
    x("Avasolo y Aldama", ABA, ALD),
    x("Aldama y Ocampo", ALD, OCA),
    x("veinte de noviembre y aldama", VEINTE, ALD),
    x("Aldama y Prol. Madero", ALD, MAD),
    x("Hidalog y Morelos", HID, MOR),
    x("hidalgo y morelos centro", HID, MOR),
    x("Morleos y Allende", MOR, ALL),
    x("Morelos con 20 de Noviembre", MOR, VEINTE),
    x("Guerrero y Morelos", GUE, MOR),
    x("Morelos esq Abasolo", MOR, ABA),
    x("Blvd. Díaz Ordaz y Morelos", DIAZ, MOR),
    x("Prol. Madero y Morelos", MAD, MOR),
    x("morelos y vasconcelos", MOR, VAS),
    x("Vasconcelos y Morelos, Mirasierra", VAS, MOR),
    x("20 de noviembre y escobedo", VEINTE, ESC),
    x("Gral. Treviño y Galeana", TREV, GAL),
    x("Gral Trevino y Abasolo", TREV, ABA),
    x("General Treviño esquina Padre Mier", TREV, PM),
    x("Gral. Treviño esquina con Hidalgo", TREV, HID),
    x("20 de Noviembre esquina Gral. Treviño", VEINTE, TREV),
    x("blvd diaz ordaz y gral treviño", DIAZ, TREV),
    x("Madero y Gral. Treviño", MAD, TREV),
    x("Lic. Verdad y Allende", LIC, ALL),
    x("Licenciado Verdad y 5 de Mayo", LIC, CINCO),
    x("lic verdad esq hidalgo", LIC, HID),
    x("Lic. Verdad y Hidalgo, col. Obispado", LIC, HID),
    x("Galeana y Lic. Verdad", GAL, LIC),
    x("Lic. Verdad y Díaz Ordaz", LIC, DIAZ),
    x("prolongacion madero esquina lic verdad", MAD, LIC),
    x("Hidalgo y Corregidora", HID, CORR),
    x("Corregidora y Galeana", CORR, GAL),
    x("Coregidora y Padre Mier", CORR, PM),
    x("Corregidora esquina Guerrero", CORR, GUE),
    x("Corregidora y 20 de Noviembre", CORR, VEINTE),
    x("Vasconcelos esq. Corregidora", VAS, CORR),
    x("Abasolo y Escobedo", ABA, ESC),
    x("Abasolo esquina con Matamoros", ABA, MAT),
    x("Matamoros y Río Amazonas", MAT, AMA),
    x("Matamoros y Padre Mier", MAT, PM),
    x("Matamros y Allende", MAT, ALL),
    x("Matamoros esquina con Vasconcelos", MAT, VAS),
    x("5 de mayo y matamoros", CINCO, MAT),
    x("20 de Nov. y Matamoros", VEINTE, MAT),
    x("Ocampo y Matamoros", OCA, MAT),
    x("Priv. Las Flores y Matamoros", FLO, MAT),
    x("privada las flores esquina matamoros", FLO, MAT),
    x("Las Flores y Escobedo", FLO, ESC),
    x("Río Amazonas y Gómez Morín", AMA, GOM),
    x("Amazonas y Gomez Morin", AMA, GOM),
    x("Gómez Morín y Río Amazonas, Del Valle", GOM, AMA),
    x("Orinoco esquina Gómez Morín", ORI, GOM),
    x("Río Orinoco y Calz. San Pedro", ORI, CALZ),
    x("Gómez Morín y Vasconcelos", GOM, VAS),
    x("Av. Gómez Morín y Av. Vasconcelos", GOM, VAS),
    x("Gómez Morín a la altura de Allende", GOM, ALL),
    x("Gómez Morín y 5 de Mayo", GOM, CINCO),
    x("Gómez Morín esquina con Padre Mier", GOM, PM),
    x("Ocampo esq Gómez Morín", OCA, GOM),
    x("Díaz Ordaz y Gómez Morín", DIAZ, GOM),
    x("gomes morin y diaz ordas", GOM, DIAZ),
    x("Diaz Ordaz esq Zaragoza", DIAZ, ZAR),
    x("Díaz Ordaz y Calz. San Pedro", DIAZ, CALZ),
    x("Vasconcelos y Escobedo", VAS, ESC),
    x("Vasconselos y Aldama", VAS, ALD),
    x("Madero y Calzada San Pedro", MAD, CALZ),
    x("Calz. San Pedro y Vasconcelos", CALZ, VAS),
    x("Calz San Pedro esq 20 de Noviembre", CALZ, VEINTE),
    x("calzada san pedro y padre mier", CALZ, PM),
    x("Ocampo y Calz. San Pedro", OCA, CALZ),
    x("Calz. San Pedro y Av. Juárez", CALZ, JUA),
    x("Juárez y Gómez Morín", JUA, GOM),
    x("Av. Juarez esq. Matamoros", JUA, MAT),
    x("Ave. Juárez y Aldama", JUA, ALD),
    x("Juarez y Escobedo", JUA, ESC),
    x("juarez y hidalgo", JUA, HID),
    x("Juárez y Zaragoza, junto a la iglesia", JUA, ZAR),
    x("Av Juarez y 5 de mayo", JUA, CINCO),
    x("Juárez esquina Corregidora", JUA, CORR),
    x("Juárez y Lic. Verdad", JUA, LIC),
    x("Av. Juárez y Padre Mier", JUA, PM),
    x("Juárez y Allende por la gasolinera", JUA, ALL),
    x("Juárez y Abasolo", JUA, ABA),
    x("Allende y Gómez Morín", ALL, GOM),
    x("por Allende y Escobedo", ALL, ESC),
    x("esquina Morelos y Allende", MOR, ALL),
    x("Morelos y Padre Mier, San Isidro del Valle", MOR, PM),
    x("Aldama esq. Padre Mier, Centro, San Isidro", ALD, PM),
    x("en el cruce de Gómez Morín con 20 de Noviembre", GOM, VEINTE),
    x("corregidora y abasolo, frente a la tortilleria", CORR, ABA),
    # Between: the midpoint of the first street's stretch between its crossings with the other two.
    bt("Hidalgo entre Morelos y Zaragoza", HID, MOR, ZAR),
    bt("Hidalgo entre Morelos y Zaragoza a un lado del Oxxo", HID, MOR, ZAR),
    bt("en Hidalgo entre Morelos y Zaragoza", HID, MOR, ZAR),
    bt("entre Morelos y Zaragoza, sobre Hidalgo", HID, MOR, ZAR),
    bt("Padre Mier entre Zaragoza y Escobedo", PM, ZAR, ESC),
    bt("padre mier entre zaragoza y escobedo col centro", PM, ZAR, ESC),
    bt("Morelos, entre 5 de Mayo e Hidalgo", MOR, CINCO, HID),
    bt("Morelos entre Padre Mier y Allende", MOR, PM, ALL),
    bt("sobre morelos entre allende y 20 de noviembre", MOR, ALL, VEINTE),
    bt("Morelos entre Juárez e Hidalgo", MOR, JUA, HID),
    bt("Zaragoza entre Guerrero y Abasolo", ZAR, GUE, ABA),
    bt("Zaragoza entre Padre Mier y Allende, frente al parque", ZAR, PM, ALL),
    bt("calle Escobedo entre Hidalgo y Padre Mier", ESC, HID, PM),
    bt("Escobedo entre 20 de Noviembre y Vasconcelos", ESC, VEINTE, VAS),
    bt("Aldama entre 5 de Mayo y Juárez", ALD, CINCO, JUA),
    bt("Aldama entre Allende y 20 de Noviembre", ALD, ALL, VEINTE),
    bt("Allende entre Morelos y Escobedo", ALL, MOR, ESC),
    bt("Allende entre Aldama y Matamoros", ALL, ALD, MAT),
    bt("Allende entre Gómez Morín y Calz. San Pedro", ALL, GOM, CALZ),
    bt("5 de Mayo entre Zaragoza y Morelos", CINCO, ZAR, MOR),
    bt("Gómez Morín entre Río Amazonas y Río Orinoco", GOM, AMA, ORI),
    bt("Gomez Morin entre Vasconcelos y Madero", GOM, VAS, MAD),
    bt("Matamoros entre Padre Mier y Allende", MAT, PM, ALL),
    bt("Matamoros entre Ocampo y Padre Mier", MAT, OCA, PM),
    bt("Matamoros entre Río Amazonas y Río Orinoco", MAT, AMA, ORI),
    bt("Calz. San Pedro entre Ocampo y Padre Mier", CALZ, OCA, PM),
    bt("Calzada San Pedro entre Vasconcelos y 20 de Noviembre", CALZ, VAS, VEINTE),
    bt("Vasconcelos entre Morelos y Escobedo", VAS, MOR, ESC),
    bt("Av. Vasconcelos entre Aldama y Matamoros", VAS, ALD, MAT),
    bt("Prol. Madero entre Lic. Verdad y Corregidora", MAD, LIC, CORR),
    bt("Gral. Treviño entre Padre Mier y Allende", TREV, PM, ALL),
    bt("Lic. Verdad entre Galeana y Padre Mier", LIC, GAL, PM),
    bt("Corregidora entre Abasolo y 5 de Mayo", CORR, ABA, CINCO),
    bt("Río Amazonas entre Matamoros y Gómez Morín", AMA, MAT, GOM),
    bt("Rio Orinoco entre Gomez Morin y Calz San Pedro", ORI, GOM, CALZ),
    bt("Díaz Ordaz entre Morelos y Escobedo", DIAZ, MOR, ESC),
    bt("Av. Juárez entre Morelos y Escobedo", JUA, MOR, ESC),
    bt("Juárez entre Aldama y Matamoros", JUA, ALD, MAT),
    bt("Guerrero entre Zaragoza y Morelos", GUE, ZAR, MOR),
    bt("Abasolo entre Escobedo y Aldama", ABA, ESC, ALD),
    bt("20 de Noviembre entre Morelos y Escobedo", VEINTE, MOR, ESC),
    bt("Ocampo entre Matamoros y Gómez Morín", OCA, MAT, GOM),
    bt("Galeana entre Gral. Treviño y Lic. Verdad", GAL, TREV, LIC),
    bt("Hidalgo entre Gral. Treviño y Lic. Verdad", HID, TREV, LIC),
    bt("Padre Mier entre Corregidora y Zaragoza", PM, CORR, ZAR),
    bt("Morelos #300 entre 5 de Mayo y Padre Mier", MOR, CINCO, PM),
    bt("Gral. Treviño 300 entre Guerrero y Abasolo", TREV, GUE, ABA),
    # Street and number with colonia: the midpoint of the street's part inside the colonia (no house numbering).
    num("Av. Juárez 356, col. Centro", JUA, "Centro"),
    num("Zaragoza 1020 Centro", ZAR, "Centro"),
    num("Matamoros #45 colonia Del Valle", MAT, "Del Valle"),
    num("Hidalgo 120 col. Obispado", HID, "Obispado"),
    num("Hidalgo 450 pte, col Centro", HID, "Centro"),
    num("Hidalgo #310, Obispado", HID, "Obispado"),
    num("Morelos 830 col. Centro", MOR, "Centro"),
    num("Morelos 1500, Mirasierra", MOR, "Mirasierra"),
    num("Morelos 210 Vista Hermosa", MOR, "Vista Hermosa"),
    num("Padre Mier 820 Pte., Centro", PM, "Centro"),
    num("Padre Mier 150 col. San Jerónimo", PM, "San Jerónimo"),
    num("Padre Mier 1300, Los Pinos", PM, "Los Pinos"),
    num("Gral. Treviño 455, col. Obispado", TREV, "Obispado"),
    num("General Treviño 900 San Jeronimo", TREV, "San Jerónimo"),
    num("Lic. Verdad 120 Col. Vista Hermosa", LIC, "Vista Hermosa"),
    num("Corregidora #612 col San Jerónimo", CORR, "San Jerónimo"),
    num("Escobedo 1400 Mirasierra", ESC, "Mirasierra"),
    num("Escobedo 710, Centro", ESC, "Centro"),
    num("Aldama No. 505 Col. Centro", ALD, "Centro"),
    num("Matamoros 245 col. Los Pinos", MAT, "Los Pinos"),
    num("Gómez Morín 300 Del Valle", GOM, "Del Valle"),
    num("Av. Gómez Morín 1100, col. Los Pinos", GOM, "Los Pinos"),
    num("Calz. San Pedro 800, Del Valle", CALZ, "Del Valle"),
    num("Calzada San Pedro 1520 col Mirasierra", CALZ, "Mirasierra"),
    num("Vasconcelos 600 Obispado", VAS, "Obispado"),
    num("Av. Vasconcelos 1200 Mirasierra", VAS, "Mirasierra"),
    num("Prol. Madero 2100 Obispado", MAD, "Obispado"),
    num("madero 330 col mirasierra", MAD, "Mirasierra"),
    num("20 de Noviembre 410 col. Los Pinos", VEINTE, "Los Pinos"),
    num("20 de Noviembre 99, San Jerónimo", VEINTE, "San Jerónimo"),
    num("5 de Mayo 615 Centro", CINCO, "Centro"),
    num("5 de mayo #1200 col del valle", CINCO, "Del Valle"),
    num("Blvd. Díaz Ordaz 1300, Del Valle", DIAZ, "Del Valle"),
    num("Guerrero 400 col. Vista Hermosa", GUE, "Vista Hermosa"),
    num("Juárez 1100 col Los Pinos", JUA, "Los Pinos"),
    num("Av. Juarez 210 Vista Hermosa", JUA, "Vista Hermosa"),
    num("Ocampo 1250 Del Valle", OCA, "Del Valle"),
    num("Allende 1400 col. Los Pinos", ALL, "Los Pinos"),
    num("Privada Las Flores 12, Del Valle", FLO, "Del Valle"),
    num("Aldama 1350 Los Pinos, San Isidro del Valle", ALD, "Los Pinos"),
    # Street and number without colonia, on a street the town has once: the street's midpoint.
    num("Matamoros 245", MAT),
    num("Escobedo 1020", ESC),
    num("Gómez Morín 500", GOM),
    num("Padre Mier 430 Pte", PM),
    num("Aldama #77", ALD),
    num("Av. Juárez 1800", JUA),
    num("Corregidora 115", CORR),
    num("Lic. Verdad No. 300", LIC),
    num("vasconcelos 900", VAS),
    num("20 de Noviembre 1500", VEINTE),
    num("está en Zaragoza 840", ZAR),
    num("Río Orinoco 212", ORI),
    num("Calz. San Pedro 350", CALZ),
    num("Blvd Díaz Ordaz 2200", DIAZ),
    num("Galeana 190 ote.", GAL),
    # A street alone (or with its colonia): the same midpoint rule.
    st("sobre Gómez Morín", GOM),
    st("calle Escobedo", ESC),
    st("sobre Vasconcelos frente al parque", VAS),
    st("en la calle Matamoros", MAT),
    st("Río Amazonas", AMA),
    st("por Galeana", GAL),
    st("sobre la Díaz Ordaz", DIAZ),
    st("en Corregidora", CORR),
    st("Abasolo", ABA),
    st("Calz. San Pedro, Mirasierra", CALZ, "Mirasierra"),
    st("sobre Allende, colonia Los Pinos", ALL, "Los Pinos"),
    st("Morelos col. Vista Hermosa", MOR, "Vista Hermosa"),
    st("Privada Las Flores, col. Mirasierra", FLO, "Mirasierra"),
    st("Hidalgo, col. Centro", HID, "Centro"),
    # Ambiguous: a street the town has twice, without a colonia or cross street: the bot asks, naming colonias.
    amb("Hidalgo 120", HID),
    amb("calle Hidalgo", HID),
    amb("Hidalgo #450", HID),
    amb("en Hidalgo", HID),
    amb("sobre Hidalgo frente a la tienda", HID),
    amb("hidalgo 1200", HID),
    amb("Hidalog 33", HID),
    amb("Calle Hidalgo No. 215", HID),
    amb("Hidalgo 500 pte", HID),
    amb("Privada Las Flores", FLO),
    amb("priv las flores 8", FLO),
    amb("en la privada Las Flores al fondo", FLO),
    # Unknown: not in the town, or no place at all; the bot asks for a pin or a cross street.
    unk("Calle Inventada 45"),
    unk("Av. Siempre Viva 742"),
    unk("aquí afuera de mi casa"),
    unk("asdfgh"),
    unk("Av. Constitución y Pino Suárez"),
    unk("Garza Sada 2501, col. Tecnológico"),
    unk("Gonzalitos y Ruiz Cortines"),
    unk("Paseo de los Leones 1200, Cumbres"),
    unk("no sé cómo se llama la calle"),
    unk("por la tienda de don Pepe"),
    unk("enfrente de la escuela"),
    unk("Calle Mina 215"),
    unk("Lázaro Cárdenas y Humberto Lobo"),
    unk("en mi cuadra"),
    unk("Cerrada de los Almendros 14"),
    unk("Av. Revolución 3000"),
    unk("la calle de atrás del mercado"),
    unk("Río Colorado y Vasconcelos"),
    unk("Morelos y Garibaldi"),
]


def expected(town: Town, case: Case) -> dict:
    """The corpus entry for one case, its point computed from the town's geometry."""
    entry: dict = {"text": case.text}
    if case.kind == "unknown":
        entry["unknown"] = True
    elif case.kind == "ambiguous":
        asked = sorted({town.colonia_of(p) for p in town.pieces(case.streets[0])})
        if len(asked) < 2:
            raise SystemExit(f"{case.text!r}: {case.streets[0]} is not ambiguous")
        entry["ask"] = asked
    else:
        if case.kind == "intersection":
            p = town.crossing(*case.streets)
        elif case.kind == "between":
            p = town.between(*case.streets)
        else:
            p = town.midpoint(case.streets[0], case.colonia)
        if not town.boundary.contains(p):
            raise SystemExit(f"{case.text!r}: {p.wkt} is outside the boundary")
        entry["lat"], entry["lng"] = from_plane(p.x, p.y)
    entry["kind"] = case.kind
    return entry


def reading(case: Case) -> str:
    """What a case means, as a trailing comment for whoever reads a miss."""
    if case.kind == "intersection":
        return " × ".join(case.streets)
    if case.kind == "between":
        return f"{case.streets[0]} between {case.streets[1]} and {case.streets[2]}"
    if case.kind in ("street_number", "street"):
        return case.streets[0] + (f" in {case.colonia}" if case.colonia else "")
    if case.kind == "ambiguous":
        return case.streets[0]
    return ""


CORPUS_HEAD = """\
# What residents type for "¿Dónde?", each with the point it must give (WGS84), over the sample town
# San Isidro del Valle (places/sample/). Generated by scripts/make_sample_town.py from the town's geometry:
# edit the cases there, not here. The comment after a case says how it reads (canonical street names).
# Rules: corpus/places/README.md.
cases:
"""


def yaml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.6f}"
    if isinstance(v, list):
        return "[" + ", ".join(yaml_value(i) for i in v) + "]"
    if re.fullmatch(r"[\w ]+", v):  # a plain word or two: no quotes needed
        return v
    return json.dumps(v, ensure_ascii=False)


def write_corpus(town: Town) -> list[dict]:
    entries = [expected(town, c) for c in CASES]
    texts = [c.text for c in CASES]
    dupes = {t for t in texts if texts.count(t) > 1}
    if dupes:
        raise SystemExit(f"cases written twice: {sorted(dupes)}")
    width = max(len(_flow(e)) for e in entries)
    lines = [CORPUS_HEAD]
    for case, e in zip(CASES, entries):
        note = reading(case)
        flow = _flow(e)
        lines.append(f"  - {flow:<{width}}  # {note}\n" if note else f"  - {flow}\n")
    CORPUS.parent.mkdir(parents=True, exist_ok=True)
    CORPUS.write_text("".join(lines), encoding="utf-8")
    return entries


def _flow(entry: dict) -> str:
    return (
        "{"
        + ", ".join(
            f"{k}: {json.dumps(v, ensure_ascii=False) if k == 'text' else yaml_value(v)}" for k, v in entry.items()
        )
        + "}"
    )


# ---------------------------------------------------------------------------------------------------------------
# Checks on what was written.


def check(town: Town, entries: list[dict]) -> None:
    town_area = plane(Polygon([to_wgs(a, b) for a, b in rect(0, 0, SIDE, SIDE)]))
    for layer in (town.colonias, town.zones):
        polys = list(layer.values())
        assert all(p.is_valid for p in polys)
        assert unary_union(polys).symmetric_difference(town_area).area < 500.0, "a layer does not cover the town"
        for i, a in enumerate(polys):
            for b in polys[i + 1 :]:
                assert a.intersection(b).area < 1e-3, "areas overlap"
    assert town.boundary.is_valid and town.boundary.contains(town_area.buffer(200)), "the boundary is too tight"
    for name, poly in town.neighbours.items():
        assert poly.is_valid and poly.intersection(town.boundary).area < 1e-3, name
        assert poly.intersection(town.boundary).length > 1000, f"{name} shares no edge with the boundary"
    assert not town.colonias["Centro"].intersects(town.colonias["Obispado"]), "Centro touches Obispado"
    edges = unary_union([p.boundary for p in town.colonias.values()])
    segs = [g for _, g in town.segments]
    for (props, seg), i in zip(town.segments, range(len(segs))):
        assert props["type"] and props["name"], props
        assert town_area.contains(seg), f"{props['name']} leaves the town"
        assert seg.intersection(edges).length == 0, f"{props['name']} runs along a colonia edge"
        for other in segs[i + 1 :]:
            meet = seg.intersection(other)
            if meet.is_empty:
                continue
            ends = {seg.coords[0], seg.coords[-1]} & {other.coords[0], other.coords[-1]}
            assert isinstance(meet, Point) and (meet.x, meet.y) in ends, f"{props['name']}: not cut at a crossing"
    # The duplicated names: each piece lies in one colonia, and the pieces are far apart.
    for name in ("Hidalgo", "Las Flores"):
        a, b = town.pieces(name)
        assert a.distance(b) > 500, name
        for p in (a, b):
            assert p.intersection(town.colonias[town.colonia_of(p)]).length > p.length - 1e-6, name
    loaded = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["cases"]
    assert loaded == entries, "the YAML does not load back as written"


def street_names(town: Town) -> list[str]:
    return sorted(town.streets, key=lambda n: n.lower())


def summary(town: Town, entries: list[dict]) -> str:
    out: list[str] = []
    lng0, lat0 = (min(v) for v in zip(*(c for _, g in town.segments for c in _wgs(g))))
    lng1, lat1 = (max(v) for v in zip(*(c for _, g in town.segments for c in _wgs(g))))
    out.append(f"{MUNICIPALITY}: streets span lat {lat0:.6f}..{lat1:.6f}, lng {lng0:.6f}..{lng1:.6f}")
    out.append(f"{len(town.segments)} street segments, {len(town.streets)} street names")
    for colonia in town.colonias:
        names = [n for n in street_names(town) if colonia in town.colonias_along(n)]
        out.append(f"  {colonia}: {', '.join(names)}")
    kinds: dict[str, int] = defaultdict(int)
    for e in entries:
        kinds[e["kind"]] += 1
    placed = kinds["intersection"] + kinds["between"]
    out.append(f"{len(entries)} cases: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    out.append(f"intersections and between: {placed / len(entries):.0%}")
    return "\n".join(out)


def _wgs(g) -> list[tuple[float, float]]:
    return [(CENTRE_LNG + a / M_PER_DEG_LNG, CENTRE_LAT + b / M_PER_DEG_LAT) for a, b in g.coords]


# ---------------------------------------------------------------------------------------------------------------
# places/sample/README.md, with a schematic map drawn from the layers.

MAP_LETTERS = {
    "Obispado": "o",
    "Mirasierra": "m",
    "San Jerónimo": "j",
    "Centro": "c",
    "Los Pinos": "p",
    "Del Valle": "v",
    "Vista Hermosa": "h",
}


def ascii_map(streets: Sequence[Street]) -> str:
    """The town on the unturned plane, 25 m a column and 50 m a row: streets drawn, colonias lettered."""
    dx, dy = 25.0, 50.0
    cols, rows = int(SIDE / dx), int(SIDE / dy)
    polys = {n: Polygon(c) for n, c in COLONIAS.items()}
    cells: dict[tuple[int, int], set[str]] = defaultdict(set)
    for s in streets:
        line = s.line
        (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
        mark = "|" if abs(x1 - x0) < 1 or s.name == "San Pedro" else ("-" if abs(y1 - y0) < 1 else "/")
        for i in range(int(line.length // 5) + 1):
            p = line.interpolate(i * 5.0)
            cells[(int((SIDE - p.y) // dy), int(p.x // dx))].add(mark)
    labels = {
        int((SIDE - y) // dy): " / ".join(
            dict.fromkeys(s.name for s in streets if s.coords[0][1] == y and s.coords[-1][1] == y)
        )
        for y in Y
    }
    crossings = {
        (int((SIDE - p.y) // dy), int(p.x // dx))
        for i, a in enumerate(streets)
        for b in streets[i + 1 :]
        for p in _points(a.line.intersection(b.line))
    }
    grid = []
    for r in range(rows):
        row = []
        for c in range(cols):
            marks = cells.get((r, c), set())
            if (r, c) in crossings:
                row.append("+")
            elif marks:
                row.append(next(m for m in "/|-" if m in marks))
            else:
                p = Point((c + 0.5) * dx, SIDE - (r + 0.5) * dy)
                row.append(next((MAP_LETTERS[n] for n, poly in polys.items() if poly.contains(p)), " "))
        grid.append("".join(row) + (f"  {labels[r]}" if r in labels else ""))
    return "\n".join(grid)


def write_readme(town: Town, streets: Sequence[Street], entries: list[dict]) -> None:
    lng0 = min(c[0] for _, g in town.segments for c in _wgs(g))
    lng1 = max(c[0] for _, g in town.segments for c in _wgs(g))
    lat0 = min(c[1] for _, g in town.segments for c in _wgs(g))
    lat1 = max(c[1] for _, g in town.segments for c in _wgs(g))
    per_colonia = "\n".join(
        f"- **{c}** ({MAP_LETTERS[c]}): "
        + ", ".join(_styled(n) for n in street_names(town) if c in town.colonias_along(n))
        for c in town.colonias
    )
    dupes = ", ".join(
        f"{_styled(n)} ({' and '.join(sorted(town.colonia_of(p) for p in town.pieces(n)))})"
        for n in street_names(town)
        if len(town.pieces(n)) > 1
    )
    text = f"""# The sample town: {MUNICIPALITY}

A made-up municipality beside Monterrey, Nuevo León, so the demo geocodes out of the box and the address
corpus (`corpus/places/addresses.yaml`) has a town to be measured against. Nothing here is a real place: the
street names are the ones every Mexican town has, the layout is invented.

Made by `.venv/bin/python scripts/make_sample_town.py` (deterministic: running it again rewrites the same
files, the corpus and this README). Licence: **CC0 1.0** (public domain dedication): made up, use it freely.

## Layers

All GeoJSON FeatureCollections, WGS84, `[longitude, latitude]`, six decimals.

| File | Features | Properties |
|---|---|---|
| `streets.geojson` | {len(town.segments)} LineStrings, one per block segment between intersections (as INEGI's vialidades) | `name` ("Juárez"), `type` ("Avenida") |
| `colonias.geojson` | {len(town.colonias)} Polygons tiling the town | `name` |
| `boundary.geojson` | 1 Polygon, the municipality of {MUNICIPALITY} (the town and the hills around it) | `name` |
| `municipalities.geojson` | {len(town.neighbours)} Polygons, the neighbours sharing its edges: {", ".join(town.neighbours)} | `name` |
| `zones.geojson` | {len(town.zones)} Polygons covering the town, for routing by zone: {", ".join(town.zones)} | `name` |

Streets span latitude {lat0:.6f} to {lat1:.6f} and longitude {lng0:.6f} to {lng1:.6f} (about 1.5 × 1.5 km
of grid turned 8° on the ground, centred on 25.66 N, 100.40 W): {sum(len(town.pieces(n)) for n in town.streets)} streets
under {len(town.streets)} names. As in INEGI's Marco Geoestadístico the street
type is kept apart from the name: Av. Juárez is `{{"name": "Juárez", "type": "Avenida"}}`, Calz. San Pedro is
`"San Pedro"` + `"Calzada"`, Prol. Madero is `"Madero"` + `"Prolongación"`, Priv. Las Flores is `"Las Flores"` +
`"Privada"`, Blvd. Díaz Ordaz is `"Díaz Ordaz"` + `"Boulevard"`; every other street is a `"Calle"`. Titles stay
in the name, spelled out: `"General Treviño"`, `"Licenciado Verdad"`.

What the geocoder is tested on:

- **The same name twice**: {dupes}. The two of each are in colonias that do not touch.
- **Numbers in names**: 5 de Mayo, 20 de Noviembre. **Accents**: Juárez, Gómez Morín, Díaz Ordaz, Treviño,
  Río Amazonas, Río Orinoco, colonia San Jerónimo.
- **Not a perfect grid**: Av. Juárez runs diagonally from General Treviño to Calz. San Pedro; Calz. San Pedro
  curves along the east side; Zaragoza ends at 20 de Noviembre; several east-west lines change name at a
  crossing (Galeana → Hidalgo → Ocampo, Hidalgo → Vasconcelos, Guerrero → Río Amazonas, Abasolo → Río Orinoco).
- Colonia and zone edges run mid-block, so no street lies along an edge.

## Streets per colonia

By name, type left out of the order; a street is listed in every colonia it passes through.

{per_colonia}

## Map

Schematic, before the 8° turn: north up, 25 m a column, 50 m a row. `|` and `=` are streets (`#` a crossing),
letters are colonias.

```
{ascii_map(streets)}
```

East-west streets are named on the right; the two stubs are the privadas Las Flores, off Escobedo
(Mirasierra) and off Matamoros (Del Valle); `/` is Av. Juárez; the bowed line on the east is Calz. San Pedro.
North-south streets, west to east: {", ".join(X)}, Calz. San Pedro.
"""
    (OUT / "README.md").write_text(text, encoding="utf-8")


def _styled(name: str) -> str:
    abbreviations = {
        "Avenida": "Av.",
        "Calzada": "Calz.",
        "Prolongación": "Prol.",
        "Privada": "Priv.",
        "Boulevard": "Blvd.",
    }
    kind = TYPES.get(name, "Calle")
    return f"{abbreviations[kind]} {name}" if kind in abbreviations else name


def main() -> None:
    whole = build_streets()
    cut = segments(whole)
    write_layers(cut)
    town = Town(OUT)
    entries = write_corpus(town)
    check(town, entries)
    write_readme(town, whole, entries)
    print(summary(town, entries))


if __name__ == "__main__":
    main()
