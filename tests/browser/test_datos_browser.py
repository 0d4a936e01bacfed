"""The open data page in Debian's Chromium: keyboard only, no CSP violation, readable contrast, and a map that
draws its squares with the tiles unreachable (every request to the tile server is refused here)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot import create_app
from tests.support.app import app_settings, database_url
from tests.support.browser import expect
from tests.support.opendata import publish_now, rate_a_park, seed_city
from tests.support.processes import free_port, gunicorn
from tests.support.webchat import web_environment

CSP_WORDS = ("Content Security Policy", "Content-Security-Policy")
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""
# WCAG's contrast ratio of every text element's colour against the first opaque background behind it.
LOW_CONTRAST = """() => {
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                               .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const back = el => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
                       if (rgb(c).length < 4 || rgb(c)[3] > 0) return rgb(c).slice(0, 3); } return [255, 255, 255]; };
  const low = [];
  for (const el of document.querySelectorAll('main p, main th, main td, main a, main caption, main h1, main h2, main h3, header a, footer p')) {
    if (!el.textContent.trim() || !el.offsetParent) continue;
    const [a, b] = [lum(rgb(getComputedStyle(el).color).slice(0, 3)), lum(back(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(el.tagName + ' ' + el.textContent.trim().slice(0, 40) + ' ' + ratio.toFixed(2));
  }
  return low;
}"""


@pytest.fixture
def server(tmp_path, redis_url):
    """gunicorn serving the app, its database holding a published city (tickets, a park rated)."""
    port = free_port()
    env = web_environment(tmp_path, redis_url, port, SESSION_COOKIE_SECURE="0")
    options = ("--workers", "1", "--worker-class", "gthread", "--threads", "4", "--graceful-timeout", "3")
    with gunicorn(env, port, tmp_path / "gunicorn.log", *options) as base:
        app = create_app(app_settings(tmp_path, redis_url, database_url=database_url(tmp_path, "app.db")))
        seed_city(app)
        rate_a_park(app)
        publish_now(app)
        app.extensions["ventanilla"].engine.dispose()
        yield SimpleNamespace(base=base)


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-MX")
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH_VIOLATIONS)
    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())  # no tiles
    page = context.new_page()
    page.csp_console = []
    page.on("console", lambda m: any(w in m.text for w in CSP_WORDS) and page.csp_console.append(m.text))
    yield page
    context.close()


def violations(page) -> list[str]:
    return page.csp_console + page.evaluate("() => window.__violations || []")


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement; return e.tagName + ' ' + (e.getAttribute('href') || e.id || ''); }"
    )


def test_the_page_is_read_by_keyboard_with_its_map_drawn_without_tiles_and_no_csp_violation(page, server):
    page.goto(server.base + "/datos/")
    expect(page.get_by_role("heading", level=1, name="Datos abiertos")).to_be_visible()
    for landmark in ("banner", "main", "contentinfo"):
        expect(page.get_by_role(landmark)).to_have_count(1)
    expect(page.get_by_role("navigation", name="Cifras de esta página")).to_be_visible()

    page.keyboard.press("Tab")  # the first stop skips the header
    assert focused(page) == "A #contenido"
    expect(page.get_by_role("link", name="Saltar a las cifras")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert focused(page) == "MAIN contenido"
    stops = []
    for _ in range(60):
        page.keyboard.press("Tab")
        stops.append(focused(page))
    assert "A /datos/tickets-por-semana.csv" in stops  # every download is a stop of its own
    assert "A /datos/reportes-abiertos.geojson" in stops
    assert "DIV " in stops  # a wide table's scrolling box is a stop too: it scrolls by keyboard

    map_ = page.locator("#open-map")
    expect(map_).to_have_attribute("data-drawn", "1")  # Centro's square, drawn on a plain background
    expect(page.locator("#open-map-status")).to_have_text("Un cuadro con reportes abiertos en el mapa.")
    expect(page.locator("#open-map path.leaflet-interactive")).to_have_count(1)
    expect(page.locator("#open-cells tbody tr")).to_have_count(1)  # the same square as a table

    for name in ("per-week", "resolve", "survey-park_evaluation"):
        canvas = page.locator(f'canvas[data-chart="chart-{name}"]')
        expect(canvas).to_have_attribute("role", "img")
        assert page.evaluate("c => !!window.Chart.getChart(c)", canvas.element_handle()), name
    assert page.locator("table").count() == page.locator("table caption").count()  # every table says what it is

    assert page.evaluate(LOW_CONTRAST) == []
    assert violations(page) == []
