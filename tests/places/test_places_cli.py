"""`ventanilla places import / list / find`, and `make run` loading the sample town into an empty database."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pyproj import Geod

from bot.cli.main import main
from bot.cli.places_commands import load_sample_if_empty
from bot.db.database import make_engine
from bot.db.migrate import upgrade
from bot.places.store import load_features, places_version
from tests.support.app import ROOT, database_url

GEOD = Geod(ellps="WGS84")
# A small grid: Morelos and Hidalgo run east-west, 5 de Mayo and Zaragoza north-south; two colonias side by side.
MORELOS = [(-100.4020, 25.6580), (-100.3960, 25.6580)]
HIDALGO = [(-100.4020, 25.6600), (-100.3960, 25.6600)]
CINCO_DE_MAYO = [(-100.4000, 25.6570), (-100.4000, 25.6610)]
ZARAGOZA = [(-100.3980, 25.6570), (-100.3980, 25.6610)]


def run(tmp_path, *args: str):
    env = {"DATABASE_URL": database_url(tmp_path), "FLOWS_PATH": str(ROOT / "flows.yaml")}
    return CliRunner().invoke(main, ["places", *args], env=env)


def stored(tmp_path):
    """What the database holds (its tables made first: a refused import may be the first command run)."""
    engine = make_engine(database_url(tmp_path))
    upgrade(engine)
    try:
        return load_features(engine)
    finally:
        engine.dispose()


@pytest.fixture
def town(geojson, make):
    """The grid's streets (with one nameless) and colonias, as GeoJSON files."""
    streets = geojson(
        "streets.geojson",
        make.line("Morelos", *MORELOS, type="Calle"),
        make.line("Hidalgo", *HIDALGO, type="Calle"),
        make.line("5 de Mayo", *CINCO_DE_MAYO, type="Calle"),
        make.line("Zaragoza", *ZARAGOZA, type="Calle"),
        make.line(None, (-100.3970, 25.6570), (-100.3970, 25.6610)),
    )
    colonias = geojson(
        "colonias.geojson",
        make.area(
            "Centro",
            [[[-100.403, 25.656], [-100.399, 25.656], [-100.399, 25.662], [-100.403, 25.662], [-100.403, 25.656]]],
        ),
        make.area(
            "Obispado",
            [[[-100.399, 25.656], [-100.395, 25.656], [-100.395, 25.662], [-100.399, 25.662], [-100.399, 25.656]]],
        ),
    )
    return streets, colonias


def test_import_prints_what_went_in_and_what_was_skipped_and_list_shows_it(tmp_path, town):
    streets, colonias = town
    result = run(tmp_path, "import", "streets", str(streets), "--kind-property", "type")
    assert result.exit_code == 0, result.output
    assert result.output == f"streets: 4 features from {streets} (1 skipped: no name)\n"
    result = run(tmp_path, "import", "colonias", str(colonias))
    assert result.exit_code == 0 and result.output == f"colonias: 2 features from {colonias}\n"
    assert [s.kind for s in stored(tmp_path)[0]] == ["Calle"] * 4

    listed = run(tmp_path, "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["streets", "4"],
        ["colonias", "2"],
        ["boundary", "-"],
        ["municipalities", "-"],
        ["zones", "-"],
    ]
    assert lines[0].endswith(" UTC  streets.geojson") and lines[2].endswith("not imported")


def test_several_files_are_one_import_and_a_bad_one_changes_nothing(tmp_path, town, geojson, make):
    streets, _ = town
    north = geojson("north.geojson", make.line("Padre Mier", (-100.40, 25.67), (-100.39, 25.67)))
    assert run(tmp_path, "import", "streets", str(streets), str(north)).output.startswith("streets: 5 features from ")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "Feature"}')
    result = run(tmp_path, "import", "streets", str(north), str(broken))
    assert result.exit_code == 1
    assert result.output == f"{broken}: not a FeatureCollection\n" and "Traceback" not in result.output
    assert [s.name for s in stored(tmp_path)[0]] == ["Morelos", "Hidalgo", "5 de Mayo", "Zaragoza", "Padre Mier"]


def test_an_inegi_shapefile_of_a_state_imports_one_municipality(tmp_path, shapefile_of):
    path = shapefile_of(
        "19e",
        "line",
        [
            ([MORELOS], {"NOMVIAL": "Juárez", "TIPOVIAL": "Avenida", "CVE_MUN": "019"}),
            ([HIDALGO], {"NOMVIAL": "NINGUNO", "TIPOVIAL": "Calle", "CVE_MUN": "019"}),
            ([ZARAGOZA], {"NOMVIAL": "Zaragoza", "TIPOVIAL": "Calle", "CVE_MUN": "039"}),
        ],
    )
    args = ["import", "streets", str(path), "--name-property", "NOMVIAL", "--kind-property", "TIPOVIAL"]
    result = run(tmp_path, *args, "--where", "CVE_MUN=019")
    assert result.exit_code == 0, result.output
    assert result.output == f"streets: 1 feature from {path} (1 skipped: no name; 1 left out by --where)\n"
    (juarez,) = stored(tmp_path)[0]
    assert (juarez.name, juarez.kind) == ("Juárez", "Avenida")
    assert all(GEOD.inv(*a, *b)[2] < 1 for a, b in zip(juarez.coords, MORELOS))


def test_a_shapefile_without_prj_is_refused_with_the_reason_and_no_traceback(tmp_path, shapefile_of):
    path = shapefile_of("19e", "line", [([MORELOS], {"NOMVIAL": "Morelos"})], prj=False)
    result = run(tmp_path, "import", "streets", str(path), "--name-property", "NOMVIAL")
    assert result.exit_code == 1
    assert result.output.startswith(f"{path}: no .prj and no --source-crs: cannot tell where these coordinates are")
    assert "Traceback" not in result.output and stored(tmp_path) == ([], [])
    given = run(tmp_path, "import", "streets", str(path), "--name-property", "NOMVIAL", "--source-crs", "EPSG:6372")
    assert given.exit_code == 0 and given.output == f"streets: 1 feature from {path}\n"


def test_options_that_cannot_apply_are_usage_errors(tmp_path, town, geojson, make):
    streets, colonias = town
    assert (
        "only streets have a kind" in run(tmp_path, "import", "colonias", str(colonias), "--kind-property", "x").output
    )
    assert "is not PROPERTY=VALUE" in run(tmp_path, "import", "streets", str(streets), "--where", "CVE_MUN").output
    assert "'parks' is not one of" in run(tmp_path, "import", "parks", str(streets)).output
    missing = run(tmp_path, "import", "streets", str(streets), "--where", "name=Insurgentes")
    assert missing.exit_code == 1
    assert (
        missing.output.startswith("streets: no features in ")
        and "nothing imported, the layer is as it was" in missing.output
    )


def test_find_prints_the_best_match_as_json(tmp_path, town):
    streets, colonias = town
    run(tmp_path, "import", "streets", str(streets))
    run(tmp_path, "import", "colonias", str(colonias))
    result = run(tmp_path, "find", "Morelos y 5 de Mayo")
    assert result.exit_code == 0, result.output
    (place,) = json.loads(result.output)
    assert GEOD.inv(place["lng"], place["lat"], -100.4000, 25.6580)[2] < 5
    assert {"lat", "lng", "confidence", "matched", "colonia"} <= set(place) and "ask" not in place
    assert "Morelos" in place["matched"] and "5 de Mayo" in place["matched"]
    assert place["colonia"] in ("Centro", "Obispado") and 0 < place["confidence"] <= 1
    assert json.loads(run(tmp_path, "find", "Avenida Insurgentes 4000").output) == []


def test_find_asks_which_when_a_street_is_in_two_colonias(tmp_path, geojson, make):
    streets = geojson(
        "streets.geojson",
        make.line("Hidalgo", (-100.4020, 25.6580), (-100.4010, 25.6580)),
        make.line("Hidalgo", (-100.3900, 25.6700), (-100.3890, 25.6700)),
    )
    colonias = geojson(
        "colonias.geojson",
        make.area("Centro", make.square(-100.403, 25.657, 0.003)),
        make.area("Del Valle", make.square(-100.391, 25.669, 0.003)),
    )
    run(tmp_path, "import", "streets", str(streets))
    run(tmp_path, "import", "colonias", str(colonias))
    places = json.loads(run(tmp_path, "find", "Hidalgo").output)
    assert len(places) == 2 and all(place["ask"] is True for place in places)
    assert {place["colonia"] for place in places} == {"Centro", "Del Valle"}


def test_find_before_any_import_says_what_to_do(tmp_path):
    result = run(tmp_path, "find", "Morelos y 5 de Mayo")
    assert result.exit_code == 1 and "no places imported yet" in result.output


def test_make_run_loads_the_sample_into_an_empty_database_once(tmp_path, town):
    streets, colonias = town
    folder = tmp_path / "places" / "sample"
    folder.mkdir(parents=True)
    streets.rename(folder / "streets.geojson")
    colonias.rename(folder / "colonias.geojson")
    engine = make_engine(database_url(tmp_path))
    upgrade(engine)
    try:
        assert load_sample_if_empty(engine, tmp_path / "nowhere") is None
        line = load_sample_if_empty(engine, folder)
        assert line == f"places: loaded the sample town from {folder} (4 streets, 2 colonias)"
        version = places_version(engine)
        assert load_sample_if_empty(engine, folder) is None  # not empty any more: left alone
        assert places_version(engine) == version
        streets_, areas = load_features(engine)
        assert (len(streets_), len(areas)) == (4, 2) and {s.kind for s in streets_} == {"Calle"}
    finally:
        engine.dispose()


def test_a_broken_sample_file_is_reported_and_nothing_is_loaded(tmp_path, town):
    streets, _ = town
    folder = tmp_path / "sample"
    folder.mkdir()
    streets.rename(folder / "streets.geojson")
    (folder / "zones.geojson").write_text("{")
    engine = make_engine(database_url(tmp_path))
    upgrade(engine)
    try:
        assert load_sample_if_empty(engine, folder).startswith("places: the sample was not loaded: ")
        assert places_version(engine) == ""
    finally:
        engine.dispose()


@pytest.mark.skipif(not (ROOT / "places" / "sample").is_dir(), reason="the sample town is not written yet")
def test_the_shipped_sample_town_loads_whole(tmp_path):
    engine = make_engine(database_url(tmp_path))
    upgrade(engine)
    try:
        line = load_sample_if_empty(engine, ROOT / "places" / "sample")
        assert line and line.startswith("places: loaded the sample town"), line
        streets, areas = load_features(engine)
        assert streets and {a.layer for a in areas} >= {"colonias", "boundary"}
        assert {"Avenida", "Calle"} <= {s.kind for s in streets}  # the street types the geocoder reads names with
    finally:
        engine.dispose()
