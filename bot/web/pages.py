"""The small public pages: the index, a health check, and the demo department inbox."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, abort, jsonify, render_template_string, request, send_file, url_for

from bot.channels.errors import PayloadError
from bot.channels.payloads import load_json
from bot.messaging.media import media_link, media_path, shown_inline, verify_media_link
from bot.messaging.signing import SIGNATURE_V1_HEADER, TIMESTAMP_HEADER, request_problem
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
  <li>Health check: <a href="{{ health }}">{{ health }}</a></li>
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
        demo=_public_url("web.demo_inbox", department="<department>") if svc.config.demo_mode else "",
        flows=list(svc.flows.flows),
        version=svc.flows.version,
    )


def _public_url(endpoint: str, **values) -> str:
    """An absolute URL of ours: under PUBLIC_URL when it is set, never from the request's Host header."""
    public_url = services().config.public_url
    return public_url + url_for(endpoint, **values) if public_url else url_for(endpoint, _external=True, **values)


@bp.get("/healthz")
def health():
    """Answer whether the database and Redis respond."""
    svc = services()
    checks = {"database": _check(lambda: svc.engine.connect().close()), "redis": _check(svc.redis.ping)}
    status = 200 if all(v == "ok" for v in checks.values()) else 503
    return jsonify(checks), status


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:  # a health check reports, it does not raise
        return f"error: {type(exc).__name__}"


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
