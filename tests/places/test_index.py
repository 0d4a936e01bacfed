"""The index over a tiny hand-made town: written addresses become points, pins become street names.

The town, in metres east (x) and north (y) of its corner, before being written as longitude and latitude:

        y=600                    |Juárez (Av.)
                                 |
        y=200  +--------+--------+--------+   5 de Mayo          Centro: x -50..650, y -50..250
               |Hidalgo |Zaragoza|        |                      (Zaragoza stops 5 m short of 5 de Mayo)
        y=100  +--------+--------+--------+   Padre Mier
               |        |        |        |
        y=0    +--------+--------+--------+   Morelos
              x=0     x=200    x=400    x=600

    and far to the north-east, in Del Valle (x 900..1500, y 850..1150): another Hidalgo (y=1000, x 1000..1400)
    crossed by Aldama (x=1200, y 900..1100). The municipality's boundary holds it all; Monterrey lies west.
"""

from __future__ import annotations

import itertools
import math

import pytest

from bot.flows.places import Found, Near, Places
from bot.places.index import PlaceIndex
from bot.places.model import AreaFeature, StreetFeature

LAT0, LNG0 = 25.0, -100.0
M_PER_DEG_LAT = 6_371_008.8 * math.pi / 180
M_PER_DEG_LNG = M_PER_DEG_LAT * math.cos(math.radians(LAT0))


def lnglat(x: float, y: float) -> tuple[float, float]:
    return LNG0 + x / M_PER_DEG_LNG, LAT0 + y / M_PER_DEG_LAT


def street(name: str, *points: tuple[float, float], kind: str = "") -> list[StreetFeature]:
    """One feature per block, as INEGI cuts streets at crossings."""
    return [StreetFeature(name, (lnglat(*a), lnglat(*b)), kind) for a, b in itertools.pairwise(points)]


def square(layer: str, name: str, x0: float, y0: float, x1: float, y1: float) -> AreaFeature:
    ring = [lnglat(x0, y0), lnglat(x1, y0), lnglat(x1, y1), lnglat(x0, y1), lnglat(x0, y0)]
    return AreaFeature(layer, name, {"type": "Polygon", "coordinates": [[list(p) for p in ring]]})


STREETS = [
    *street("Morelos", (0, 0), (200, 0), (400, 0), (600, 0)),
    *street("Padre Mier", (0, 100), (200, 100), (400, 100), (600, 100)),
    *street("5 de Mayo", (0, 200), (200, 200), (400, 200), (600, 200)),
    *street("Hidalgo", (0, 0), (0, 100), (0, 200)),
    *street("Zaragoza", (200, 0), (200, 100), (200, 195)),
    *street("Juárez", (400, 0), (400, 100), (400, 200), (400, 400), (400, 600), kind="Avenida"),
    *street("Hidalgo", (1000, 1000), (1200, 1000), (1400, 1000)),
    *street("Aldama", (1200, 900), (1200, 1000), (1200, 1100)),
]
AREAS = [
    square("colonias", "Centro", -50, -50, 650, 250),
    square("colonias", "Del Valle", 900, 850, 1500, 1150),
    square("boundary", "San Isidro", -200, -200, 1600, 1300),
    square("municipalities", "Monterrey", -1200, -200, -200, 1300),
    square("zones", "Sector Norte", 900, 850, 1500, 1150),
]


@pytest.fixture(scope="module")
def town() -> PlaceIndex:
    return PlaceIndex(STREETS, AREAS)


def metres_from(place, x: float, y: float) -> float:
    lng, lat = lnglat(x, y)
    return math.hypot((place.lng - lng) * M_PER_DEG_LNG, (place.lat - lat) * M_PER_DEG_LAT)


def placed(town: PlaceIndex, text: str):
    found = town.find(text)
    assert found.placed is not None, f"{text!r} gave {found}"
    return found.placed


def test_it_is_the_engines_places_port(town):
    port: Places = town
    assert isinstance(port.find("Morelos y Zaragoza"), Found)


@pytest.mark.parametrize(
    ("text", "x", "y", "matched"),
    [
        ("Morelos y Zaragoza", 200, 0, "Morelos y Zaragoza"),
        ("morelos esquina con zaragoza", 200, 0, "Morelos y Zaragoza"),
        ("en la esquina de Padre Mier y Av. Juárez", 400, 100, "Padre Mier y Juárez"),
        ("5 de Mayo y Juárez", 400, 200, "5 de Mayo y Juárez"),
        ("cinco de mayo esq. Avenida Juarez", 400, 200, "5 de Mayo y Juárez"),
        ("Padre Mier/Hidalgo", 0, 100, "Padre Mier y Hidalgo"),
    ],
)
def test_an_intersection_is_where_the_streets_meet(town, text, x, y, matched):
    place = placed(town, text)
    assert metres_from(place, x, y) < 2
    assert (place.method, place.matched, place.colonia) == ("intersection", matched, "Centro")
    assert place.confidence == pytest.approx(0.95, abs=0.01)


def test_near_a_crossing_is_the_crossing_less_surely(town):
    place = placed(town, "hay un bache sobre Padre Mier pasando Zaragoza")
    assert metres_from(place, 200, 100) < 2
    assert place.confidence == pytest.approx(0.7, abs=0.01)


def test_streets_that_stop_short_of_each_other_still_meet(town):
    place = placed(town, "Zaragoza y 5 de Mayo")  # Zaragoza ends 5 m before it
    assert metres_from(place, 200, 200) < 5


def test_a_name_two_streets_share_is_settled_by_the_one_that_meets(town):
    assert metres_from(placed(town, "Hidalgo y Morelos"), 0, 0) < 2
    place = placed(town, "Aldama y Hidalgo")
    assert metres_from(place, 1200, 1000) < 2
    assert place.colonia == "Del Valle"


def test_between_is_the_middle_of_the_block(town):
    place = placed(town, "Padre Mier entre Zaragoza y Juárez")
    assert metres_from(place, 300, 100) < 2
    assert place.method == "between"
    assert place.matched == "Padre Mier entre Zaragoza y Juárez"
    assert place.confidence == pytest.approx(0.9, abs=0.01)


def test_street_number_and_colonia_is_the_middle_of_the_street_inside_the_colonia(town):
    place = placed(town, "Av. Juárez 356, col. Centro")
    assert metres_from(place, 400, 125) < 2  # Juárez runs through Centro from y=0 to 250
    assert (place.method, place.colonia, place.matched) == ("street_number", "Centro", "Juárez 356")
    assert place.confidence == pytest.approx(0.6, abs=0.01)


def test_a_street_and_number_without_colonia_is_the_street_middle(town):
    place = placed(town, "Juárez 1200")
    assert metres_from(place, 400, 300) < 2
    assert place.confidence == pytest.approx(0.5, abs=0.01)
    alone = placed(town, "sobre la Juárez")
    assert metres_from(alone, 400, 300) < 2
    assert alone.confidence == pytest.approx(0.4, abs=0.01)


@pytest.mark.parametrize(
    ("text", "x", "y"),
    [
        ("Morleos y Zaragosa", 200, 0),
        ("Zaragoza y Padre Meir", 200, 100),
        ("juares y morelos", 400, 0),
        ("Av. Benito Juárez y Morelos", 400, 0),  # the map writes only Juárez
        ("sobre la Juárez y Morelos", 400, 0),
    ],
)
def test_typos_and_other_spellings_are_forgiven(town, text, x, y):
    place = placed(town, text)
    assert metres_from(place, x, y) < 2
    assert place.confidence <= 0.95


def test_two_streets_of_one_name_are_asked_about_naming_their_colonias(town):
    for text in ("Hidalgo", "calle Hidalgo 120", "Hidalog"):
        found = town.find(text)
        assert found.ambiguous
        assert sorted(p.colonia for p in found.places) == ["Centro", "Del Valle"]


def test_the_colonia_settles_which_one(town):
    place = placed(town, "Hidalgo 45, col. Del Valle")
    assert metres_from(place, 1200, 1000) < 2
    assert place.colonia == "Del Valle"


def test_a_street_near_the_colonia_named_gives_its_point_nearest_it(town):
    diamond = [lnglat(450, 400), lnglat(600, 300), lnglat(750, 400), lnglat(600, 500), lnglat(450, 400)]
    obispado = AreaFeature("colonias", "Obispado", {"type": "Polygon", "coordinates": [diamond]})
    place = PlaceIndex(STREETS, [*AREAS, obispado]).find("Juárez 100, col. Obispado").placed  # 50 m east of Juárez
    assert place is not None
    assert metres_from(place, 400, 400) < 2
    assert place.confidence < 0.5


def test_a_colonia_the_street_is_nowhere_near_is_asked_about(town):
    assert town.find("Aldama 12, col. Centro").places == ()


@pytest.mark.parametrize(
    "text",
    [
        "Insurgentes y Reforma",
        "Calle Inventada 45",
        "asdfgh",
        "",
        "frente a la primaria",
        "Moreno y Zaragoza",  # not a typo of Morelos: another name
        "Morelos y Padre Mier y Hidalgo y Juárez",
        "Morelos y 5 de Mayo",  # they never meet
        "Aldama y Morelos",
    ],
)
def test_nothing_is_invented(town, text):
    assert town.find(text).places == ()


def test_the_reference_is_kept(town):
    found = town.find("Morelos y Zaragoza, frente a la primaria")
    assert found.placed is not None
    assert found.reference == "frente a la primaria"


def test_a_pin_gets_its_street_cross_street_and_colonia(town):
    lng, lat = lnglat(280, 10)  # on Morelos, nearer Zaragoza than Juárez
    assert town.near(lat, lng) == Near("Morelos", "Zaragoza", "Centro")
    lng, lat = lnglat(205, 30)  # on Zaragoza, just north of Morelos
    assert town.near(lat, lng) == Near("Zaragoza", "Morelos", "Centro")
    assert town.near(lat, lng).describe() == "Zaragoza y Morelos, col. Centro"


def test_a_pin_far_from_every_street_is_near_none(town):
    lng, lat = lnglat(3000, 3000)
    assert town.near(lat, lng) is None


def test_inside_the_municipality_and_which_neighbour(town):
    lng, lat = lnglat(300, 100)
    assert town.inside(lat, lng) is True
    assert town.municipality(lat, lng) is None
    lng, lat = lnglat(-500, 100)
    assert town.inside(lat, lng) is False
    assert town.municipality(lat, lng) == "Monterrey"


def test_areas_of_any_layer(town):
    lng, lat = lnglat(1100, 1000)
    assert town.area(lat, lng, "colonias") == "Del Valle"
    assert town.area(lat, lng, "zones") == "Sector Norte"
    assert town.area(lat, lng, "nonexistent") is None


def test_without_a_boundary_inside_is_unknown():
    index = PlaceIndex(STREETS, [a for a in AREAS if a.layer == "colonias"])
    lng, lat = lnglat(300, 100)
    assert index.inside(lat, lng) is None
    assert index.municipality(lat, lng) is None


def test_an_empty_index_finds_nothing():
    index = PlaceIndex([], [])
    assert index.find("Morelos y Zaragoza") == Found()
    assert index.near(25.0, -100.0) is None
    assert index.inside(25.0, -100.0) is None
