"""Places in the database: a layer replaced whole or not at all, read back as imported, versioned per import."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.db.tables import PlaceArea, PlaceLayer, PlaceStreet
from bot.places.model import AreaFeature, StreetFeature
from bot.places.store import CHUNK, imported_layers, load_features, places_version, replace_layer

MORELOS = StreetFeature("Morelos", ((-100.4012, 25.6581), (-100.3990, 25.6583)), "Calle")
JUAREZ = StreetFeature("Av. Juárez", ((-100.4000, 25.6560), (-100.4001, 25.6620), (-100.4003, 25.6650)), "Avenida")


def square(layer: str, name: str, lng: float, lat: float) -> AreaFeature:
    ring = [[lng, lat], [lng + 0.01, lat], [lng + 0.01, lat + 0.01], [lng, lat + 0.01], [lng, lat]]
    return AreaFeature(layer, name, {"type": "Polygon", "coordinates": [ring]})


def many_streets(n: int, name: str = "Calle") -> list[StreetFeature]:
    return [StreetFeature(f"{name} {i}", ((-100.4 + i * 1e-5, 25.6), (-100.4 + i * 1e-5, 25.61))) for i in range(n)]


def counts(engine) -> tuple[int, int, int]:
    with Session(engine) as db:
        return tuple(
            db.execute(select(func.count()).select_from(t)).scalar_one() for t in (PlaceStreet, PlaceArea, PlaceLayer)
        )


def test_streets_and_areas_come_back_as_imported_with_names_normalised_and_boxes(engine):
    centro = square("colonias", "Centro", -100.41, 25.65)
    replace_layer(engine, "streets", [MORELOS, JUAREZ], "streets.geojson")
    replace_layer(engine, "colonias", [centro], "colonias.geojson")
    streets, areas = load_features(engine)
    assert streets == [MORELOS, JUAREZ]
    assert areas == [centro]
    with Session(engine) as db:
        juarez = db.execute(select(PlaceStreet).where(PlaceStreet.name == "Av. Juárez")).scalar_one()
        colonia = db.execute(select(PlaceArea)).scalar_one()
    assert juarez.norm_name == "av juarez"
    assert (juarez.min_lat, juarez.max_lat, juarez.min_lng, juarez.max_lng) == (25.6560, 25.6650, -100.4003, -100.4000)
    assert (colonia.layer, colonia.min_lat, colonia.max_lng) == ("colonias", 25.65, pytest.approx(-100.40))


def test_reimporting_a_layer_replaces_it_and_leaves_the_others(engine):
    replace_layer(engine, "colonias", [square("colonias", "Centro", -100.41, 25.65)], "a.geojson")
    replace_layer(engine, "zones", [square("zones", "Norte", -100.41, 25.66)], "zones.geojson")
    replace_layer(engine, "colonias", [square("colonias", "Obispado", -100.42, 25.65)], "b.geojson")
    _, areas = load_features(engine)
    assert [(a.layer, a.name) for a in areas] == [("colonias", "Obispado"), ("zones", "Norte")]
    assert [(i.layer, i.source, i.features) for i in imported_layers(engine)] == [
        ("colonias", "b.geojson", 1),
        ("zones", "zones.geojson", 1),
    ]


def test_an_import_failing_midway_leaves_the_old_layer_whole(engine):
    first = replace_layer(engine, "streets", [MORELOS, JUAREZ], "streets.geojson")
    version = places_version(engine)
    broken = [*many_streets(CHUNK + 500), StreetFeature(None, MORELOS.coords)]  # type: ignore[arg-type]
    with pytest.raises(IntegrityError):  # the second round of inserts: the old rows were deleted, some new written
        replace_layer(engine, "streets", broken, "broken.geojson")
    assert load_features(engine)[0] == [MORELOS, JUAREZ]
    assert places_version(engine) == version
    (layer,) = imported_layers(engine)
    assert (layer.source, layer.features, layer.version) == ("streets.geojson", 2, first.version)


def test_a_session_given_is_the_callers_transaction(engine):
    replace_layer(engine, "streets", [MORELOS], "streets.geojson")
    with Session(engine) as db, db.begin():
        replace_layer(db, "streets", [JUAREZ], "other.geojson")
        replace_layer(db, "boundary", [square("boundary", "San Pedro Garza García", -100.5, 25.6)], "b.geojson")
        db.rollback()
    assert load_features(engine) == ([MORELOS], [])


def test_the_version_changes_on_every_import_even_of_the_same_features(engine):
    assert places_version(engine) == ""
    replace_layer(engine, "streets", [MORELOS], "streets.geojson")
    once = places_version(engine)
    replace_layer(engine, "streets", [MORELOS], "streets.geojson")
    twice = places_version(engine)
    assert once.startswith("streets=") and twice.startswith("streets=") and once != twice
    replace_layer(engine, "zones", [square("zones", "Norte", -100.41, 25.66)], "zones.geojson")
    assert places_version(engine).startswith(twice + ";zones=")


def test_thousands_of_segments_go_in_and_come_back(engine):
    streets = many_streets(2 * CHUNK + 123)
    imported = replace_layer(engine, "streets", streets, "big.geojson")
    assert imported.features == len(streets)
    assert counts(engine) == (len(streets), 0, 1)
    assert load_features(engine)[0] == streets


def test_features_of_the_wrong_kind_or_layer_are_refused_and_nothing_changes(engine):
    replace_layer(engine, "streets", [MORELOS], "streets.geojson")
    with pytest.raises(TypeError):
        replace_layer(engine, "streets", [square("colonias", "Centro", -100.41, 25.65)], "x")  # type: ignore[list-item]
    with pytest.raises(ValueError, match="is of layer 'zones', not 'colonias'"):
        replace_layer(engine, "colonias", [square("zones", "Norte", -100.41, 25.66)], "x")
    with pytest.raises(ValueError, match="no layer 'parks'"):
        replace_layer(engine, "parks", [], "x")
    assert counts(engine) == (1, 0, 1)
