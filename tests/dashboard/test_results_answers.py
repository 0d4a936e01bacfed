"""A route survey's yes/no and number answers on the results page, as an operator of its department meets them.

The share that said yes (overall and per route) and the minutes waited (median, mean, a histogram) are on the
page in tables and in the charts' data, under headings written from the flow's own words in the operator's
language; whether the figures come from the tallies or from the responses, they are the same; the CSV
carries yes/no as yes/no and numbers as written.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot import create_app
from bot.db.database import create_tables
from tests.support.app import app_settings
from tests.support.desks import Tables, signed_in
from tests.support.surveys import store_route_answers as store
from tests.support.surveys import with_route_survey

ROUTES = "/dashboard/surveys/route_survey"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def route_app(tmp_path, redis_url):
    """The shipped flows plus a route survey with a yes/no and a number step."""
    app = create_app(app_settings(tmp_path, redis_url, flows_path=str(with_route_survey(tmp_path))))
    create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


def chart(html: str, name: str) -> dict:
    found = re.search(rf'<script type="application/json" id="chart-{name}">(.*?)</script>', html, re.S)
    assert found, f"no chart {name}"
    return json.loads(found[1])


def histogram(html: str, step: str) -> list[tuple[str, str]]:
    table = re.search(rf'<table class="histogram" data-step="{step}">(.*?)</table>', html, re.S)
    assert table, f"no histogram for {step}"
    return re.findall(r'<tr><td>(.*?)</td><td class="num">(.*?)</td></tr>', table[1])


@pytest.mark.parametrize("tallied", [True, False], ids=["from the tallies", "from the responses"])
def test_the_share_that_waited_and_the_minutes_waited_are_on_the_page(route_app, tallied):
    store(route_app, tallied=tallied)
    html = signed_in(route_app, "ana@x.mx", "viewer", ["servicios_publicos"]).get(ROUTES).text
    tables = Tables(html)
    assert tables["waited"]["r23"] == ["Route 23 Valle Oriente", "2", "1", "66.7%"]
    assert tables["waited"]["r1"] == ["Route 1 Downtown", "0", "1", "0.0%"]  # the one who did not say is not counted
    assert tables["waited"]["*"] == ["All", "2", "2", "50.0%"]
    waited = chart(html, "yes-no-waited")
    assert waited["labels"] == ["Route 23 Valle Oriente", "Route 1 Downtown"] and waited["max"] == 100
    assert waited["datasets"][0]["data"] == [66.7, 0.0]
    assert '<strong class="share-yes">50.0%</strong> answered yes' in html and "2 of 4 answers" in html
    # minutes: 5, 10, 25, 30, 60
    for figure, value in (("median", "25"), ("mean", "26"), ("lowest", "5"), ("highest", "60"), ("count", "5")):
        assert f'<dd class="{figure}">{value}</dd>' in html, figure
    bars = histogram(html, "minutes")
    assert bars[0] == ("5–9", "1") and bars[1] == ("10–14", "1") and bars[-1] == ("60–64", "1")
    assert len(bars) == 12 and sum(int(n) for _, n in bars) == 5
    minutes = chart(html, "number-minutes")
    assert minutes["labels"] == [label for label, _ in bars]
    assert minutes["datasets"][0]["data"] == [int(n) for _, n in bars]


def test_headings_are_the_flows_own_words_in_the_operators_language(route_app):
    store(route_app)
    english = signed_in(route_app, "ana@x.mx", "viewer", ["servicios_publicos"]).get(ROUTES).text
    assert "<h2>Did you wait more than 20 minutes for …?</h2>" in english  # the question, cleaned; no label given
    assert "<h2>Minutes waited</h2>" in english  # its label
    assert ">waited<" not in english and ">minutes<" not in english and "Waited<" not in english  # never the id
    spanish = signed_in(route_app, "eva@x.mx", "viewer", ["servicios_publicos"], language="es").get(ROUTES).text
    assert "<h2>¿Esperaste más de 20 minutos en …?</h2>" in spanish and "<h2>Minutos de espera</h2>" in spanish
    assert "respondió que sí" in spanish and "Mediana" in spanish and "Ruta 23 Valle Oriente" in spanish
    assert Tables(spanish)["waited"]["*"] == ["Todos", "2", "2", "50.0%"]


def test_a_period_without_answers_says_so_rather_than_drawing_empty_charts(route_app):
    store(route_app, at=NOW - timedelta(days=40))
    day = NOW.date().isoformat()
    html = signed_in(route_app, "ana@x.mx", "viewer", ["servicios_publicos"]).get(f"{ROUTES}?since={day}").text
    assert html.count("Nobody has answered this question in these dates.") == 2
    assert 'id="chart-yes-no-waited"' not in html and 'id="chart-number-minutes"' not in html


def test_another_departments_operator_does_not_see_the_route_survey(route_app):
    store(route_app)
    parks = signed_in(route_app, "civica@parques.org", "viewer", ["parques"])
    assert parks.get(ROUTES).status_code == 404 and parks.get(ROUTES + ".csv").status_code == 404


def test_the_csv_writes_yes_no_as_words_and_numbers_as_given(route_app):
    store(route_app)
    body = signed_in(route_app, "ana@x.mx", "viewer", ["servicios_publicos"]).get(ROUTES + ".csv").data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))
    assert rows[0][1:] == ["language", "route", "route_label", "waited", "minutes", "comment"]
    assert rows[1][2:] == ["r1", "Route 1 Downtown", "", "60", "se tardó una hora"]  # oldest first; not answered: empty
    assert rows[-1][2:] == ["r23", "Route 23 Valle Oriente", "yes", "25", ""]
    assert [r[4] for r in rows[1:]] == ["", "no", "no", "yes", "yes"]


def test_docs_say_what_every_kind_of_step_writes_in_the_csv():
    from bot.flows.steps import ANSWERLESS_KINDS, STEP_KINDS
    from tests.support.app import ROOT

    guide = (ROOT / "docs" / "flows.md").read_text(encoding="utf-8")
    section = guide[guide.index("### The CSV, column by column") :]
    table = section[section.index("| kind | cell |") : section.index("**Empty cells.**")]
    documented = {
        kind
        for line in table.splitlines()
        if line.startswith("|")
        for kind in re.findall(r"`(\w+)`", line.split("|")[1])
    }
    assert documented == set(STEP_KINDS) - ANSWERLESS_KINDS
