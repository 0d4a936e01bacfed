"""How well, and how fast, written addresses become places: the address corpus, then a city of 20,000 segments.

Run from the repo root:

    .venv/bin/python bench/places.py              # both parts, every miss listed
    .venv/bin/python bench/places.py --quiet      # the tables only
    .venv/bin/python bench/places.py --no-speed   # the corpus only

(a) Every case of corpus/places/addresses.yaml is read by a PlaceIndex built from places/sample/*.geojson.
A case with a point (`lat`, `lng`) must be placed there: within 50 m counts, 50–150 m is near, farther is
wrong, and asking back (several places, or none) is a miss. A case with `ask: [colonias]` must be asked
back naming exactly those colonias; one with `unknown: true` must give nothing. A place given for either
is wrong.

(b) A synthetic city is generated (deterministic): a grid of 20,000 street segments with names repeated
across colonias, and 2,000 written addresses and 2,000 pins over it; it prints the time to build the index
and the median and 99th percentile of find() and near().
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.flows.places import Found  # noqa: E402
from bot.places.index import PlaceIndex  # noqa: E402
from bot.places.model import AREA_LAYERS, AreaFeature, StreetFeature  # noqa: E402

GOAL_RIGHT = 0.95  # placed within 50 m or asked back correctly
GOAL_WRONG = 0.01
GOAL_MEDIAN_MS = 5.0
CLOSE, NEAR = 50.0, 150.0  # metres
VERDICTS = ("placed", "asked", "near", "missed", "wrong")  # the columns, in order
EARTH_RADIUS = 6_371_008.8


def read_geojson(folder: Path) -> tuple[list[StreetFeature], list[AreaFeature]]:
    """The sample town's layers: streets.geojson (name, type) and one file per area layer."""
    streets: list[StreetFeature] = []
    areas: list[AreaFeature] = []
    for path in sorted(folder.glob("*.geojson")):
        layer = path.stem
        if layer != "streets" and layer not in AREA_LAYERS:
            continue
        for feature in json.loads(path.read_text("utf-8"))["features"]:
            properties, geometry = feature.get("properties") or {}, feature["geometry"]
            name = str(properties.get("name") or "")
            if layer == "streets":
                lines = [geometry["coordinates"]] if geometry["type"] == "LineString" else geometry["coordinates"]
                kind = str(properties.get("type") or "")
                streets += [
                    StreetFeature(name, tuple((float(x), float(y)) for x, y, *_ in line), kind) for line in lines
                ]
            else:
                areas.append(AreaFeature(layer, name, geometry))
    return streets, areas


def metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Outcome:
    case: dict
    verdict: str
    got: str


def judge(case: dict, found: Found) -> Outcome:
    """Sort one case's answer into placed, asked (correctly), near, missed or wrong."""
    places = found.places
    shown = "; ".join(f"{p.matched} ({p.colonia}, {p.method} {p.confidence:.2f})" for p in places) or "nothing"
    if "lat" in case:
        if len(places) != 1:
            return Outcome(case, "missed", f"asked back: {shown}")
        place = places[0]
        distance = metres(case["lat"], case["lng"], place.lat, place.lng)
        verdict = "placed" if distance <= CLOSE else "near" if distance <= NEAR else "wrong"
        return Outcome(case, verdict, f"{distance:.0f} m off: {shown}")
    if case.get("unknown"):
        return Outcome(case, "asked" if not places else "wrong", shown)
    wanted = sorted(case["ask"])
    if len(places) == 1:
        return Outcome(case, "wrong", f"placed: {shown}")
    colonias = sorted(p.colonia or "?" for p in places)
    return Outcome(case, "asked" if colonias == wanted else "missed", f"asked {colonias}: {shown}")


def corpus_bench(corpus: Path, sample: Path, quiet: bool) -> None:
    streets, areas = read_geojson(sample)
    index = PlaceIndex(streets, areas)
    cases = yaml.safe_load(corpus.read_text("utf-8"))["cases"]
    outcomes = [judge(case, index.find(case["text"])) for case in cases]
    kinds = list(dict.fromkeys(case.get("kind", "?") for case in cases))
    print(f"(a) {corpus.relative_to(ROOT)}: {len(cases)} addresses over {sample.relative_to(ROOT)}")
    print(f"{'kind':<14} {'cases':>6} {'≤50 m':>7} {'asked':>7} {'50–150':>7} {'missed':>7} {'wrong':>7} {'right':>7}")
    for kind in [*kinds, None]:
        chosen = [o for o in outcomes if kind is None or o.case.get("kind", "?") == kind]
        counts = Counter(o.verdict for o in chosen)
        right = (counts["placed"] + counts["asked"]) / len(chosen)
        cells = " ".join(f"{counts[v]:>7}" for v in VERDICTS)
        print(f"{kind or 'overall':<14} {len(chosen):>6} {cells} {right:>6.1%}")
    counts = Counter(o.verdict for o in outcomes)
    share = {verdict: counts[verdict] / len(outcomes) for verdict in VERDICTS}
    right, wrong = share["placed"] + share["asked"], share["wrong"]
    print(
        f"placed within 50 m {share['placed']:.1%}, asked back correctly {share['asked']:.1%}, "
        f"placed 50–150 m {share['near']:.1%}, missed {share['missed']:.1%}, placed wrong {wrong:.1%}"
    )
    print(
        f"placed within 50 m or asked back correctly: {right:.1%} (goal ≥ {GOAL_RIGHT:.0%}) {_mark(right >= GOAL_RIGHT)}"
    )
    print(
        f"placed wrong (> 150 m, or a place for an ask/unknown case): {wrong:.1%} (goal ≤ {GOAL_WRONG:.0%}) {_mark(wrong <= GOAL_WRONG)}"
    )
    if not quiet:
        for o in outcomes:
            if o.verdict not in ("placed", "asked"):
                print(f"  {o.verdict}: {o.case['text']!r} ({o.case.get('kind', '?')}): {o.got}")


# --- (b) a synthetic city ---

GIVEN = [
    "Benito",
    "Miguel",
    "José María",
    "Vicente",
    "Ignacio",
    "Mariano",
    "Francisco",
    "Juan",
    "Guadalupe",
    "Emiliano",
    "Lázaro",
    "Venustiano",
    "Agustín",
    "Nicolás",
    "Manuel",
    "Pedro",
    "Andrés",
    "Leona",
    "Josefa",
    "Carmen",
    "Antonio",
    "Luis",
    "Jesús",
    "Ramón",
    "Felipe",
    "Santiago",
    "Alfonso",
    "Rafael",
    "Fernando",
    "Eulalio",
    "Margarita",
    "Rosario",
    "Dolores",
    "Elena",
    "Teresa",
    "Isabel",
    "Pablo",
    "Tomás",
    "Ricardo",
    "Gabriel",
]
FAMILY = [
    "Juárez",
    "Hidalgo",
    "Morelos",
    "Guerrero",
    "Zaragoza",
    "Allende",
    "Aldama",
    "Matamoros",
    "Abasolo",
    "Escobedo",
    "Madero",
    "Carranza",
    "Zapata",
    "Villa",
    "Obregón",
    "Cárdenas",
    "Victoria",
    "Bravo",
    "Galeana",
    "Rayón",
    "Mina",
    "Ocampo",
    "Treviño",
    "Garza",
    "Vicario",
    "Domínguez",
    "Altamirano",
    "Prieto",
    "Ramírez",
    "Degollado",
    "Rangel",
    "Villarreal",
    "Montemayor",
    "Elizondo",
    "Cantú",
    "Salinas",
    "Leal",
    "Tamez",
    "Quiroga",
    "Sada",
]
THINGS = [
    "Los Pinos",
    "Las Flores",
    "Río Bravo",
    "Río Nazas",
    "Los Olivos",
    "Las Palmas",
    "Del Bosque",
    "La Loma",
    "Del Sol",
    "La Luna",
    "Los Nogales",
    "Las Rosas",
    "El Mirador",
    "Los Álamos",
    "La Fuente",
    "Del Río",
]
MONTHS = [
    "Enero",
    "Febrero",
    "Marzo",
    "Abril",
    "Mayo",
    "Junio",
    "Julio",
    "Agosto",
    "Septiembre",
    "Octubre",
    "Noviembre",
]
TYPES = ["Calle"] * 6 + ["Avenida", "Privada", "Calzada", "Boulevard"]
COLONIA_WORDS = [
    "Centro",
    "Del Valle",
    "Obispado",
    "Mirasierra",
    "Los Pinos",
    "Vista Hermosa",
    "San Jerónimo",
    "Cumbres",
    "Contry",
    "Mitras",
    "Anáhuac",
    "Linda Vista",
    "Buenos Aires",
    "Roma",
    "Chepevera",
]
UNKNOWN = ["Calle Inventada 45", "frente a la tienda", "Av. Siempre Viva 742", "asdfgh", "Paseo de los Leones 1200"]
LAT0, LNG0 = 25.66, -100.40
M_PER_DEG_LAT, M_PER_DEG_LNG = 110_783.0, 100_404.0


@dataclass
class City:
    streets: list[StreetFeature]
    areas: list[AreaFeature]
    runs: list[tuple[str, list[tuple[int, int]]]]  # each street's name and the grid corners it passes
    side: int
    block: float
    jitter: dict[tuple[int, int], tuple[float, float]]  # each grid corner's offset, metres

    def corner(self, cell: tuple[int, int]) -> tuple[float, float]:
        dx, dy = self.jitter[cell]
        return self.lnglat(cell[0] * self.block + dx, cell[1] * self.block + dy)

    def lnglat(self, x: float, y: float) -> tuple[float, float]:
        return round(LNG0 + x / M_PER_DEG_LNG, 7), round(LAT0 + y / M_PER_DEG_LAT, 7)


def synthetic_city(segments: int = 20_000, block: float = 100.0, seed: int = 11) -> City:
    """A grid of `segments` block segments (jittered by a few metres): streets of 3 to 20 blocks named from a
    pool of some 1,700 names, so that many recur in several colonias; square colonias of 10 × 10 blocks."""
    rng = random.Random(seed)
    side = math.ceil(math.sqrt(segments / 2)) + 1  # side × (side - 1) segments each way
    names = [f"{g} {f}" for g in GIVEN for f in FAMILY] + FAMILY + THINGS
    names += [f"{d} de {m}" for d in (1, 5, 16, 20) for m in MONTHS] + [f"General {f}" for f in FAMILY]
    jitter = {(i, j): (rng.uniform(-8, 8), rng.uniform(-8, 8)) for i in range(side) for j in range(side)}
    city = City([], [], [], side, block, jitter)

    for horizontal in (True, False):
        for line in range(side):
            start = 0
            while start < side - 1:
                length = min(rng.randint(3, 20), side - 1 - start, segments - len(city.streets))
                name, kind = rng.choice(names), rng.choice(TYPES)
                if length <= 0:
                    break
                cells = [(start + k, line) if horizontal else (line, start + k) for k in range(length + 1)]
                city.streets += [
                    StreetFeature(name, (city.corner(a), city.corner(b)), kind) for a, b in itertools.pairwise(cells)
                ]
                city.runs.append((f"Privada {name}" if kind == "Privada" else name, cells))
                start += length
    for ci in range(0, side, 10):
        for cj in range(0, side, 10):
            x0, y0 = ci * block - block / 2, cj * block - block / 2
            x1, y1 = x0 + 10 * block, y0 + 10 * block
            ring = [
                city.lnglat(x0, y0),
                city.lnglat(x1, y0),
                city.lnglat(x1, y1),
                city.lnglat(x0, y1),
                city.lnglat(x0, y0),
            ]
            name = f"{COLONIA_WORDS[(ci // 10 + 3 * cj // 10) % len(COLONIA_WORDS)]} {ci // 10 + 1}-{cj // 10 + 1}"
            city.areas.append(AreaFeature("colonias", name, {"type": "Polygon", "coordinates": [ring]}))
    low, high = -block, side * block
    ring = [
        city.lnglat(low, low),
        city.lnglat(high, low),
        city.lnglat(high, high),
        city.lnglat(low, high),
        city.lnglat(low, low),
    ]
    city.areas.append(AreaFeature("boundary", "Ciudad Sintética", {"type": "Polygon", "coordinates": [ring]}))
    return city


def synthetic_queries(city: City, rng: random.Random, count: int) -> list[tuple[str, tuple[float, float] | None]]:
    """Written addresses over the city, each with the crossing it must give (None where any answer will do):
    crossings ("A y B", "A esquina con B", one name with a typo), blocks between, street and number with a
    colonia, and addresses the city does not have."""
    at: dict[tuple[int, int], list[str]] = {}
    for name, cells in city.runs:
        for cell in cells:
            at.setdefault(cell, []).append(name)  # written as residents would: "Privada Las Flores"
    crossings = sorted((cell, sorted(set(names))) for cell, names in at.items() if len(set(names)) > 1)
    queries: list[tuple[str, tuple[float, float] | None]] = []
    for n in range(count):
        kind = n % 6
        if kind in (0, 1, 4):
            cell, names = rng.choice(crossings)
            a, b = rng.sample(names, 2)
            if kind == 4:  # two letters swapped
                i = rng.randrange(1, len(a) - 2)
                a = a[:i] + a[i + 1] + a[i] + a[i + 2 :]
            text = f"{a} esquina con {b}" if kind == 1 else f"{a} y {b}"
            queries.append((text, city.corner(cell)))
        elif kind == 2:
            name, _ = rng.choice(city.runs)
            queries.append((f"{name} entre {rng.choice(FAMILY)} y {rng.choice(FAMILY)}", None))
        elif kind == 3:
            name, _ = rng.choice(city.runs)
            queries.append((f"Av. {name} {rng.randint(1, 3000)}, col. {rng.choice(COLONIA_WORDS)}", None))
        else:
            queries.append((rng.choice(UNKNOWN), None))
    return queries


def speed_bench(segments: int, queries: int) -> None:
    rng = random.Random(2026)
    city = synthetic_city(segments)
    started = time.perf_counter()
    index = PlaceIndex(city.streets, city.areas)
    built = time.perf_counter() - started
    asked = Counter[str]()
    find_ms = []
    for text, crossing in synthetic_queries(city, rng, queries):
        started = time.perf_counter()
        found = index.find(text)
        find_ms.append((time.perf_counter() - started) * 1000)
        if crossing is None:
            continue
        close = [p for p in found.places if metres(p.lat, p.lng, crossing[1], crossing[0]) <= CLOSE]
        placed = found.placed is not None
        asked["crossings"] += 1
        asked[
            "placed there"
            if placed and close
            else "placed elsewhere"
            if placed
            else "asked, it among them"
            if close
            else "asked, not among them"
            if found.places
            else "nothing"
        ] += 1
    extent = (city.side - 1) * city.block
    pins = [city.lnglat(rng.uniform(0, extent), rng.uniform(0, extent)) for _ in range(queries)]
    near_ms = []
    for lng, lat in pins:
        started = time.perf_counter()
        index.near(lat, lng)
        near_ms.append((time.perf_counter() - started) * 1000)
    names = len({s.name for s in city.streets})
    colonias = sum(a.layer == "colonias" for a in city.areas)
    print(
        f"\n(b) a synthetic city: {len(city.streets):,} street segments, {len(city.runs):,} streets, {names:,} names, {colonias} colonias"
    )
    print(f"build: {built:.2f} s")
    for label, times in (("find()", find_ms), ("near()", near_ms)):
        median, p99 = statistics.median(times), _percentile(times, 0.99)
        print(
            f"{label:<7} over {len(times):,}: median {median:.2f} ms, p99 {p99:.2f} ms (goal: median < {GOAL_MEDIAN_MS:g} ms) {_mark(median < GOAL_MEDIAN_MS)}"
        )
    total = asked.pop("crossings")
    print(
        f"its {total} crossings (a third with a typo): " + ", ".join(f"{n} {what}" for what, n in asked.most_common())
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗ below the goal"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quiet", action="store_true", help="print the tables only")
    parser.add_argument("--no-speed", action="store_true", help="skip the synthetic city")
    parser.add_argument("--corpus", default=str(ROOT / "corpus" / "places" / "addresses.yaml"))
    parser.add_argument("--sample", default=str(ROOT / "places" / "sample"), help="the folder of GeoJSON layers")
    parser.add_argument("--segments", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args()
    corpus_bench(Path(args.corpus).resolve(), Path(args.sample).resolve(), args.quiet)
    if not args.no_speed:
        speed_bench(args.segments, args.queries)


if __name__ == "__main__":
    main()
