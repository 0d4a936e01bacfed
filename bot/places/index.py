"""The city's places in memory, read fast: written addresses become points, pins become street names.

`PlaceIndex(streets, areas)` implements bot.flows.places.Places. It is built once from the features
(a file's or the database's) and then only read. Geometry is kept in metres, in a local frame around
the city's centre (an equirectangular projection: over a city's few tens of kilometres it is exact to
well under a metre in what is measured here), so that "within 15 m" means metres.

Streets are grouped by name as bot.places.addresses.street_key compares names; segments of one name
whose ends touch make one street, so two "Hidalgo" in different colonias are two streets, and a
written name that fits both is asked about, naming each one's colonia. Where two streets meet is
worked out once, when the index is built, so that reading "Morelos y 5 de Mayo" is a few lookups.
A name that fits no street only loosely gives nothing: the index never invents a place.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from rapidfuzz import fuzz, process
from shapely.geometry import shape
from shapely.ops import nearest_points

from bot.flows.matching import short_text_cache
from bot.flows.places import Found, Near, Place
from bot.places.addresses import (
    LONGEST_CACHED_NAME,
    NAMED_TYPES,
    Address,
    Reading,
    area_key,
    parse,
    street_key,
)
from bot.places.model import AreaFeature, StreetFeature

__all__ = ["PlaceIndex"]

EARTH_RADIUS = 6_371_008.8  # metres, the mean radius
TOUCH = 1.0  # segments of one name whose ends are this close (metres) are one street
MEET = 15.0  # two streets whose lines come this close meet, where their lines do not cross exactly
SAME_CROSSING = 40.0  # meeting points of two streets this close together are one crossing
NEAR_STREET = 300.0  # a pin farther than this from any street is near none
NEAR_CROSS = 300.0  # nor is a crossing farther than this the pin's cross street
COLONIA_EDGE = 25.0  # a street along a colonia's edge is in it
COLONIA_REACH = 300.0  # a street this close to a named colonia may be meant, where none passes through it

NAME_SCORE = 80  # a typo: "morleos" for "morelos" scores 86, "zaragosa" 88; "moreno" for "morelos" 77
AREA_SCORE = 80  # "Centrp" for Centro scores 83
HINT_SCORE = 90  # an unmarked word ("Zaragoza 1020 Centro") must name a colonia more surely
MIN_FUZZY = 5  # shorter names must be written exactly
TIE = 3  # names scoring this close are equals: ask, never guess
NAMES_MATCHED_CACHED = 8192  # the written names an index remembers matching (short ones only)
SHORT_NAME = 0.95  # "Juárez" for "Benito Juárez", "Hidalgo" for "Hidalgo Poniente"
LOOSE = 0.9  # "Colón en el centro": a street followed by words that are not

# How sure each way of placing is, before the names' own scores lower it.
SURE = {
    "intersection": 0.95,
    "between": 0.9,
    "near_crossing": 0.7,  # "Padre Mier pasando Morelos", "Allende entre Morelos" (no second street): the crossing
    "street_colonia": 0.6,
    "street_number": 0.5,
    "street_near_colonia": 0.45,  # the street passes near the colonia named, not through it
}
SURE_STREET = 0.4
_AFTER_PREPOSITION = re.compile(r"\s(?:en|sobre|por)\s+", re.IGNORECASE)
ORIENTATIONS = frozenset({"norte", "sur", "oriente", "poniente"})
ARTICLES = frozenset({"de", "del", "la", "las", "los", "el", "y"})
JOINS = frozenset({"y", "e", "con", "esquina", "esq", "entre", "cruce", "casi"})  # a name is never cut across these
VAGUE = ORIENTATIONS | {"centro", "nuevo", "nueva", "viejo", "vieja", "principal", "real", "antiguo", "antigua"}


@dataclass
class _Street:
    """Connected segments of one name: a street."""

    key: str
    name: str  # as the map writes it, the most common spelling among its segments
    geometry: shapely.MultiLineString  # metres
    length: float
    midpoint: tuple[float, float]  # metres
    colonia: str | None = None


class _Frame:
    """Longitude and latitude to metres around a centre, and back (equirectangular)."""

    def __init__(self, lng: float, lat: float):
        self.lng, self.lat = lng, lat
        self.ky = EARTH_RADIUS * math.pi / 180
        self.kx = self.ky * math.cos(math.radians(lat))

    def to_xy(self, coords: np.ndarray) -> np.ndarray:
        coords = np.asarray(coords, dtype=float).reshape(-1, 2)
        return np.column_stack(((coords[:, 0] - self.lng) * self.kx, (coords[:, 1] - self.lat) * self.ky))

    def point(self, lat: float, lng: float) -> shapely.Point:
        return shapely.Point((lng - self.lng) * self.kx, (lat - self.lat) * self.ky)

    def lat_lng(self, x: float, y: float) -> tuple[float, float]:
        return self.lat + y / self.ky, self.lng + x / self.kx


class _Layer:
    """The areas of one layer, ready to say which one holds a point."""

    def __init__(self, names: list[str], geometries: list):
        self.names = names
        self.geometries = geometries
        self.tree = shapely.STRtree(geometries)
        self.areas = shapely.area(geometries)
        self.by_key: dict[str, list[int]] = defaultdict(list)
        for index, name in enumerate(names):
            self.by_key[area_key(name)].append(index)
        self.keys = list(self.by_key)

    def holding(self, point: shapely.Point) -> int | None:
        """The smallest area holding the point (the most precise, where areas overlap)."""
        hits = self.tree.query(point, predicate="intersects")
        return int(min(hits, key=lambda i: (self.areas[i], i))) if len(hits) else None


class PlaceIndex:
    """The city's streets and areas, as the engine's Places port."""

    def __init__(self, streets: Sequence[StreetFeature], areas: Sequence[AreaFeature]):
        features = [f for f in streets if len(f.coords) >= 2 and street_key(f.name, f.kind)]
        self.frame = _Frame(*_centre(features, areas))
        self._layers = self._load_areas(areas)
        self._streets: list[_Street] = []
        self._by_key: dict[str, list[int]] = defaultdict(list)
        self._crossings: dict[tuple[int, int], list[tuple[float, float, float]]] = defaultdict(list)
        self._cross_of: dict[int, list[tuple[float, float, int]]] = defaultdict(list)
        self._cross_arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._street_of = np.empty(0, dtype=int)
        self._tree = shapely.STRtree([])
        if features:
            self._load_streets(features)
        self._aliases = self._name_aliases()
        self._choices = list(self._aliases)
        self._match = short_text_cache(NAMES_MATCHED_CACHED, longest=LONGEST_CACHED_NAME)(self._match_name)
        self._colonia_areas: dict[tuple[tuple[int, ...], float], object] = {}

    # --- building ---

    def _load_areas(self, areas: Iterable[AreaFeature]) -> dict[str, _Layer]:
        by_layer: dict[str, tuple[list[str], list]] = defaultdict(lambda: ([], []))
        for area in areas:
            geometry = shapely.transform(shape(area.geometry), self.frame.to_xy)
            if not geometry.is_valid:
                geometry = shapely.make_valid(geometry)
            if geometry.is_empty:
                continue
            names, geometries = by_layer[area.layer]
            names.append(area.name)
            geometries.append(geometry)
        return {layer: _Layer(names, geometries) for layer, (names, geometries) in by_layer.items()}

    def _load_streets(self, features: list[StreetFeature]) -> None:
        counts = [len(f.coords) for f in features]
        xy = self.frame.to_xy(np.array([c for f in features for c in f.coords], dtype=float))
        segments = shapely.linestrings(xy, indices=np.repeat(np.arange(len(features)), counts))
        keys = [street_key(f.name, f.kind) for f in features]
        ids: dict[str, int] = {}
        key_ids = np.array([ids.setdefault(k, len(ids)) for k in keys])
        tree = shapely.STRtree(segments)
        # Segments of one name whose ends touch are one street.
        starts = np.cumsum([0, *counts[:-1]])
        ends = shapely.points(np.concatenate([xy[starts], xy[starts + np.array(counts) - 1]]))
        point, other = tree.query(ends, predicate="dwithin", distance=TOUCH)
        own = point % len(features)
        joined = (own != other) & (key_ids[own] == key_ids[other])
        roots = _components(len(features), own[joined], other[joined])
        members: dict[int, list[int]] = defaultdict(list)
        for index, root in enumerate(roots):
            members[root].append(index)
        street_of = np.empty(len(features), dtype=int)
        for number, group in enumerate(members.values()):
            geometry = shapely.multilinestrings(segments[group])
            names = Counter(features[i].name for i in group)
            midpoint = _middle(geometry)
            street = _Street(keys[group[0]], names.most_common(1)[0][0], geometry, geometry.length, midpoint)
            street.colonia = self._area_at(shapely.Point(midpoint), "colonias")
            self._streets.append(street)
            self._by_key[street.key].append(number)
            street_of[group] = number
        self._street_of, self._tree = street_of, tree
        # Where streets meet: every pair of segments of two names within MEET, at their nearest points.
        first, second = tree.query(segments, predicate="dwithin", distance=MEET)
        pair = street_of[first] < street_of[second]
        pair &= key_ids[first] != key_ids[second]
        first, second = first[pair], second[pair]
        links = shapely.shortest_line(segments[first], segments[second])
        gaps = shapely.length(links)
        points = shapely.get_coordinates(shapely.line_interpolate_point(links, 0.5, normalized=True))
        for a, b, (x, y), gap in zip(street_of[first], street_of[second], points, gaps):
            self._crossings[int(a), int(b)].append((float(x), float(y), float(gap)))
        for (a, b), found in self._crossings.items():
            exact = [p for p in found if p[2] < 0.5] or found
            self._crossings[a, b] = exact
            self._cross_of[a].extend((x, y, b) for x, y, _ in exact)
            self._cross_of[b].extend((x, y, a) for x, y, _ in exact)

    def _name_aliases(self) -> dict[str, list[tuple[str, float]]]:
        """Every written form a street's name is known by: the whole name, and its last words ("Juárez")."""
        aliases: dict[str, dict[str, float]] = defaultdict(dict)
        for key in self._by_key:
            aliases[key][key] = 1.0
            for short in _short_forms(key):
                aliases[short].setdefault(key, SHORT_NAME)
        return {alias: sorted(keys.items()) for alias, keys in aliases.items()}

    # --- the port ---

    def find(self, text: str) -> Found:
        """Read a written address into one place, several to ask about, or none."""
        address = parse(text)
        best = self._best_reading(address)
        if best is None and (tail := _AFTER_PREPOSITION.search(text)):  # "hay un bache en Morelos y 5 de Mayo"
            best = self._best_reading(parse(text[tail.end() :]))
        return Found(places=best or (), reference=address.reference)

    def _best_reading(self, address: Address) -> tuple[Place, ...] | None:
        """The likeliest reading that gives places: a crossing or a block before a street alone."""
        best: tuple[Place, ...] | None = None
        best_tier = 2
        for reading in address.readings:
            tier = 1 if reading.kind == "street" else 0
            if best is not None and tier > best_tier:
                break
            result = self._resolve(reading)
            if result and (best is None or tier < best_tier or _sureness(result) > _sureness(best)):
                best, best_tier = result, tier
        return best

    def near(self, lat: float, lng: float) -> Near | None:
        """The nearest street, the street crossing it nearest the pin, and the pin's colonia."""
        if not self._streets:
            return None
        point = self.frame.point(lat, lng)
        nearest = self._tree.query_nearest(point, max_distance=NEAR_STREET)
        if not len(nearest):
            return None
        number = int(self._street_of[int(min(nearest))])
        cross = None
        if number in self._cross_of:
            if number not in self._cross_arrays:
                found = self._cross_of[number]
                self._cross_arrays[number] = (
                    np.array([(x, y) for x, y, _ in found]),
                    np.array([other for _, _, other in found]),
                )
            points, others = self._cross_arrays[number]
            distances = np.hypot(points[:, 0] - point.x, points[:, 1] - point.y)
            closest = int(np.argmin(distances))
            if distances[closest] <= NEAR_CROSS:
                cross = self._streets[int(others[closest])].name
        return Near(street=self._streets[number].name, cross=cross, colonia=self._area_at(point, "colonias"))

    def inside(self, lat: float, lng: float) -> bool | None:
        if "boundary" not in self._layers:
            return None
        return self._layers["boundary"].holding(self.frame.point(lat, lng)) is not None

    def municipality(self, lat: float, lng: float) -> str | None:
        return self.area(lat, lng, "municipalities")

    def area(self, lat: float, lng: float, layer: str) -> str | None:
        return self._area_at(self.frame.point(lat, lng), layer)

    def _area_at(self, point: shapely.Point, layer: str) -> str | None:
        areas = self._layers.get(layer)
        held = areas.holding(point) if areas else None
        return areas.names[held] if areas and held is not None else None

    # --- reading names ---

    def _match_name(self, text: str, loose: bool = False) -> tuple[tuple[str, float], ...]:
        """The streets' keys a written name may be, with scores (0..100), best first: the names it is exactly
        (whole, 100, or their last words, 95: "Las Flores" for "Privada Las Flores"), or else its typos."""
        query = street_key(text)
        if not query:
            return ()
        found = self._exact(query)
        if not found and query.startswith(("la ", "el ")):  # "sobre la Díaz Ordaz", as Monterrey says it
            query = query[3:]
            found = self._exact(query)
        if not found and query.rsplit(" ", 1)[-1] in ORIENTATIONS and " " in query:  # "Hidalgo Pte." for Hidalgo
            query = query.rsplit(" ", 1)[0]
            found = [(key, score * SHORT_NAME) for key, score in self._exact(query)]
        if not found and len(query) >= MIN_FUZZY:
            digits = _digits(query)
            scored: dict[str, float] = {}
            for choice, score, _ in process.extract(
                query, self._choices, scorer=fuzz.ratio, score_cutoff=NAME_SCORE, limit=12
            ):
                if len(choice) >= MIN_FUZZY and _digits(choice) == digits:
                    for key, weight in self._aliases[choice]:
                        scored[key] = max(scored.get(key, 0.0), score * weight)
            found = sorted(scored.items(), key=lambda item: (-item[1], item[0]))
        words = query.split()
        for start in range(1, min(len(words), 3)) if not found else ():  # "Lic. Benito Juárez" for "Juárez"
            if any(w in ARTICLES or w in JOINS or not w.isalpha() for w in words[: start + 1]):
                break
            found = [(key, score * LOOSE) for key, score in self._exact(" ".join(words[start:]))]
            if found:
                break
        for end in range(len(words) - 1, 0, -1) if loose and not found else ():  # "Colón en el centro"
            if any(w in JOINS for w in words[end:]):
                break
            found = [(key, score * LOOSE) for key, score in self._exact(" ".join(words[:end]))]
            if found:
                break
        if not found:
            return ()
        return tuple(sorted(found, key=lambda item: (-item[1], item[0])))

    def _exact(self, query: str) -> list[tuple[str, float]]:
        return [(key, 100.0 * weight) for key, weight in self._aliases.get(query, ())]

    def _colonia(self, reading: Reading) -> tuple[str, list[int]] | None:
        """The colonia a reading names ("col. Centro", or an unmarked "Centro"), and its areas."""
        colonias = self._layers.get("colonias")
        if not colonias:
            return None
        named = [(reading.colonia, AREA_SCORE)] if reading.colonia else []
        for text, cutoff in named + [(hint, HINT_SCORE) for hint in reading.hints]:
            key = area_key(text)
            if not key:
                continue
            if key in colonias.by_key:
                indices = colonias.by_key[key]
            else:
                best = process.extractOne(key, colonias.keys, scorer=fuzz.ratio, score_cutoff=cutoff)
                if not best or len(key) < MIN_FUZZY:
                    continue
                indices = colonias.by_key[best[0]]
            return colonias.names[indices[0]], indices
        return None

    # --- placing a reading ---

    def _resolve(self, reading: Reading) -> tuple[Place, ...] | None:
        if reading.kind in ("intersection", "near"):
            return self._intersection(reading)
        if reading.kind == "between":
            return self._between(reading)
        return self._street(reading)

    def _streets_named(self, matches: Iterable[tuple[str, float]]) -> list[tuple[int, float]]:
        return [(number, score) for key, score in matches for number in self._by_key[key]]

    def _intersection(self, reading: Reading) -> tuple[Place, ...] | None:
        first, second = (
            self._streets_named(self._match(name, loose)) for name, loose in zip(reading.streets, (False, True))
        )
        if not first or not second:
            return None
        meetings = []
        for a, score_a in first:
            for b, score_b in second:
                for x, y in self._meeting(a, b):
                    meetings.append((x, y, a, b, min(score_a, score_b)))
        meetings = self._in_colonia(_best(meetings, 4), reading)
        if not meetings:
            return None
        crossings = _clusters(meetings)
        sure = SURE["intersection"] if reading.kind == "intersection" else SURE["near_crossing"]
        return tuple(
            self._place(x, y, sure, s, f"{self._streets[a].name} y {self._streets[b].name}", "intersection")
            for x, y, a, b, s in crossings
        )

    def _between(self, reading: Reading) -> tuple[Place, ...] | None:
        street_text, one_text, other_text = reading.streets
        streets = self._streets_named(self._match(street_text))
        ones = self._streets_named(self._match(one_text))
        others = self._streets_named(self._match(other_text, True))
        if not streets or not (ones or others):
            return None
        found = []
        for number, score in streets:
            street = self._streets[number]
            at_one = [(x, y, b, min(score, s)) for b, s in ones for x, y in self._meeting(number, b)]
            at_other = [(x, y, b, min(score, s)) for b, s in others for x, y in self._meeting(number, b)]
            if at_one and at_other:
                pairs = [(math.dist(p[:2], q[:2]), p, q) for p in at_one for q in at_other]
                _, p, q = min(pairs, key=lambda t: t[0])
                x, y = _halfway(street.geometry, p[:2], q[:2])
                matched = f"{street.name} entre {self._streets[p[2]].name} y {self._streets[q[2]].name}"
                found.append((x, y, number, min(p[3], q[3]), matched, SURE["between"], "between"))
            elif at_one or at_other:  # one cross street meets it: near that crossing
                x, y, b, s = (at_one or at_other)[0]
                matched = f"{street.name} y {self._streets[b].name}"
                found.append((x, y, number, s, matched, SURE["near_crossing"], "intersection"))
        if any(f[5] == SURE["between"] for f in found):  # both crossings found beat one
            found = [f for f in found if f[5] == SURE["between"]]
        found = self._in_colonia(_best(found, 3), reading)
        if not found:
            return None
        places = tuple(self._place(x, y, sure, s, matched, method) for x, y, _, s, matched, sure, method in found)
        return _distinct(places)

    def _street(self, reading: Reading) -> tuple[Place, ...] | None:
        streets = _best(self._streets_named(self._match(reading.streets[0])), 1)
        if not streets:
            return None
        shown = f"{{}} {reading.number}" if reading.number else "{}"
        method = "street_number" if reading.number else "street"
        colonia = self._colonia(reading)
        if colonia:
            name, indices = colonia
            pieces = []
            for number, score in streets:
                piece = self._piece_in(number, indices)
                if piece is not None:
                    pieces.append((piece.length, number, score, piece))
            if pieces:
                _, number, score, piece = max(pieces, key=lambda p: (p[0], -p[1]))
                x, y = _middle(piece)
                sure = SURE["street_colonia"] if reading.number else SURE["street_colonia"] - 0.05
                place = self._place(x, y, sure, score, shown.format(self._streets[number].name), method, name)
                return (place,)
            # The street does not pass through the colonia named: its point nearest the colonia, if it is close.
            area = self._colonia_area(tuple(indices), 0.0)
            reach = [(self._streets[n].geometry.distance(area), n, s) for n, s in streets]
            reach = [r for r in reach if r[0] <= COLONIA_REACH]
            if not reach:
                return None  # the map and the resident disagree: ask, never guess
            _, number, score = min(reach, key=lambda r: (r[0], r[1]))
            point = nearest_points(self._streets[number].geometry, area)[0]
            shown_name = shown.format(self._streets[number].name)
            return (self._place(point.x, point.y, SURE["street_near_colonia"], score, shown_name, method),)
        sure = SURE["street_number"] if reading.number else SURE_STREET
        by_colonia: dict[str | None, tuple[int, float]] = {}
        for number, score in streets:  # one per colonia: a street cut in two pieces is still one place to ask about
            street = self._streets[number]
            kept = by_colonia.get(street.colonia)
            if kept is None or street.length > self._streets[kept[0]].length:
                by_colonia[street.colonia] = (number, score)
        places = tuple(
            self._place(
                *self._streets[n].midpoint,
                sure,
                s,
                shown.format(self._streets[n].name),
                method,
                self._streets[n].colonia,
            )
            for n, s in by_colonia.values()
        )
        return places

    # --- geometry ---

    def _meeting(self, a: int, b: int) -> list[tuple[float, float]]:
        """Where two streets meet (one point per crossing)."""
        found = self._crossings.get((a, b) if a < b else (b, a))
        if not found:
            return []
        return [(x, y) for x, y, *_ in _clusters([(x, y, gap) for x, y, gap in sorted(found, key=lambda p: p[2])])]

    def _piece_in(self, number: int, indices: list[int]):
        """The longest piece of a street inside a colonia (or along its edge), or None."""
        street = self._streets[number]
        for edge in (0.0, COLONIA_EDGE):
            area = self._colonia_area(tuple(indices), edge)
            if not street.geometry.intersects(area):
                continue
            inside = shapely.get_parts(shapely.intersection(street.geometry, area))
            lines = [g for g in inside if g.geom_type == "LineString" and g.length > 0]
            if lines:
                merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(lines)))
                return max(merged, key=lambda g: g.length)
        return None

    def _colonia_area(self, indices: tuple[int, ...], edge: float = COLONIA_EDGE):
        """A colonia's area (all its polygons, where one name has several), widened by edge metres."""
        if (indices, edge) not in self._colonia_areas:
            area = shapely.union_all([self._layers["colonias"].geometries[i] for i in indices])
            self._colonia_areas[indices, edge] = shapely.buffer(area, edge) if edge else area
        return self._colonia_areas[indices, edge]

    def _in_colonia(self, found: list, reading: Reading) -> list:
        """Keep the places inside the colonia the reading names, if it names one and any are."""
        colonia = self._colonia(reading) if len(found) > 1 else None
        if not colonia:
            return found
        area = self._colonia_area(tuple(colonia[1]))
        inside = [f for f in found if area.contains(shapely.Point(f[0], f[1]))]
        return inside or found

    def _place(
        self, x: float, y: float, sure: float, score: float, matched: str, method: str, colonia: str | None = None
    ) -> Place:
        lat, lng = self.frame.lat_lng(x, y)
        confidence = sure * (0.7 + 0.3 * min(score, 100.0) / 100)
        if colonia is None:
            colonia = self._area_at(shapely.Point(x, y), "colonias")
        return Place(round(lat, 7), round(lng, 7), round(confidence, 3), matched, colonia, method)


def _centre(streets: Sequence[StreetFeature], areas: Sequence[AreaFeature]) -> tuple[float, float]:
    """The middle of the streets' extent (or the areas', with no streets): the metric frame's origin."""
    coords = np.array([c for f in streets for c in f.coords], dtype=float).reshape(-1, 2)
    if not len(coords) and areas:
        coords = shapely.get_coordinates([shape(a.geometry) for a in areas])
    if not len(coords):
        return 0.0, 0.0
    low, high = coords.min(axis=0), coords.max(axis=0)
    return float(low[0] + high[0]) / 2, float(low[1] + high[1]) / 2


def _components(count: int, first: np.ndarray, second: np.ndarray) -> list[int]:
    """Union-find: the root of each item once the linked pairs are joined."""
    parent = list(range(count))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(first.tolist(), second.tolist()):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [root(i) for i in range(count)]


def _middle(geometry) -> tuple[float, float]:
    """The point halfway along a street (its longest run, where it branches)."""
    merged = shapely.line_merge(geometry) if geometry.geom_type != "LineString" else geometry
    if merged.geom_type != "LineString":  # ends that touch within TOUCH but not exactly: join them first
        merged = shapely.line_merge(shapely.set_precision(geometry, TOUCH))
    line = max(shapely.get_parts(merged), key=lambda g: g.length)
    point = shapely.line_interpolate_point(line, 0.5, normalized=True)
    return float(point.x), float(point.y)


def _halfway(geometry, p: Sequence[float], q: Sequence[float]) -> tuple[float, float]:
    """The point of a street halfway between two of its points (the block between two crossings)."""
    merged = shapely.line_merge(geometry) if geometry.geom_type != "LineString" else geometry
    if merged.geom_type == "LineString":
        start, end = merged.project(shapely.Point(p)), merged.project(shapely.Point(q))
        point = merged.interpolate((start + end) / 2)
    else:
        point = nearest_points(geometry, shapely.Point((p[0] + q[0]) / 2, (p[1] + q[1]) / 2))[0]
    return float(point.x), float(point.y)


def _sureness(places: tuple[Place, ...]) -> float:
    return max(place.confidence for place in places)


def _best(found: list, score: int) -> list:
    """The entries scoring as well as the best (entry[score]), or nearly: near-equals are asked about, never guessed."""
    top = max((f[score] for f in found), default=0.0)
    return [f for f in found if f[score] >= top - TIE]


def _clusters(points: list) -> list:
    """The points that are more than SAME_CROSSING apart, first of each group kept (entries start with x, y)."""
    kept: list = []
    for point in points:
        if all(math.dist(point[:2], other[:2]) > SAME_CROSSING for other in kept):
            kept.append(point)
    return kept


def _distinct(places: tuple[Place, ...]) -> tuple[Place, ...]:
    """One place per spot: readings of two names for the same block are one answer."""
    kept: list[Place] = []
    for place in places:
        if all(_metres(place, other) > SAME_CROSSING for other in kept):
            kept.append(place)
    return tuple(kept)


def _metres(a: Place, b: Place) -> float:
    dy = math.radians(b.lat - a.lat)
    dx = math.radians(b.lng - a.lng) * math.cos(math.radians((a.lat + b.lat) / 2))
    return EARTH_RADIUS * math.hypot(dx, dy)


def _digits(text: str) -> list[str]:
    return [w for w in text.split() if w.isdigit()]


def _short_forms(key: str) -> Iterable[str]:
    """The shorter names a street goes by: its last words ("juarez" for "benito juarez"), without orientation."""
    words = key.split()
    while len(words) > 1 and words[-1] in ORIENTATIONS:
        words = words[:-1]
        yield " ".join(words)  # "hidalgo" for "hidalgo poniente"
    for start in range(1, len(words)):
        tail = words[start:]
        if start == 1 and words[0] in NAMED_TYPES:
            yield " ".join(tail)  # "las flores", "16 de septiembre" for the Privada
            continue
        if tail[0] in ("de", "del", "y") or tail[0].isdigit() or (len(tail) == 1 and tail[0] in VAGUE | ARTICLES):
            continue
        if words[start - 1] == "de" and start >= 2 and words[start - 2].isdigit():
            continue  # "mayo" is not short for "5 de mayo"
        if len(" ".join(tail)) >= 4:
            yield " ".join(tail)
