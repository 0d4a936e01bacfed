"""The public open data page /datos/ and its files: no sign-in, Spanish first, served as published, never computed."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlmodel import select

from bot import create_app
from bot.db.database import create_tables, transaction
from bot.db.tables import SurveyResponse
from bot.privacy.erase import erase_contact
from tests.support.app import app_settings
from tests.support.desks import Tables, seed_ticket
from tests.support.opendata import COMMENT, flows_with_public_comments, publish_now, rate_a_park, seed_city

STABLE_URLS = (
    "/datos/tickets-por-semana.csv",
    "/datos/tickets-por-colonia.csv",
    "/datos/dependencias.csv",
    "/datos/reportes-abiertos.geojson",
    "/datos/reportes-abiertos.csv",
    "/datos/encuestas/park_evaluation.csv",
    "/datos/figuras.json",
)


def test_before_the_first_publication_the_page_says_so_and_files_are_not_found(client):
    page = client.get("/datos/")
    assert page.status_code == 200 and 'lang="es-MX"' in page.text
    assert "Las cifras aún no se han publicado" in page.text
    missing = client.get("/datos/tickets-por-semana.csv")
    assert missing.status_code == 404 and "No hay nada publicado en esta dirección" in missing.text


def test_the_page_shows_every_figure_as_a_table_in_spanish_with_its_downloads(app, client):
    seed_city(app)
    rate_a_park(app)
    publish_now(app)
    page = client.get("/datos/")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    assert page.headers["Cache-Control"] == "public, max-age=300" and "Accept-Language" in page.headers["Vary"]
    html = page.text
    for heading in (
        "Datos abiertos",
        "Reportes por categoría por semana",
        "Mapa de reportes abiertos",
        "Qué no se publica",
    ):
        assert heading in html
    assert Tables(html, "data-category")["per-week"]["bache"][-1] == "7"
    assert Tables(html, "data-colonia")["per-colonia"]["Centro"][-1] == "3"
    assert Tables(html, "data-department")["departments-table"]["obras_publicas"][:5] == [
        "Obras Públicas",
        "4",
        "0",
        "3",
        "4.0",
    ]
    assert Tables(html, "data-cell")["open-cells"]  # one square, Centro's
    assert Tables(html, "data-subject")["survey-park_evaluation-table"]["P002"] == [
        "Parque Rufino Tamayo",
        "1",
        "4.0",
        "5.0",
        "3.0",
    ]
    for url in STABLE_URLS:
        assert f'href="{url}"' in html, url
    assert "CC BY 4.0" in html and 'rel="license"' in html
    assert "<script>" not in html and "style=" not in html  # the CSP allows neither
    assert COMMENT not in html  # the shipped survey's comments are not public


def test_the_page_follows_the_browser_language(app, client):
    publish_now(app)
    english = client.get("/datos/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="en"' in english.text and "Open data" in english.text and "What is not published" in english.text
    spanish = client.get("/datos/", headers={"Accept-Language": "fr"})
    assert 'lang="es-MX"' in spanish.text and "Datos abiertos" in spanish.text


def test_every_file_has_a_stable_url_a_type_the_licence_an_etag_and_is_readable(app, client):
    seed_city(app)
    publish_now(app)
    for url in STABLE_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Link"] == '<https://creativecommons.org/licenses/by/4.0/deed.es>; rel="license"'
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, url
        if url.endswith(".csv"):
            assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
            assert response.headers["Content-Disposition"] == f'attachment; filename="{url.rsplit("/", 1)[1]}"'
            header, *rows = csv.reader(io.StringIO(response.data.decode("utf-8-sig")))
            assert header and all(len(row) == len(header) for row in rows), url
        else:
            assert json.loads(response.data)
    assert client.get("/datos/reportes-abiertos.geojson").headers["Content-Type"] == "application/geo+json"


def test_the_page_serves_what_was_published_and_never_computes_a_figure(app, client):
    seed_city(app)
    publish_now(app)
    before = client.get("/datos/tickets-por-semana.csv").data
    for _ in range(3):
        seed_ticket(app)  # new reports: not in the figures until the next publication
    assert client.get("/datos/tickets-por-semana.csv").data == before
    assert Tables(client.get("/datos/").text, "data-category")["per-week"]["bache"][-1] == "7"
    publish_now(app)
    assert Tables(client.get("/datos/").text, "data-category")["per-week"]["bache"][-1] == "10"


@pytest.mark.parametrize(
    "path", ["/datos/../instance/secret_key", "/datos/encuestas/", "/datos/x.csv", "/datos/figuras"]
)
def test_an_unpublished_name_is_a_404_never_a_file_on_disk(app, client, path):
    publish_now(app)
    assert client.get(path).status_code == 404


def test_with_open_data_off_the_page_and_files_are_not_found(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url, open_data=False))
    create_tables(app.extensions["ventanilla"].engine)
    publish_now(app)  # published before it was turned off: still not served
    client = app.test_client()
    assert client.get("/datos/").status_code == 404
    assert client.get("/datos/figuras.json").status_code == 404
    app.extensions["ventanilla"].engine.dispose()


def test_a_public_comment_step_shows_its_comments_masked(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url, flows_path=flows_with_public_comments(tmp_path)))
    create_tables(app.extensions["ventanilla"].engine)
    rate_a_park(app)
    publish_now(app)
    html = app.test_client().get("/datos/").text
    assert "Comentarios que los vecinos aceptaron publicar" in html
    assert "Faltan botes de basura cerca de los juegos, escríbanme a [email] o al [phone]" in html
    assert 'href="/datos/encuestas/park_evaluation-comentarios.csv"' in html
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine, immediate=True) as db:
        [response] = db.exec(select(SurveyResponse)).all()
        erase_contact(db, svc.config, svc.flows, response.contact_id, actor="privacy", reason="test")
    assert "Faltan botes" not in app.test_client().get("/datos/").text  # the page rendered before is not kept
    svc.engine.dispose()


def test_the_landing_page_links_the_open_data(client):
    assert 'href="https://ventanilla.example.mx/datos/"' in client.get("/").text
