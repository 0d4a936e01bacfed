"""Reading places from files: GeoJSON streets and areas, INEGI shapefiles in EPSG:6372 and cp1252, clear refusals."""

from __future__ import annotations

import pytest
from pyproj import Geod, Transformer
from shapely.geometry import shape

from bot.places.files import PlacesFileError, read_features, read_layer
from bot.places.model import AreaFeature, StreetFeature

GEOD = Geod(ellps="WGS84")
TO_6372 = Transformer.from_crs("EPSG:4326", "EPSG:6372", always_xy=True)  # INEGI's Lambert conformal conic
MORELOS = [(-100.4012, 25.6581), (-100.3990, 25.6583)]
HIDALGO = [(-100.4012, 25.6600), (-100.3990, 25.6602), (-100.3970, 25.6604)]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


# --- GeoJSON ------------------------------------------------------------------------------------------------


def test_streets_from_geojson_lines_one_per_part_with_what_was_skipped_counted(geojson, make):
    path = geojson(
        "streets.geojson",
        make.line("Morelos", *MORELOS, tipo="Calle"),
        make.line("Hidalgo", HIDALGO[:2], HIDALGO[1:], tipo="Calle"),  # a MultiLineString: two streets
        make.line(None, *MORELOS),  # no name
        make.line("NINGUNO", *MORELOS),  # INEGI's word for a street without one
        {
            "type": "Feature",
            "properties": {"name": "Plaza"},
            "geometry": {"type": "Point", "coordinates": [-100.4, 25.6]},
        },
        {"type": "Feature", "properties": {"name": "Sin trazo"}, "geometry": None},
    )
    read = read_layer(path, "streets", kind_property="tipo")
    assert read.features == [
        StreetFeature("Morelos", tuple(MORELOS), "Calle"),
        StreetFeature("Hidalgo", tuple(HIDALGO[:2]), "Calle"),
        StreetFeature("Hidalgo", tuple(HIDALGO[1:]), "Calle"),
    ]
    assert read.skipped == {"no name": 2, "not a line": 1, "no geometry": 1}
    assert read.skipped_text() == "4 skipped: 2 no name, 1 not a line, 1 no geometry"
    assert read_features(path, "streets") == [StreetFeature(f.name, f.coords) for f in read.features]


def test_areas_from_polygons_and_multipolygons_lines_skipped(geojson, make):
    centro = make.square(-100.41, 25.65)
    path = geojson(
        "colonias.geojson",
        make.area("Centro", centro),
        make.area("Del Valle", make.square(-100.40, 25.65), make.square(-100.38, 25.65)),
        make.line("Obispado", *MORELOS),
    )
    read = read_layer(path, "colonias")
    assert [(a.layer, a.name, a.geometry["type"]) for a in read.features] == [
        ("colonias", "Centro", "Polygon"),
        ("colonias", "Del Valle", "MultiPolygon"),
    ]
    assert read.features[0].geometry["coordinates"] == [[[round(x, 7), round(y, 7)] for x, y in centro[0]]]
    assert read.skipped_text() == "1 skipped: not a polygon"


def test_a_polygon_crossing_itself_is_repaired_so_points_can_be_tested_in_it(geojson, make):
    bowtie = [[[-100.40, 25.65], [-100.39, 25.66], [-100.39, 25.65], [-100.40, 25.66], [-100.40, 25.65]]]
    (zone,) = read_features(geojson("zones.geojson", make.area("Norte", bowtie)), "zones")
    assert isinstance(zone, AreaFeature) and shape(zone.geometry).is_valid
    assert zone.geometry["type"] == "MultiPolygon"  # both triangles of the bow tie, not one
    assert shape(zone.geometry).area == pytest.approx(0.01 * 0.01 / 2)


@pytest.mark.parametrize(
    "crs",
    [
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::6372"}},  # what QGIS and ogr2ogr write
        {"type": "name", "properties": {"name": "EPSG:6372"}},
        {"type": "EPSG", "properties": {"code": 6372}},  # GeoJSON 2008's other form
    ],
)
def test_a_geojson_with_a_legacy_crs_member_is_reprojected(geojson, make, crs):
    projected = [TO_6372.transform(*p) for p in MORELOS]
    (street,) = read_features(geojson("streets.geojson", make.line("Morelos", *projected), crs=crs), "streets")
    assert all(metres(a, b) < 1 for a, b in zip(street.coords, MORELOS))


def test_a_legacy_crs_member_naming_nothing_known_is_refused(geojson, make):
    path = geojson("streets.geojson", make.line("Morelos", *MORELOS), crs={"type": "link", "properties": {"href": "x"}})
    with pytest.raises(PlacesFileError, match="its crs member names no coordinate system"):
        read_layer(path, "streets")


def test_property_names_are_options_and_a_wrong_one_lists_those_there_are(geojson, make):
    path = geojson("vialidades.geojson", make.line(None, *MORELOS, NOMVIAL="Morelos", TIPOVIAL="Calle"))
    (street,) = read_features(path, "streets", name_property="nomvial", kind_property="TIPOVIAL")  # any case
    assert (street.name, street.kind) == ("Morelos", "Calle")
    with pytest.raises(PlacesFileError) as refused:
        read_layer(path, "streets")
    assert str(refused.value) == f"{path}: no property 'name' in its features (they have: NOMVIAL, TIPOVIAL)"


def test_where_keeps_one_municipality_of_a_state(geojson, make):
    path = geojson(
        "19e.geojson",
        make.line("Morelos", *MORELOS, CVE_MUN="019"),
        make.line("Morelos", *HIDALGO, CVE_MUN="039"),
    )
    read = read_layer(path, "streets", where={"CVE_MUN": "019"})
    assert [f.coords for f in read.features] == [tuple(MORELOS)] and read.left_out == 1 and not read.skipped


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"type": "Feature", "geometry": null}', "not a FeatureCollection"),
        ('{"type": "FeatureCollection"}', "not a FeatureCollection"),
        ("[1, 2", "not JSON (Expecting ',' delimiter at line 1, column 6)"),
    ],
)
def test_a_file_that_is_no_feature_collection_is_refused_in_one_line(tmp_path, text, message):
    path = tmp_path / "calles.geojson"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlacesFileError) as refused:
        read_layer(path, "streets")
    assert str(refused.value) == f"{path}: {message}"


def test_missing_files_and_other_formats_are_refused(tmp_path):
    with pytest.raises(PlacesFileError, match="no such file"):
        read_layer(tmp_path / "nowhere.geojson", "streets")
    (tmp_path / "calles.kml").write_text("<kml/>")
    with pytest.raises(PlacesFileError, match=r"calles\.kml: neither GeoJSON \(\.geojson, \.json\) nor a shapefile"):
        read_layer(tmp_path / "calles.kml", "streets")
    (tmp_path / "19_nuevoleon.zip").write_bytes(b"PK")
    with pytest.raises(PlacesFileError, match="unzip it"):
        read_layer(tmp_path / "19_nuevoleon.zip", "streets")


def test_projected_coordinates_in_a_geojson_without_crs_are_refused_not_stored(geojson, make):
    projected = [TO_6372.transform(*p) for p in MORELOS]
    path = geojson("streets.geojson", make.line("Morelos", *projected))
    with pytest.raises(PlacesFileError, match=r"is not a longitude and latitude: .* give --source-crs"):
        read_layer(path, "streets")
    (street,) = read_features(path, "streets", source_crs="EPSG:6372")
    assert all(metres(a, b) < 1 for a, b in zip(street.coords, MORELOS))


# --- shapefiles ---------------------------------------------------------------------------------------------


def test_an_inegi_street_shapefile_comes_back_in_wgs84_with_its_cp1252_names(shapefile_of):
    path = shapefile_of(
        "19e",
        "line",
        [
            ([MORELOS], {"NOMVIAL": "Juárez", "TIPOVIAL": "Avenida"}),
            ([HIDALGO], {"NOMVIAL": "NINGUNO", "TIPOVIAL": "Calle"}),
        ],
    )
    assert b"Ju\xe1rez" in path.with_suffix(".dbf").read_bytes()  # written as INEGI writes it
    read = read_layer(path, "streets", name_property="NOMVIAL", kind_property="TIPOVIAL")
    (street,) = read.features
    assert (street.name, street.kind) == ("Juárez", "Avenida")
    assert len(street.coords) == len(MORELOS)
    assert all(metres(got, sent) < 1 for got, sent in zip(street.coords, MORELOS))
    assert read.skipped_text() == "1 skipped: no name"


def test_utf8_attributes_are_read_as_utf8(shapefile_of):
    path = shapefile_of("calles", "line", [([MORELOS], {"name": "Calz. San Pedro Garza García"})], encoding="utf-8")
    assert read_features(path, "streets")[0].name == "Calz. San Pedro Garza García"


def test_a_colonias_shapefile_gives_polygons_in_wgs84(shapefile_of, make):
    (ring,) = make.square(-100.41, 25.65)
    path = shapefile_of("asentamientos", "polygon", [([ring], {"NOM_ASEN": "Obispado", "TIPO_ASEN": "Colonia"})])
    (colonia,) = read_features(path, "colonias", name_property="NOM_ASEN")
    assert (colonia.layer, colonia.name, colonia.geometry["type"]) == ("colonias", "Obispado", "Polygon")
    corners = colonia.geometry["coordinates"][0]
    assert len(corners) == 5 and all(min(metres(tuple(c), tuple(r)) for r in ring) < 1 for c in corners)


def test_a_shapefile_without_prj_is_refused_unless_the_system_is_given(shapefile_of):
    path = shapefile_of("19e", "line", [([MORELOS], {"NOMVIAL": "Morelos"})], prj=False)
    with pytest.raises(PlacesFileError) as refused:
        read_layer(path, "streets", name_property="NOMVIAL")
    assert str(refused.value).startswith(
        f"{path}: no .prj and no --source-crs: cannot tell where these coordinates are"
    )
    (street,) = read_features(path, "streets", name_property="NOMVIAL", source_crs="EPSG:6372")
    assert all(metres(a, b) < 1 for a, b in zip(street.coords, MORELOS))


def test_a_shapefile_without_its_dbf_and_an_unknown_system_are_refused(shapefile_of):
    path = shapefile_of("19e", "line", [([MORELOS], {"NOMVIAL": "Morelos"})])
    with pytest.raises(PlacesFileError, match=r"EPSG:9999999: not a coordinate system pyproj knows"):
        read_layer(path, "streets", name_property="NOMVIAL", source_crs="EPSG:9999999")
    path.with_suffix(".dbf").unlink()
    with pytest.raises(PlacesFileError, match=r"19e\.shp: no \.dbf beside it"):
        read_layer(path, "streets", name_property="NOMVIAL")
