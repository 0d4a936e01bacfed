"""The small public pages: the index, a health check, and the demo department inbox."""

from __future__ import annotations

import hmac
import logging
import time

from flask import Blueprint, Response, abort, jsonify, render_template_string, request, send_file, url_for
from sqlalchemy import text

from bot.channels.errors import PayloadError
from bot.channels.payloads import load_json
from bot.jobs.outbox import last_relay_run
from bot.messaging.media import media_link, media_path, shown_inline, verify_media_link
from bot.messaging.signing import SIGNATURE_V1_HEADER, TIMESTAMP_HEADER, request_problem
from bot.metrics import CONTENT_TYPE, exposition
from bot.services import services

__all__ = ["bp"]

log = logging.getLogger(__name__)
bp = Blueprint("web", __name__)

INDEX = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Ventanilla</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<h1>Ventanilla</h1>
<p>Citizen requests over WhatsApp, SMS and web chat.</p>
<ul>
  <li>Web chat demo (the widget a city puts on its site): <a href="{{ webchat }}">{{ webchat }}</a></li>
  <li>Twilio webhook (SMS and WhatsApp, "A message comes in"): <code>POST {{ twilio }}</code></li>
  <li>Meta WhatsApp Cloud API webhook: <code>GET/POST {{ whatsapp }}</code></li>
  {% if open_data %}<li>Open data (public figures, CSV and GeoJSON): <a href="{{ open_data }}">{{ open_data }}</a></li>{% endif %}
  <li>Health check: <a href="{{ health }}">{{ health }}</a> (liveness), <a href="{{ ready }}">{{ ready }}</a> (readiness: database, Redis, the outbox relay)</li>
  {% if demo %}<li>Demo department inbox (receives tickets while no department URL is set): <code>POST {{ demo }}</code></li>{% endif %}
</ul>
<p>Flows loaded: {{ flows|join(", ") }} (version {{ version }}).</p>
</html>"""


@bp.get("/")
def index():
    """Link what this server offers."""
    svc = services()
    return render_template_string(
        INDEX,
        twilio=_public_url("twilio.webhook"),
        whatsapp=_public_url("web.index").rstrip("/") + "/webhooks/whatsapp",
        webchat=_public_url("web.index") + "webchat/",
        health=_public_url("web.health"),
        ready=_public_url("web.ready"),
        demo=_public_url("web.demo_inbox", department="<department>") if svc.config.demo_mode else "",
        open_data=_public_url("datos.page") if svc.config.open_data else "",
        flows=list(svc.flows.flows),
        version=svc.flows.version,
    )


def _public_url(endpoint: str, **values) -> str:
    """An absolute URL of ours: under PUBLIC_URL when it is set, never from the request's Host header."""
    public_url = services().config.public_url
    return public_url + url_for(endpoint, **values) if public_url else url_for(endpoint, _external=True, **values)


@bp.get("/healthz")
def health():
    """Liveness: the process answers. No database or Redis here, so their outage never restarts web processes."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def ready():
    """Readiness: 200 when the database answers, Redis answers PING and the outbox relay ran recently; else 503
    naming the checks that failed (an error's type or how stale the relay is, never its message)."""
    svc = services()
    checks = {"database": _check(lambda: _select_one(svc.engine)), "redis": _check(svc.redis.ping)}
    checks["relay"] = _relay_check(svc) if checks["redis"] == "ok" else "unknown: Redis does not answer"
    failed = [name for name, result in checks.items() if result != "ok"]
    return jsonify({**checks, "failed": failed}), 503 if failed else 200


def _select_one(engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _relay_check(svc) -> str:
    try:
        last = last_relay_run(svc.redis)
    except Exception as exc:  # a readiness check reports, it does not raise
        return f"error: {type(exc).__name__}"
    if last is None:
        return "stale: the relay has not run"
    age = time.time() - last
    if age > svc.config.relay_stale_seconds:
        return f"stale: the relay last ran {int(age)} s ago (RELAY_STALE_SECONDS={svc.config.relay_stale_seconds})"
    return "ok"


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:  # a readiness check reports, it does not raise
        return f"error: {type(exc).__name__}"


@bp.get("/metrics")
def metrics():
    """Prometheus' scrape, with `Authorization: Bearer <METRICS_TOKEN>`: 404 while METRICS_TOKEN is unset,
    401 without the token or with another (compared in constant time)."""
    svc = services()
    token = svc.config.metrics_token
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response("a bearer token is required\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'})
    response = Response(exposition(svc.engine, svc.queue), mimetype="text/plain")
    response.headers["Content-Type"] = CONTENT_TYPE
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/media/<name>")
def media(name: str):
    """A stored photo or voice note, through a signed link that expires (operators' pages, departments, Open311).

    403 without a valid, unexpired exp/sig; cached privately until the link ends; only images are
    shown inline, anything else is downloaded.
    """
    config = services().config
    expires = request.args.get("exp", "")
    if not verify_media_link(config, name, expires, request.args.get("sig", "")):
        abort(403)
    path = media_path(config, name)
    if path is None:
        abort(404)
    response = send_file(path, conditional=True, as_attachment=not shown_inline(name), download_name=name)
    response.headers["Cache-Control"] = f"private, max-age={max(0, int(expires) - int(time.time()))}"
    response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.app_template_global("media_url")
def media_url(name: str) -> str:
    """A link to a stored file for an operator's page, working for MEDIA_LINK_SECONDS."""
    config = services().config
    return media_link(config, name, config.media_link_seconds)


@bp.post("/demo/inbox/<department>")
def demo_inbox(department: str):
    """Stand in for a department's system in demo mode only: check the v1 signature as a department
    should (README), and log the ticket."""
    svc = services()
    if not svc.config.demo_mode or department not in svc.flows.departments:
        abort(404)
    secret = svc.flows.departments[department].delivery.get("secret", "")
    headers = request.headers
    timestamp, signature = headers.get(TIMESTAMP_HEADER, ""), headers.get(SIGNATURE_V1_HEADER, "")
    path = request.script_root + request.path
    if request_problem(secret, timestamp, signature, "POST", path, request.get_data(), time.time()) is not None:
        abort(403, "invalid signature")
    try:
        ticket = load_json(request.get_data())
    except PayloadError:
        abort(400, "the body must be JSON")
    ticket = ticket if isinstance(ticket, dict) else {}
    # The folio and category only: the summary carries the resident's words (often their address).
    log.info("demo inbox %s received ticket %s (%s)", department, ticket.get("folio"), ticket.get("category"))
    return jsonify({"received": ticket.get("folio")})
