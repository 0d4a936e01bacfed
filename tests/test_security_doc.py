"""SECURITY.md stays true to the app: every route the app serves is in its threat model, and its table names
no route the app no longer has (issue 12)."""

from __future__ import annotations

import re

from tests.support.app import ROOT

DOC = ROOT / "SECURITY.md"
# Flask's converters (<int:operator_id>, <path:filename>) are spelled without their type in the page.
_CONVERTER = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")
_ROUTE_IN_BACKTICKS = re.compile(r"`(/[^`\s]*)`")
# Registered only where they apply (the demo inbox answers in demo mode only), yet described all the same.
CONDITIONAL = {"/demo/inbox/<department>"}


def plain(rule: str) -> str:
    return _CONVERTER.sub(r"<\1>", rule)


def app_routes(app) -> set[str]:
    return {plain(rule.rule) for rule in app.url_map.iter_rules()}


def routes_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("\n## Routes\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_every_route_of_the_app_is_in_the_threat_model(app):
    described = set(_ROUTE_IN_BACKTICKS.findall(routes_section()))
    missing = sorted(app_routes(app) - described)
    assert not missing, f"SECURITY.md's Routes table does not say what these trust: {missing}"


def test_the_threat_model_names_no_route_the_app_does_not_have(app):
    described = set(_ROUTE_IN_BACKTICKS.findall(routes_section()))
    stale = sorted(described - app_routes(app) - CONDITIONAL)
    assert not stale, f"SECURITY.md describes routes the app does not serve: {stale}"


def test_it_says_how_to_report_a_problem():
    text = DOC.read_text(encoding="utf-8")
    assert "## Reporting a problem" in text and "SECURITY_CONTACT" in text
