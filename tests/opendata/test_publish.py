"""Publishing the open data: every figure from the operators' report functions, no personal data in any file."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlmodel import select

from bot import create_app
from bot.db.database import create_tables, transaction
from bot.db.tables import Contact, OpenDataFile, SurveyResponse
from bot.privacy.erase import erase_contact
from tests.support.app import all_rows, app_settings, twilio_fixture
from tests.support.opendata import (
    ADDRESS,
    CENTRO,
    COMMENT,
    MESSAGE,
    MITRAS,
    RESIDENT_NAME,
    RESIDENT_PHONE,
    SUMMARY,
    answer_followup,
    flows_with_public_comments,
    publish_now,
    rate_a_park,
    seed_city,
)

EXPECTED_FILES = {
    "tickets-por-semana.csv",
    "tickets-por-colonia.csv",
    "dependencias.csv",
    "satisfaccion.csv",
    "reportes-abiertos.geojson",
    "reportes-abiertos.csv",
    "encuestas/park_evaluation.csv",
    "figuras.json",
}


def stored(db) -> dict[str, OpenDataFile]:
    return {row.name: row for row in all_rows(db, OpenDataFile)}


def rows_of(file: OpenDataFile) -> list[dict]:
    text = file.body.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets read the accents
    return list(csv.DictReader(io.StringIO(text[1:])))


def personal_data(folios: list[str]) -> list[str]:
    resident_phone = twilio_fixture("whatsapp_text")["From"].removeprefix("whatsapp:")
    phones = [RESIDENT_PHONE, RESIDENT_PHONE[-10:], resident_phone, resident_phone[-10:], "81 1234 5678"]
    places = [str(CENTRO[0]), str(CENTRO[1]), str(MITRAS[0]), str(MITRAS[1]), ADDRESS, "Hidalgo 221"]
    words = [SUMMARY, MESSAGE, COMMENT, "Faltan botes", "vecina@correo.mx", "Xochitl", RESIDENT_NAME]
    return phones + places + words + folios


def test_no_file_holds_a_number_name_word_folio_or_exact_place_of_a_resident(app, db):
    folios = seed_city(app)
    rate_a_park(app)  # its comment step is not public in the shipped flows.yaml
    publish_now(app)
    files = stored(db)
    assert set(files) == EXPECTED_FILES
    for name, file in files.items():
        body = file.body.decode("utf-8")
        found = [secret for secret in personal_data(folios) if secret in body]
        assert found == [], f"{name} publishes {found}"
        assert not file.quotes_residents


def test_csv_files_are_valid_with_stable_spanish_columns(app, db):
    seed_city(app)
    publish_now(app)
    files = stored(db)
    per_week = rows_of(files["tickets-por-semana.csv"])
    assert list(per_week[0]) == ["semana", "categoria", "tickets"]
    assert len(per_week) == 12 * 2  # twelve weeks of bache and basura, zeros included
    assert sum(int(row["tickets"]) for row in per_week if row["categoria"] == "bache") == 7
    departments = {row["dependencia_id"]: row for row in rows_of(files["dependencias.csv"])}
    obras, servicios = departments["obras_publicas"], departments["servicios_publicos"]
    assert (obras["abiertos"], obras["resueltos"], obras["mediana_horas_para_resolver"]) == ("4", "3", "4.0")
    assert (obras["resueltos_con_plazo"], obras["resueltos_en_plazo"], obras["proporcion_en_plazo"]) == (
        "3",
        "3",
        "1.0",
    )
    assert (
        servicios["resueltos_en_plazo"],
        servicios["proporcion_en_plazo"],
        servicios["mediana_horas_para_resolver"],
    ) == (
        "0",
        "0.0",
        "60.0",
    )
    assert departments["parques"]["mediana_horas_para_resolver"] == ""  # none resolved: an empty cell, not 0


def test_residents_answers_to_the_follow_up_are_published_per_department(app, db):
    folios = seed_city(app)  # Obras Públicas resolved three (folios 4 to 6), Servicios Públicos one (7)
    answer_followup(app, folios[4], fixed=True, rating=5)
    answer_followup(app, folios[5], fixed=True, rating=4)
    answer_followup(app, folios[6], fixed=False)  # "no, sigue el bache": reopened, not rated
    answer_followup(app, folios[7], fixed=True, rating=2)
    publish_now(app)
    rows = {row["dependencia_id"]: row for row in rows_of(stored(db)["satisfaccion.csv"])}
    assert list(rows["obras_publicas"]) == [
        "dependencia_id",
        "dependencia",
        "respuestas",
        "resuelto_segun_residente",
        "no_resuelto_segun_residente",
        "proporcion_resuelto",
        "calificaciones",
        "calificacion_promedio",
    ]
    assert list(rows["obras_publicas"].values())[2:] == ["3", "2", "1", "0.6667", "2", "4.5"]
    assert list(rows["servicios_publicos"].values())[2:] == ["1", "1", "0", "1.0", "1", "2.0"]
    assert list(rows["parques"].values())[2:] == ["0", "0", "0", "", "0", ""]  # nobody asked: no share, no average
    page = app.test_client().get("/datos/", headers={"Accept-Language": "es"}).text
    table = page[page.index('id="satisfaction-table"') :]
    assert "Opinión de los residentes" in page  # in the page's contents, Spanish first
    obras = re.search(r'<tr data-department="obras_publicas">.*?</tr>', table, re.S)[0]
    cells = [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", obras)
    ]
    assert cells == ["Obras Públicas", "3", "67% (2)", "1", "4.5 (2)"]


def test_a_colonia_with_fewer_reports_in_a_week_than_the_minimum_is_counted_under_other(app, db):
    seed_city(app)
    publish_now(app)
    this_week = [row for row in rows_of(stored(db)["tickets-por-colonia.csv"]) if int(row["tickets"])]
    by_group = {(row["grupo"], row["colonia"]): int(row["tickets"]) for row in this_week}
    assert by_group[("colonia", "Centro")] == 3
    assert ("colonia", "Mitras") not in by_group  # one report this week: folded
    assert by_group[("otras", "")] == 1
    assert by_group[("sin_colonia", "")] >= 3  # the resolved ones were not placed in a colonia


def test_the_map_counts_open_reports_per_cell_and_leaves_out_cells_with_too_few(app, db):
    seed_city(app)
    publish_now(app)
    files = stored(db)
    collection = json.loads(files["reportes-abiertos.geojson"].body)
    assert collection["type"] == "FeatureCollection" and collection["reportes_en_celdas_omitidas"] == 1
    [feature] = collection["features"]  # Centro's three; Mitras' one open report is alone in its cell
    assert feature["properties"]["reportes"] == 3 and feature["properties"]["colonia"] == "Centro"
    assert feature["properties"]["categorias"] == {"bache": 3}
    [ring] = feature["geometry"]["coordinates"]
    assert feature["geometry"]["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) == 5
    longitudes, latitudes = [x for x, _ in ring], [y for _, y in ring]
    assert min(longitudes) <= CENTRO[1] <= max(longitudes) and min(latitudes) <= CENTRO[0] <= max(latitudes)
    assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring)  # [longitude, latitude], RFC 7946
    [row] = rows_of(files["reportes-abiertos.csv"])
    assert (row["reportes"], row["colonia"], row["metros_por_lado"]) == ("3", "Centro", "500")


def test_survey_results_per_park_are_the_operators_figures(app, db):
    rate_a_park(app)
    publish_now(app)
    files = stored(db)
    [row] = rows_of(files["encuestas/park_evaluation.csv"])
    assert (row["park"], row["park_etiqueta"], row["respuestas"]) == ("P002", "Parque Rufino Tamayo", "1")
    assert (row["cleanliness_promedio"], row["safety_promedio"], row["lighting_promedio"]) == ("4.0", "5.0", "3.0")
    assert (row["cleanliness_4"], row["cleanliness_5"]) == ("1", "0")
    page = json.loads(files["figuras.json"].body)
    surveys = next(f for f in page["figures"] if f["key"] == "surveys")["data"]["surveys"]
    assert surveys[0]["ratings"][0]["label"] == {"es": "Limpieza", "en": "Cleanliness"}
    assert surveys[0]["comments"] is None


@pytest.fixture
def public_app(tmp_path, redis_url):
    """The shipped flows with the park survey's comment step marked `public: true`."""
    app = create_app(app_settings(tmp_path, redis_url, flows_path=flows_with_public_comments(tmp_path)))
    create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


def test_a_public_comment_step_publishes_its_text_with_numbers_and_emails_masked(public_app):
    rate_a_park(public_app)
    publish_now(public_app)
    engine = public_app.extensions["ventanilla"].engine
    with transaction(engine) as db:
        file = db.get(OpenDataFile, "encuestas/park_evaluation-comentarios.csv")
        assert file is not None and file.quotes_residents
        [row] = rows_of(file)
    assert row["park_etiqueta"] == "Parque Rufino Tamayo" and row["pregunta"] == "comment"
    assert row["comentario"] == "Faltan botes de basura cerca de los juegos, escríbanme a [email] o al [phone]"
    assert len(row["fecha"]) == 10  # the day only


def test_erasing_a_resident_withdraws_the_published_comments_that_quote_them(public_app):
    rate_a_park(public_app)
    publish_now(public_app)
    svc = public_app.extensions["ventanilla"]
    with transaction(svc.engine, immediate=True) as db:
        [response] = db.exec(select(SurveyResponse)).all()
        counts = erase_contact(db, svc.config, svc.flows, response.contact_id, actor="privacy", reason="test")
    assert counts["open_data_files"] == 1
    with transaction(svc.engine) as db:
        assert db.get(OpenDataFile, "encuestas/park_evaluation-comentarios.csv") is None
        assert db.get(OpenDataFile, "encuestas/park_evaluation.csv") is not None  # figures stay
        assert db.get(Contact, response.contact_id).anonymised_at is not None
    publish_now(public_app)  # the next publication has the figures, not the erased words
    with transaction(svc.engine) as db:
        file = db.get(OpenDataFile, "encuestas/park_evaluation-comentarios.csv")
        assert file is not None and "Faltan botes" not in file.body.decode()


def test_each_publication_replaces_the_last_one_whole(app, db):
    publish_now(app)
    first = stored(db)["figuras.json"].digest
    seed_city(app)
    publish_now(app)
    files = stored(db)
    assert set(files) == EXPECTED_FILES and files["figuras.json"].digest != first
