"""Survey results pages: figures per park, charts drawn from the same figures as the tables, comments, CSV, scoping."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import create_app
from bot.db.database import create_tables, transaction
from bot.db.tables import Contact, SurveyResponse
from tests.support.app import ROOT, Resident, app_settings
from tests.support.desks import Desk, Tables, add_operator

PARKS = "/dashboard/surveys/park_evaluation"
NOW = datetime.now(UTC).replace(microsecond=0)


def add_responses(app, *answers: dict, at: datetime = NOW, flow: str = "park_evaluation") -> None:
    with transaction(app.extensions["ventanilla"].engine) as db:
        contact = Contact(name="Lupita")
        db.add(contact)
        db.flush()
        for n, given in enumerate(answers):
            db.add(
                SurveyResponse(flow=flow, contact_id=contact.id, answers=given, created_at=at - timedelta(seconds=n))
            )


def park(
    park_id: str, cleanliness: int, safety: int, lighting: int, comment: str | None = None, label: str = ""
) -> dict:
    return {
        "park": park_id,
        "park_label": label or park_id,
        "cleanliness": cleanliness,
        "safety": safety,
        "lighting": lighting,
        "comment": comment,
    }


def chart(html: str, name: str) -> dict:
    """The data a chart is drawn from, as the page carries it."""
    found = re.search(rf'<script type="application/json" id="chart-{name}">(.*?)</script>', html, re.S)
    assert found, f"no chart {name}"
    return json.loads(found[1])


def test_a_resident_rating_a_park_over_whatsapp_appears_in_the_results(app, desk):
    resident = Resident(app.test_client())
    for said in ("hola", "4", "rufino", "4", "5", "3"):
        resident.says(said)
    assert "¡Gracias por evaluar Parque Rufino Tamayo!" in resident.says("Faltan botes de basura cerca de los juegos")
    page = desk("civica@parques.org", "viewer", ["parques"]).get(PARKS)
    assert page.status_code == 200
    tables = Tables(page.text)
    assert tables["subjects-table"]["P002"] == ["Parque Rufino Tamayo", "1", "4.00", "5.00", "3.00"]
    assert "Faltan botes de basura cerca de los juegos" in page.text and "8112345678" not in page.text


def test_each_park_shows_its_count_averages_and_distribution_in_tables_and_charts(app, desk):
    add_responses(app, park("P002", 4, 5, 3), park("P002", 2, 5, 1), park("P002", 5, 4, 3), park("P001", 1, 1, 1))
    html = desk("ana@x.mx", "operator", ["parques"]).get(PARKS).text
    tables = Tables(html)
    assert tables["subjects-table"]["P002"] == ["Parque Rufino Tamayo", "3", "3.67", "4.67", "2.33"]
    assert tables["subjects-table"]["P001"] == ["Parque Clouthier", "1", "1.00", "1.00", "1.00"]
    assert tables["subjects-table"]["*"] == ["All", "4", "3.00", "3.75", "2.00"]
    assert tables["cleanliness"]["P002"] == ["Parque Rufino Tamayo", "0", "1", "0", "1", "1", "3.67"]
    assert tables["lighting"]["P002"] == ["Parque Rufino Tamayo", "1", "0", "2", "0", "0", "2.33"]
    averages = chart(html, "averages")
    assert averages["labels"] == ["Parque Rufino Tamayo", "Parque Clouthier"]
    assert [d["data"] for d in averages["datasets"]] == [[3.67, 1.0], [4.67, 1.0], [2.33, 1.0]]
    cleanliness = chart(html, "rating-cleanliness")
    assert [d["data"] for d in cleanliness["datasets"]] == [
        [0, 1],
        [1, 0],
        [0, 0],
        [1, 0],
        [1, 0],
    ]  # scores 1..5 per park
    assert chart(html, "timeline")["datasets"][0]["data"] == [4]


def test_the_page_runs_no_inline_script_and_loads_chart_js_from_here(app, desk):
    add_responses(app, park("P002", 4, 5, 3))
    html = desk("ana@x.mx", "operator", ["parques"]).get(PARKS).text
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all('src="/static/' in attrs or 'type="application/json"' in attrs for attrs in scripts), scripts
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html and 'src="/static/dashboard/charts.js"' in html
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)  # no onclick= handlers either


def test_comments_and_labels_from_residents_are_text_never_markup(app, desk):
    add_responses(app, park("PX", 1, 1, 1, "<script>alert(1)</script>", label="</script><script>alert(2)</script>"))
    html = desk("ana@x.mx", "operator", ["parques"]).get(PARKS).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "<script>alert(2)" not in html  # in the chart data too: |tojson writes < as \u003c
    assert chart(html, "averages")["labels"] == ["</script><script>alert(2)</script>"]


def test_comments_are_newest_first_with_park_and_date_and_paged(app, desk):
    add_responses(app, *[park("P001", 3, 3, 3, f"comentario {n:02d}") for n in range(25)], park("P001", 3, 3, 3, None))
    operator = desk("ana@x.mx", "operator", ["parques"])
    first = operator.get(PARKS).text
    comments = re.findall(r'<td class="comment">(.*?)</td>', first)
    assert comments[:2] == ["comentario 00", "comentario 01"] and len(comments) == 20
    assert 'Comments <span class="muted">(25)</span>' in first and "Page 1 of 2" in first
    assert "Parque Clouthier" in first and NOW.strftime("%Y-%m-%d") in first
    second = operator.get(PARKS + "?page=2").text
    assert re.findall(r'<td class="comment">(.*?)</td>', second) == [f"comentario {n}" for n in range(20, 25)]


def test_the_date_range_narrows_every_figure(app, desk):
    add_responses(app, park("P002", 5, 5, 5, "hoy"))
    add_responses(app, park("P002", 1, 1, 1, "hace diez días"), at=NOW - timedelta(days=10))
    operator = desk("ana@x.mx", "operator", ["parques"])
    day = (NOW - timedelta(days=10)).date().isoformat()
    html = operator.get(f"{PARKS}?since={day}&until={day}").text
    assert (
        Tables(html)["subjects-table"]["P002"][1:3] == ["1", "1.00"]
        and "hace diez días" in html
        and ">hoy<" not in html
    )
    assert f'href="/dashboard/surveys/park_evaluation.csv?since={day}&amp;until={day}"' in html
    everything = Tables(operator.get(PARKS).text)["subjects-table"]["P002"]
    assert everything[1:3] == ["2", "3.00"]


@pytest.mark.parametrize(
    "query, problem",
    [
        ("since=25/11/2026", "since: use YYYY-MM-DD"),
        ("until=2026-02-30", "until: use YYYY-MM-DD"),
        ("since=2026-11-20&until=2026-11-10", "since: the start date is after the end date"),
        ("since=0001-01-01", "between the years 2000 and 2999"),
        ("page=abc", "page: a positive whole number"),
        ("page=0", "page: a positive whole number"),
        ("page=%C2%B2", "page: a positive whole number"),
        ("page=" + "9" * 5000, "page: a positive whole number"),
    ],
)
def test_a_filter_that_cannot_be_read_is_a_clear_400(app, desk, query, problem):
    operator = desk("ana@x.mx", "operator", ["parques"])
    for path in (PARKS, PARKS + ".csv") if "page" not in query else (PARKS,):  # the CSV has no pages
        response = operator.get(f"{path}?{query}")
        assert response.status_code == 400 and problem.replace("'", "&#39;") in response.text


def test_the_csv_has_a_row_a_response_labels_no_phone_and_defused_formulas(app, desk):
    resident = Resident(app.test_client())
    for said in ("hola", "4", "rufino", "4", "5", "3", '=HYPERLINK("http://evil","ver")'):
        resident.says(said)
    add_responses(
        app, park("P001", 1, 2, 3, "+52 81 1234 5678 -- llamen", label="Parque Clouthier"), at=NOW - timedelta(days=1)
    )
    response = desk("ana@x.mx", "viewer", ["parques"]).get(PARKS + ".csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="park_evaluation-')
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeffdate (America/Mexico_City),language,park,park_label,")  # the city's time
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][1:] == ["language", "park", "park_label", "cleanliness", "safety", "lighting", "comment"]
    assert rows[1][0] == (NOW - timedelta(days=1)).astimezone(ZoneInfo("America/Mexico_City")).isoformat()
    assert rows[1][1:] == ["es", "P001", "Parque Clouthier", "1", "2", "3", "'+52 81 1234 5678 -- llamen"]
    assert rows[2][1:] == ["es", "P002", "Parque Rufino Tamayo", "4", "5", "3", '\'=HYPERLINK("http://evil","ver")']
    assert len(rows) == 3 and "8112345678" not in body and "whatsapp" not in body


def test_a_survey_of_another_department_is_not_found(app, desk):
    add_responses(app, park("P002", 4, 5, 3))
    works = desk("obra@x.mx", "operator", ["obras_publicas"])
    for path in (PARKS, PARKS + ".csv", "/dashboard/surveys/pothole", "/dashboard/surveys/nothing.csv"):
        assert works.get(path).status_code == 404, path
    listing = works.get("/dashboard/surveys").text
    assert "park_evaluation" not in listing and "No surveys for your departments." in listing


def test_viewers_of_the_department_and_admins_see_the_survey_with_its_count(app, desk):
    add_responses(app, park("P002", 4, 5, 3), park("P001", 2, 2, 2))
    for email, role, departments in (("civica@x.org", "viewer", ["parques"]), ("jefa@x.mx", "admin", [])):
        operator = desk(email, role, departments)
        listing = operator.get("/dashboard/surveys").text
        assert 'href="/dashboard/surveys/park_evaluation"' in listing and 'data-flow="park_evaluation">2<' in listing
        assert operator.get(PARKS).status_code == 200
    assert (
        desk("jefe@x.mx", "admin", []).get("/dashboard/surveys/pothole").status_code == 404
    )  # a ticket flow, not a survey


def test_a_survey_without_responses_says_so(app, desk):
    html = desk("ana@x.mx", "operator", ["parques"]).get(PARKS).text
    assert "No responses yet." in html and "No comments." in html and 'id="response-total">0<' in html


BUS_SURVEYS = """
  bus_rating:
    title: {es: Calificar el camión, en: Rate the bus}
    outcome: {kind: survey, department: servicios_publicos}
    steps:
      - id: route
        kind: choice
        prompt: {es: "¿Qué ruta?", en: "Which route?"}
        options:
          - {id: r1, label: {es: Ruta 1, en: Route 1}}
          - {id: r2, label: {es: Ruta 2, en: Route 2}}
      - id: how
        kind: choice
        prompt: {es: "¿Cómo llegaste?", en: "How did you get there?"}
        options:
          - {id: walk, label: {es: A pie, en: On foot}}
          - {id: car, label: {es: En coche, en: By car}}
      - id: note
        kind: rating
        scale: [0, 10]
        prompt: {es: "Del 0 al 10", en: "From 0 to 10"}
    done: {es: Gracias, en: Thanks}
  bus_stop:
    title: {es: Calificar la parada, en: Rate the stop}
    outcome: {kind: survey, department: servicios_publicos}
    steps:
      - id: shade
        kind: rating
        prompt: {es: "¿Sombra?", en: "Shade?"}
    done: {es: Gracias, en: Thanks}
"""


@pytest.fixture
def bus_app(tmp_path, redis_url):
    """The shipped flows plus two surveys of another shape: two choices and a 0..10 rating; one rating alone."""
    text = (
        (ROOT / "flows.yaml")
        .read_text()
        .replace("park_evaluation, city_info]", "park_evaluation, city_info, bus_rating, bus_stop]")
    )
    (tmp_path / "flows.yaml").write_text(text + BUS_SURVEYS)
    (tmp_path / "parks.csv").write_text((ROOT / "parks.csv").read_text())
    app = create_app(app_settings(tmp_path, redis_url, flows_path=str(tmp_path / "flows.yaml")))
    create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


def test_any_survey_shape_is_shown_grouped_by_its_first_choice_or_as_a_whole(bus_app):
    add_responses(
        bus_app,
        {"route": "r1", "how": "walk", "note": 10},
        {"route": "r1", "how": "car", "note": 0},
        {"route": "r2", "how": "walk", "note": 7},
        flow="bus_rating",
    )
    add_responses(bus_app, {"shade": 2}, {"shade": 5}, flow="bus_stop")
    # A Spanish-reading viewer: the options' labels are the flow's Spanish ones (an English reader gets "Route 1").
    desk = Desk(bus_app, add_operator(bus_app, "beto@x.mx", "viewer", ["servicios_publicos"], language="es")).login()
    html = desk.get("/dashboard/surveys/bus_rating").text
    tables = Tables(html)
    assert (
        tables["subjects-table"]["r1"] == ["Ruta 1", "2", "5.00"] and tables["note"]["r2"][8] == "1"
    )  # a 7 for route 2
    assert len(tables["note"]["r1"]) == 1 + 11 + 1  # scores 0..10 and the average
    assert '<tr><td>A pie</td><td class="num">2</td></tr><tr><td>En coche</td><td class="num">1</td></tr>' in html
    assert chart(html, "choice-how")["labels"] == ["A pie", "En coche"] and chart(html, "choice-how")["datasets"][0][
        "data"
    ] == [2, 1]
    stop = desk.get("/dashboard/surveys/bus_stop").text
    assert Tables(stop)["shade"][""] == ["Todos", "0", "1", "0", "0", "1", "3.50"]
    assert chart(stop, "rating-shade")["labels"] == ["Todos"] and "averages" not in stop and "Sin comentarios." in stop
