"""The strict Content-Security-Policy in a real browser (Debian's Chromium): the pages and the web chat still work.

Chromium reports every refused inline script or style on the console and as a
`securitypolicyviolation` event; both are collected and must stay empty.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.support.browser import expect
from tests.support.processes import free_port, gunicorn
from tests.support.webchat import web_environment

CSP_WORDS = ("Content Security Policy", "Content-Security-Policy")
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
"""


@pytest.fixture
def server(tmp_path, redis_url):
    port = free_port()
    env = web_environment(tmp_path, redis_url, port, SESSION_COOKIE_SECURE="0")
    options = ("--workers", "1", "--worker-class", "gthread", "--threads", "8", "--graceful-timeout", "3")
    with gunicorn(env, port, tmp_path / "gunicorn.log", *options) as base:
        yield SimpleNamespace(base=base)


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-MX")
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.csp_console = []
    page.on("console", lambda m: any(w in m.text for w in CSP_WORDS) and page.csp_console.append(m.text))
    yield page
    context.close()


def violations(page) -> list[str]:
    return page.csp_console + page.evaluate("() => window.__violations || []")


def test_a_page_with_an_inline_style_is_what_the_watch_catches(page, server):
    """The watch works: an inline style added to one of our pages is refused and reported."""
    page.goto(server.base + "/")
    page.evaluate(
        "() => { const s = document.createElement('style'); s.textContent = 'h1{}'; document.head.append(s); }"
    )
    page.wait_for_function("() => window.__violations.length > 0")
    assert any("style-src" in v for v in violations(page))


def test_the_widget_is_styled_and_answers_under_the_csp(page, server):
    page.goto(server.base + "/webchat/")
    assert page.evaluate("() => getComputedStyle(document.querySelector('header')).display") == "flex"  # demo.css
    launch = page.get_by_role("button", name="Abrir chat con el municipio")
    expect(launch).to_be_visible()
    styled = "el => getComputedStyle(el).position"
    assert launch.evaluate(styled) == "fixed"  # the shadow root's stylesheet applies
    launch.click()
    page.get_by_label("Tu mensaje").fill("hola")
    page.get_by_role("button", name="Enviar").click()
    expect(page.locator("[data-ventanilla-chat] .msg.bot").nth(1)).to_be_visible()
    page.goto(server.base + "/")
    page.goto(server.base + "/dashboard/login")
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()  # the browser asks for es-MX
    assert page.evaluate("() => getComputedStyle(document.body).margin") != "8px"  # dashboard.css applies
    assert violations(page) == []
