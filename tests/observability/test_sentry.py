"""Sentry only with SENTRY_DSN, and what it is sent carries the request id but no resident's data.

Sentry's servers are the outside world: its client runs for real (Flask and RQ integrations, our
before_send) and a Transport of the test's own keeps the envelopes it would have sent.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
import sentry_sdk
from flask import request
from sentry_sdk.transport import Transport

from bot import create_app
from bot.observability.context import bound
from bot.observability.sentry import init_sentry, scrub
from tests.support.app import app_settings

DSN = "https://publickey@sentry.example.invalid/42"
PROXY_ID = "req-5b1d8e2a-0c4f-4a7e-8d3b-9f6e2c1a7b40"
NAME = "Xochiquetzal"
# What the request carries (constants, away from the lines Sentry sends as the failing frame's source context).
COOKIE = "cookie-of-a-resident-8155501234"
QUERY = "phone=8155501234&name=Xochiquetzal"
FORM = {"Body": f"Hola soy {NAME}, mi número es 81 5550 1234", "From": "whatsapp:+5218155501234"}
TOKEN = "Bearer metrics-token-of-the-city"
_NUMBER = re.compile(r"[ \-()+]{0,2}".join("8155501234"))


class Kept(Transport):
    """Keeps what Sentry would send."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes: list = []

    def capture_envelope(self, envelope) -> None:
        self.envelopes.append(envelope)

    def events(self) -> list[dict]:
        return [item.payload.json for env in self.envelopes for item in env.items if item.type == "event"]


@pytest.fixture
def sentry_off_after():
    """Whatever a test starts, the next test finds Sentry's client off again."""
    _sentry_off()
    yield
    _sentry_off()


def _sentry_off() -> None:
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)  # Sentry's client that records nothing, as at start


def test_without_a_dsn_nothing_is_initialised(tmp_path, redis_url, sentry_off_after):
    app = create_app(app_settings(tmp_path, redis_url))
    assert not sentry_sdk.get_client().is_active()
    assert init_sentry(app.extensions["ventanilla"].config) is False
    app.extensions["ventanilla"].engine.dispose()


def test_an_exception_in_a_request_is_one_event_with_its_request_id_and_no_personal_data(
    tmp_path, redis_url, sentry_off_after
):
    app = create_app(app_settings(tmp_path, redis_url, sentry_dsn=DSN, sentry_environment="staging"))
    client_options = sentry_sdk.get_client().options
    assert sentry_sdk.get_client().is_active() and client_options["send_default_pii"] is False
    assert client_options["environment"] == "staging" and client_options["traces_sample_rate"] == 0
    assert {"flask", "rq"} <= set(sentry_sdk.get_client().integrations)
    kept = Kept()
    init_sentry(app.extensions["ventanilla"].config, transport=kept)  # the same start, sending to the test

    def fails():
        logging.getLogger("bot.tests.sentry").warning("looking up whatsapp:+5218155501234")  # a breadcrumb
        raise LookupError(f"no contact for whatsapp:+5218155501234 with {len(request.form)} fields")

    app.add_url_rule("/test/fails", view_func=fails, methods=["POST"])
    client = app.test_client()
    client.set_cookie("session", COOKIE)
    response = client.post(
        f"/test/fails?{QUERY}", data=FORM, headers={"X-Request-ID": PROXY_ID, "Authorization": TOKEN}
    )
    assert response.status_code == 500 and response.headers["X-Request-ID"] == PROXY_ID
    sentry_sdk.flush()

    (event,) = kept.events()
    sent = json.dumps(event, ensure_ascii=False)
    assert event["tags"]["request_id"] == PROXY_ID
    assert event["exception"]["values"][-1]["type"] == "LookupError"
    assert event["exception"]["values"][-1]["value"] == "no contact for whatsapp:[phone] with 2 fields"
    assert "looking up whatsapp:[phone]" in [crumb.get("message") for crumb in event["breadcrumbs"]["values"]]
    req = event["request"]
    assert set(req) <= {"method", "url", "headers"} and req["url"].endswith("/test/fails")
    assert {name.lower() for name in req["headers"]}.isdisjoint({"cookie", "authorization"})
    assert not _NUMBER.search(sent), sent
    assert NAME not in sent and TOKEN not in sent and COOKIE not in sent and "phone=" not in sent
    assert all("vars" not in frame for value in event["exception"]["values"] for frame in value["stacktrace"]["frames"])
    app.extensions["ventanilla"].engine.dispose()


def test_a_jobs_event_is_tagged_with_its_job_and_its_request():
    """An event captured while a worker runs a job (RQ's integration, or an ERROR line) names both ids."""
    with bound(request_id=PROXY_ID, job_id="outbox-7"):
        event = scrub({"logentry": {"message": "sending to %s raised", "params": ["whatsapp:+5218155501234"]}})
    assert event["tags"] == {"request_id": PROXY_ID, "job_id": "outbox-7"}
    assert event["logentry"] == {
        "message": "sending to whatsapp:[phone] raised",
        "formatted": "sending to whatsapp:[phone] raised",
    }
