"""A route survey's results in Debian's Chromium: the yes/no and number charts drawn from the seeded answers.

A transport volunteer added with the CLI (Spanish, the CLI's default) signs in and opens the route survey: the
share that waited more than 20 minutes is drawn per route and the minutes waited as a histogram, with the
median and mean beside them; the charts Chart.js drew hold the figures worked out here from the same answers,
the tables beside them say the same in text, and the page runs under its CSP without a violation.
"""

from __future__ import annotations

import statistics
import subprocess
from types import SimpleNamespace

import pytest

from bot import create_app
from tests.support.app import app_settings, database_url
from tests.support.browser import BIN, expect
from tests.support.processes import free_port, gunicorn
from tests.support.surveys import ROUTE_ANSWERS, store_route_answers, with_route_survey
from tests.support.webchat import web_environment

VOLUNTEER, PASSWORD = "movilidad@civica.org", "una clave para las rutas"
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));
"""
DRAWN = """id => { const chart = window.Chart.getChart(document.querySelector(`canvas[data-chart="${id}"]`));
  return chart ? {labels: chart.data.labels, data: chart.data.datasets[0].data, painted: (() => {
    const c = chart.canvas, pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0; for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) n++; } return n; })()} : null; }"""


@pytest.fixture
def city(tmp_path, redis_url):
    """gunicorn serving the shipped flows plus the route survey, its answers stored, and a volunteer of its department."""
    port = free_port()
    flows = with_route_survey(tmp_path)
    env = web_environment(tmp_path, redis_url, port, FLOWS_PATH=str(flows), SESSION_COOKIE_SECURE="0")
    command = [BIN / "ventanilla", "operators", "add", VOLUNTEER, "--role", "viewer"]
    command += ["--department", "servicios_publicos"]
    subprocess.run(command, env={**env, "VENTANILLA_PASSWORD": PASSWORD}, check=True, capture_output=True)
    app = create_app(
        app_settings(tmp_path, redis_url, database_url=database_url(tmp_path, "app.db"), flows_path=str(flows))
    )
    store_route_answers(app)
    app.extensions["ventanilla"].engine.dispose()
    options = ("--workers", "1", "--worker-class", "gthread", "--threads", "4", "--graceful-timeout", "3")
    with gunicorn(env, port, tmp_path / "gunicorn.log", *options) as base:
        yield SimpleNamespace(base=base)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-MX")
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def test_the_volunteer_sees_who_waited_per_route_and_how_long_as_charts(city, page, tmp_path):
    page.goto(city.base + "/dashboard/login")
    page.get_by_label("Correo electrónico").fill(VOLUNTEER)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.get_by_role("link", name="Encuestas").click()
    page.get_by_role("link", name="Evaluar tu ruta").click()

    # What the charts must show, worked out here from the seeded answers.
    waited = {
        route: [a["waited"] for a in ROUTE_ANSWERS if a["route"] == route and "waited" in a] for route in ("r23", "r1")
    }
    shares = [round(100 * sum(said) / len(said), 1) for said in waited.values()]
    minutes = [a["minutes"] for a in ROUTE_ANSWERS]
    assert shares == [66.7, 0.0]

    said = page.locator('section[data-yes-no="waited"]')
    expect(said.get_by_role("heading", name="¿Esperaste más de 20 minutos en …?")).to_be_visible()
    expect(said.locator(".share-yes")).to_have_text("50.0%")
    expect(
        said.get_by_role("img", name="¿Esperaste más de 20 minutos en …?: porcentaje que respondió que sí")
    ).to_be_visible()
    expect(said.locator('tr[data-subject="r23"]')).to_have_text("Ruta 23 Valle Oriente2166.7%")
    drawn = page.evaluate(DRAWN, "chart-yes-no-waited")
    assert drawn["labels"] == ["Ruta 23 Valle Oriente", "Ruta 1 Centro"] and drawn["data"] == shares
    assert drawn["painted"] > 1000  # bars and labels, not an empty canvas

    spread = page.locator('section[data-number="minutes"]')
    expect(spread.get_by_role("heading", name="Minutos de espera")).to_be_visible()
    expect(spread.locator("dd.median")).to_have_text(str(statistics.median(minutes)))
    expect(spread.locator("dd.mean")).to_have_text(str(int(statistics.mean(minutes))))
    drawn = page.evaluate(DRAWN, "chart-number-minutes")
    assert sum(drawn["data"]) == len(minutes) and drawn["painted"] > 1000
    assert drawn["labels"][0] == "5–9" and drawn["data"][0] == 1 and drawn["labels"][-1] == "60–64"
    rows = spread.locator("table.histogram tbody tr")
    expect(rows).to_have_count(len(drawn["labels"]))
    expect(rows.first).to_have_text("5–91")

    page.screenshot(path=str(tmp_path / "route-survey.png"), full_page=True)
    assert page.evaluate("window.__violations") == [] and page.errors == []
