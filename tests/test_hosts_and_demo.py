"""Issue 12: requests naming a host not in TRUSTED_HOSTS get 400, page URLs come from PUBLIC_URL and not
the Host header, and the demo department inbox exists in demo mode only."""

from __future__ import annotations

import json

import pytest

from bot import create_app
from bot.db.database import create_tables
from tests.support.app import DEPARTMENT_KEYS, app_settings
from tests.support.departments import status_headers


def make_app(tmp_path, redis_url, **overrides):
    app = create_app(app_settings(tmp_path, redis_url, **overrides))
    create_tables(app.extensions["ventanilla"].engine)
    return app


@pytest.mark.parametrize(
    "host, status",
    [
        ("ventanilla.example.mx", 200),
        ("ventanilla.example.mx:443", 200),
        ("atencion.sanpedro.gob.mx", 200),  # a leading dot allows subdomains
        ("evil.example", 400),
        ("ventanilla.example.mx.evil.example", 400),
        ("127.0.0.1", 400),
    ],
)
def test_only_trusted_hosts_are_answered(tmp_path, redis_url, host, status):
    app = make_app(tmp_path, redis_url, trusted_hosts="ventanilla.example.mx, .sanpedro.gob.mx")
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": host}).status_code == status
    assert client.get("/", headers={"Host": host}).status_code == status
    if status == 400:
        assert client.post("/webhooks/twilio", data={"Body": "hola"}, headers={"Host": host}).status_code == 400


def test_without_trusted_hosts_any_host_is_answered(tmp_path, redis_url):
    client = make_app(tmp_path, redis_url).test_client()
    assert client.get("/healthz", headers={"Host": "whatever.example"}).status_code == 200


def test_page_urls_come_from_public_url_not_the_host_header(tmp_path, redis_url):
    client = make_app(tmp_path, redis_url, public_url="https://ventanilla.example.mx").test_client()
    page = client.get("/", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "https://ventanilla.example.mx/webhooks/twilio" in page
    assert "https://ventanilla.example.mx/webchat/" in page
    assert "evil.example" not in page


def demo_post(client, department: str = "obras_publicas", key: str | None = None):
    body = json.dumps({"folio": "2611-ABC123", "summary": "Bache"}).encode()
    path = f"/demo/inbox/{department}"
    signing = status_headers("", body, key or DEPARTMENT_KEYS["OBRAS_PUBLICAS_WEBHOOK_SECRET"], path=path)
    return client.post(path, data=body, headers=signing)


def test_the_demo_inbox_is_not_there_outside_demo_mode(tmp_path, redis_url):
    client = make_app(tmp_path, redis_url).test_client()
    assert demo_post(client).status_code == 404  # even signed with the department's own key
    assert "Demo department inbox" not in client.get("/").get_data(as_text=True)


def test_the_demo_inbox_checks_v1_signatures_in_demo_mode(tmp_path, redis_url):
    client = make_app(tmp_path, redis_url, demo_mode=True).test_client()
    assert "Demo department inbox" in client.get("/").get_data(as_text=True)
    assert demo_post(client).json == {"received": "2611-ABC123"}
    forged = demo_post(client, key="dev-secret-change-me")
    assert forged.status_code == 403
    unsigned = client.post("/demo/inbox/obras_publicas", json={"folio": "2611-ABC123"})
    assert unsigned.status_code == 403
