"""Every dashboard route needs a signed-in operator; every route outside it is public on purpose."""

from __future__ import annotations

import pytest

# Outside /dashboard, each public endpoint and why it may be public.
PUBLIC = {
    "static": "the widget's and the dashboard's own CSS and JS (no data)",
    "web.index": "a page linking the URLs below",
    "web.health": "the liveness check balancers call (says only ok)",
    "web.metrics": "Prometheus' scrape: a bearer METRICS_TOKEN (404 while unset), counts without personal data",
    "web.ready": "the readiness check balancers call (ok or an error's type per check, no data)",
    "web.media": "photos and voice notes through signed links that expire (operators' pages, departments, Open311)",
    "web.demo_inbox": "the laptop's stand-in department, signed like a department webhook",
    "api.update_status": "departments' status updates, HMAC-signed",
    "twilio.webhook": "Twilio, signed (X-Twilio-Signature)",
    "twilio.status_callback": "Twilio's status callbacks, signed",
    "whatsapp.subscribe": "Meta's verification handshake (verify token)",
    "whatsapp.webhook": "Meta, signed (X-Hub-Signature-256)",
    "datos.page": "the open data page: published aggregates, no personal data (bot/opendata/), no per-request figure",
    "datos.download": "the open data's files (CSV, GeoJSON, JSON) as published, by their stable names",
    "privacy.download": "a resident's own data (ARCO access), through a signed link that expires, sent to them by chat",
    "open311.discovery": "Open311's discovery document: where the API is and its formats (no data)",
    "open311.services_list": "Open311's services: the report flows, as public as the chat's menu",
    "open311.service_definition": "a service's attributes: the questions its flow asks anyone",
    "open311.requests_list": "Open311's public requests: no personal data, private answers left out, points rounded",
    "open311.one_request": "one public request by folio, shaped as the list's",
    "open311.token": "a token is the folio of a public request",
    "open311.create_request": "filing a request needs an api_key an admin issued (403 without)",
    "open311.unknown": "the spec's 404 for any other path under /open311/v2/",
}
DASHBOARD_PUBLIC = {"dashboard.login"}


def dashboard_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/dashboard")]


def url_for_rule(rule) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<{argument}>", "2611-AAAAAA").replace(f"<int:{argument}>", "1")
        path = path.replace(f"<path:{argument}>", "x").replace(f"<string:{argument}>", "x")
    return path


def test_every_dashboard_route_sends_a_stranger_to_sign_in(app, client):
    rules = [r for r in dashboard_rules(app) if r.endpoint not in DASHBOARD_PUBLIC and r.endpoint != "dashboard.static"]
    assert len(rules) >= 2
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url_for_rule(rule), method=method)
            assert response.status_code in (302, 401), f"{method} {rule.rule}: {response.status_code}"
            if response.status_code == 302:
                assert response.location.startswith("/dashboard/login"), f"{method} {rule.rule} -> {response.location}"


def test_every_route_outside_the_dashboard_is_public_on_purpose(app):
    unexpected = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if not r.rule.startswith("/dashboard") and r.endpoint not in PUBLIC and not r.endpoint.startswith("webchat.")
    }  # the web chat: session tokens
    assert not unexpected, f"routes that are public without a reason here: {unexpected}"


@pytest.mark.parametrize("endpoint", sorted(DASHBOARD_PUBLIC))
def test_the_login_page_is_the_only_open_dashboard_page(app, client, endpoint):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    assert client.get(url_for_rule(rule)).status_code == 200
