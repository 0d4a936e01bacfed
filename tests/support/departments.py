"""Departments that receive tickets another way: Open311 and email flows.yaml variants."""

from __future__ import annotations

import json
import shutil
import time
import urllib.parse

import pytest
import responses
from rq import SimpleWorker

from bot import create_app
from bot.db.database import create_tables
from bot.delivery.webhook import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign
from bot.messaging.signing import SIGNATURE_V1_HEADER, TIMESTAMP_HEADER, request_problem, sign_request
from bot.services import services
from tests.support.app import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    DEPARTMENT_KEYS,
    PUBLIC_URL,
    ROOT,
    database_url,
)


@pytest.fixture
def app_with_departments(tmp_path, redis_url, request):
    """An app whose Obras Públicas delivers the way the test asks (a replacement delivery block)."""
    delivery = request.param
    for name in ("flows.yaml", "parks.csv"):
        shutil.copy(ROOT / name, tmp_path / name)
    flows = tmp_path / "flows.yaml"
    text = flows.read_text()
    old = text[text.index("  obras_publicas:\n") : text.index("  servicios_publicos:\n")]
    flows.write_text(
        text.replace(
            old,
            "  obras_publicas:\n    name: Obras Públicas\n    delivery:\n" + delivery,
        )
    )
    app = create_app(
        {
            "database_url": database_url(tmp_path),
            "redis_url": redis_url,
            "flows_path": str(flows),
            "public_url": PUBLIC_URL,
            "twilio_auth_token": AUTH_TOKEN,
            "twilio_account_sid": ACCOUNT_SID,
            "media_dir": str(tmp_path / "media"),
        }
    )
    create_tables(app.extensions["ventanilla"].engine)
    return app


OBRAS_URL = "http://127.0.0.1:5000/demo/inbox/obras_publicas"


SERVICIOS_URL = "http://127.0.0.1:5000/demo/inbox/servicios_publicos"


SECRET = DEPARTMENT_KEYS["OBRAS_PUBLICAS_WEBHOOK_SECRET"]  # signs the tickets we send Obras Públicas
STATUS_SECRET = DEPARTMENT_KEYS["OBRAS_PUBLICAS_STATUS_SECRET"]  # signs Obras Públicas' updates to us
TICKET_KEYS = {
    OBRAS_URL: SECRET,
    SERVICIOS_URL: DEPARTMENT_KEYS["SERVICIOS_PUBLICOS_WEBHOOK_SECRET"],
}


def department_endpoint(no_network, url: str) -> list:
    """Mock a department's webhook that checks both signatures; return the list of bodies it got."""
    received = []
    key = TICKET_KEYS.get(url, SECRET)

    def accept(request):
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        path = urllib.parse.urlsplit(request.url).path
        headers = request.headers
        v1 = request_problem(
            key, headers[TIMESTAMP_HEADER], headers[SIGNATURE_V1_HEADER], "POST", path, body, time.time()
        )
        if v1 is not None or headers[SIGNATURE_HEADER] != sign(key, body):  # v1, and the old one for a transition
            return (401, {}, "bad signature")
        received.append((request.headers[IDEMPOTENCY_HEADER], json.loads(body)))
        return (201, {}, '{"ok": true}')

    no_network.add_callback(responses.POST, url, callback=accept)
    return received


def work(app) -> None:
    with app.app_context():
        svc = services()
        SimpleWorker([svc.queue], connection=svc.redis).work(burst=True)


def session_of(app):
    from sqlmodel import Session

    return Session(app.extensions["ventanilla"].engine)


def post_status(client, folio: str, body: dict, secret: str = STATUS_SECRET, **signing):
    """A department's signed status update for a ticket, as its system sends it to /api/v1/tickets/<folio>/status."""
    raw = json.dumps({"folio": folio, **body}).encode()
    return client.post(
        f"/api/v1/tickets/{folio}/status", data=raw, headers=status_headers(folio, raw, secret, **signing)
    )


def status_headers(folio: str, raw: bytes, key: str = STATUS_SECRET, timestamp: float | None = None, path=None) -> dict:
    """The headers a department sends with a status update (README's recipe), for this folio's URL."""
    stamp = str(int(time.time() if timestamp is None else timestamp))
    path = path or f"/api/v1/tickets/{folio}/status"
    return {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_V1_HEADER: sign_request(key, stamp, "POST", path, raw),
        "Content-Type": "application/json",
    }
