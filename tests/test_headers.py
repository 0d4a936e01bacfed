"""Security headers on every page (issue 12, point 7): a CSP with no inline code, no framing, nosniff, HSTS over https.

Every GET route of the app is asked for by a signed-in admin, its HTML checked for the headers and
for anything the CSP would block (inline scripts, styles, event handlers); the templates are read too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from bot import create_app
from bot.db.database import create_tables
from bot.web.headers import HSTS
from tests.support.app import ROOT, app_settings
from tests.support.desks import Desk, add_operator, seed_ticket

TEMPLATES = ROOT / "bot" / "templates"
# Pages a resident or operator opens: each must be among the HTML routes the walk below meets.
PAGES = {
    "web.index",
    "webchat.demo",
    "dashboard.queue",
    "dashboard.map_view",
    "dashboard.ticket",
    "dashboard.survey",
    "dashboard.operators",
}


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


def assert_secure_headers(response, where: str, https: bool = True) -> None:
    headers = response.headers
    policy = directives(headers.get("Content-Security-Policy", ""))
    assert policy.get("default-src") == ["'self'"], f"{where}: {headers.get('Content-Security-Policy')}"
    for directive in ("script-src", "style-src"):
        assert policy.get(directive) == ["'self'"], f"{where}: {directive} {policy.get(directive)}"
    assert policy.get("frame-ancestors") == ["'none'"], where
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"], where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Strict-Transport-Security") == (HSTS if https else None), where


class InlineCode(HTMLParser):
    """What a strict CSP would refuse in a page: style attributes, <style>, inline scripts, on* handlers."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if "style" in names:
            self.found.append(f'<{tag} style="{names["style"]}">')
        self.found += [f"<{tag} {name}=…>" for name in names if name.startswith("on")]
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and not names.get("src") and names.get("type") != "application/json":
            self._script = ""  # a data block (type=application/json) is never run, so the CSP lets it be
        if tag == "a" and (names.get("href") or "").lower().startswith("javascript:"):
            self.found.append(f"<a href={names['href']}>")

    def handle_data(self, data):
        if self._script is not None:
            self._script += data

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.found.append(f"<script>{self._script.strip()[:60]}</script>")
            self._script = None


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def url_for_rule(rule, **values: str) -> str:
    """A URL of the rule: the values given, ints 1, anything else a word that finds nothing (a 404 page)."""
    return re.sub(
        r"<(?:(\w+):)?(\w+)>", lambda m: values.get(m[2]) or ("1" if m[1] == "int" else "2611-AAAAAA"), rule.rule
    )


def test_every_html_page_carries_the_headers_and_no_inline_code(app):
    add_operator(app, "admin@sanpedro.gob.mx", role="admin")
    desk = Desk(app, "admin@sanpedro.gob.mx").login()
    values = {"folio": seed_ticket(app, summary='Bache "hondo" <b>aquí</b>'), "flow_id": "park_evaluation"}
    html_pages, checked = set(), 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or "stream" in rule.rule:
            continue
        path = url_for_rule(rule, **values)
        response = desk.get(path)
        response.get_data()  # exports stream: read them to the end before the next request
        where = f"GET {path} ({rule.endpoint}): {response.status_code}"
        checked += 1
        if rule.endpoint.endswith("media") or rule.endpoint == "webchat.widget_js":
            assert "Content-Security-Policy" in response.headers, where  # their own, stricter (sandbox)
            assert response.headers.get("X-Content-Type-Options") == "nosniff", where
            continue
        assert_secure_headers(response, where)
        if response.mimetype == "text/html":
            assert inline_code(response.text) == [], where
            if response.status_code == 200:
                html_pages.add(rule.endpoint)
    assert checked >= 15
    assert not PAGES - html_pages, f"pages not shown (200, HTML): {PAGES - html_pages}"


@pytest.mark.parametrize(
    "path", ["/healthz", "/no-such-page", "/dashboard/login", "/dashboard/tickets/2611-ZZZZZZ", "/webchat/?lang=en"]
)
def test_json_errors_and_the_widgets_page_carry_them_too(app, client, path):
    add_operator(app, "ana@sanpedro.gob.mx")
    response = (
        Desk(app, "ana@sanpedro.gob.mx").login().client if path.startswith("/dashboard/tickets") else client
    ).get(path)
    assert_secure_headers(response, f"{path}: {response.status_code}")
    assert inline_code(response.text) == []


def test_an_unexpected_error_page_carries_them(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url))

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_secure_headers(response, "a 500")
    app.extensions["ventanilla"].engine.dispose()


@pytest.mark.parametrize("public_url", ["http://127.0.0.1:5000", ""])
def test_no_hsts_unless_the_public_url_is_https(tmp_path, redis_url, public_url):
    app = create_app(app_settings(tmp_path, redis_url, public_url=public_url))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    for path in ("/", "/webchat/", "/dashboard/login"):
        assert_secure_headers(app.test_client().get(path), path, https=False)
    app.extensions["ventanilla"].engine.dispose()


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_no_template_holds_inline_styles_or_scripts(template):
    text = (TEMPLATES / template).read_text()
    assert not re.search(r"\sstyle\s*=", text), f"{template}: a style= attribute (use a class in the static CSS)"
    assert "<style" not in text.lower(), f"{template}: a <style> block (move it to the static CSS)"
    assert not re.search(r"\son[a-z]+\s*=", text), f"{template}: an on…= handler (bind it in the static JS)"
    for opening, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", text, flags=re.S | re.I):
        if "src=" in opening:
            assert not body.strip(), f"{template}: a script with both src and a body"
        else:
            assert 'type="application/json"' in opening, f"{template}: an inline script (move it to the static JS)"


def test_the_static_css_and_js_the_pages_link_exist():
    linked = set()
    for template in TEMPLATES.rglob("*.html"):
        linked |= set(re.findall(r"filename='([^']+\.(?:css|js))'", template.read_text()))
    missing = [name for name in sorted(linked) if not (ROOT / "bot" / "static" / name).is_file()]
    assert linked and missing == [], missing
