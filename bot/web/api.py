"""The departments' API: they tell us what became of a ticket, signed with their `status_secret`.

A request carries X-Ventanilla-Timestamp (unix seconds) and X-Ventanilla-Signature-V1: v1=<hex
HMAC-SHA256 of f"{timestamp}.POST.{path}.{body}">, keyed with the department's status_secret (never
the `secret` that signs the tickets we send it). More than five minutes off our clock is refused; a
request already applied is refused if it comes again; the body names the folio of the URL.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time

from flask import Blueprint, abort, jsonify, request
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException

from bot.channels.errors import PayloadError
from bot.channels.payloads import load_json
from bot.delivery.keys import weakness
from bot.delivery.webhook import SIGNATURE_HEADER
from bot.jobs.outbox import unit_of_work
from bot.messaging.signing import MAX_SKEW_SECONDS, SIGNATURE_V1_HEADER, TIMESTAMP_HEADER, request_problem
from bot.services import services
from bot.tickets.folio import ticket_by_folio
from bot.tickets.lifecycle import STATUSES, TransitionError, change_status

__all__ = ["bp"]

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_REASON = 1000
SEEN_KEY = "ventanilla:api:seen:"  # + the hash of a signature applied once
SEEN_SECONDS = 2 * MAX_SKEW_SECONDS + 60  # longer than any timestamp stays acceptable

UNSIGNED = (
    f"sign the request: {TIMESTAMP_HEADER}: <unix seconds> and {SIGNATURE_V1_HEADER}: v1=<hex HMAC-SHA256 of"
    " '{timestamp}.POST.{path}.{body}' keyed with the department's status_secret> (README, 'A ticket's life')"
)
SKEW = f"{TIMESTAMP_HEADER} is more than {MAX_SKEW_SECONDS // 60} minutes from our clock (now {{now}}); sign it afresh"
FORGED = "invalid signature or unknown folio"


@bp.errorhandler(HTTPException)
def _as_json(exc: HTTPException):
    """Departments' programs read errors as JSON: {"error": "..."} with the status code."""
    return jsonify({"error": exc.description}), exc.code or 500


@bp.post("/tickets/<folio>/status")
def update_status(folio: str):
    """Move a ticket to a new status: {"folio": "...", "status": "resolved", "reason": "...", "actor": "cuadrilla 3"}."""
    svc = services()
    body, timestamp, signature, now = request.get_data(), request.headers.get(TIMESTAMP_HEADER, ""), _v1(), time.time()
    seen = None
    try:
        with unit_of_work(svc) as session:
            ticket = ticket_by_folio(session, folio)
            department = svc.flows.departments.get(ticket.department) if ticket else None
            key = (department.delivery.get("status_secret") if department else "") or ""
            path = request.script_root + request.path
            problem = request_problem(key, timestamp, signature, request.method, path, body, now)
            if problem == "unsigned":
                abort(403, UNSIGNED)
            if problem == "skew":
                abort(403, SKEW.format(now=int(now)))
            # Unknown folios, departments without a fit status_secret and bad signatures answer alike,
            # so folios cannot be probed.
            if ticket is None or weakness(key) or problem is not None:
                abort(403, FORGED)
            seen = _first_use(svc.redis, signature)
            update = _parse(body, ticket.folio)
            try:
                event = change_status(
                    session,
                    svc.flows,
                    ticket,
                    update["status"],
                    actor=f"{ticket.department}:{update['actor']}",
                    reason=update["reason"],
                    ask_back_after=svc.config.followup_delay(),
                )
            except TransitionError as exc:
                abort(409, str(exc))
            answer = {"folio": ticket.folio, "status": ticket.status, "changed": event is not None}
    except BaseException:
        _forget(svc.redis, seen)
        raise
    return jsonify(answer)


def _v1() -> str:
    """The v1 signature, from X-Ventanilla-Signature-V1 (or X-Ventanilla-Signature holding v1=…)."""
    v1 = request.headers.get(SIGNATURE_V1_HEADER, "")
    if not v1 and request.headers.get(SIGNATURE_HEADER, "").strip().startswith("v1="):
        v1 = request.headers[SIGNATURE_HEADER]
    return v1


def _first_use(redis, signature: str) -> str | None:
    """Remember a checked signature; a second use while its timestamp is acceptable is a replay (409).
    Returns the key to forget should the request not be applied.

    Redis down: logged and let through, since the timestamp still bounds a replay to five minutes.
    """
    key = SEEN_KEY + hashlib.sha256(signature.strip().lower().encode()).hexdigest()
    try:
        first = redis.set(key, "1", nx=True, ex=SEEN_SECONDS)
    except RedisError as exc:
        log.warning("status API: Redis is not answering (%s); a replay is only bounded by the timestamp", exc)
        return None
    if not first:
        abort(409, "this signed request was already applied; sign every new request afresh")
    return key


def _forget(redis, key: str | None) -> None:
    """A request that was not applied after all may come again and be answered the same."""
    if key is not None:
        with contextlib.suppress(RedisError):
            redis.delete(key)


def _parse(body: bytes, folio: str) -> dict:
    try:
        data = load_json(body)
    except PayloadError:
        abort(400, "the body must be JSON")
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        abort(400, f"'status' is required, one of {', '.join(STATUSES)}")
    if not isinstance(data.get("folio"), str) or data["folio"].strip().upper() != folio.upper():
        abort(400, f"'folio' is required and must be the URL's ({folio})")
    reason, actor = data.get("reason", ""), data.get("actor", "api")
    if not isinstance(reason, str) or not isinstance(actor, str) or len(reason) > MAX_REASON or len(actor) > 100:
        abort(400, "'reason' and 'actor' must be short strings")
    return {"status": data["status"], "reason": reason, "actor": actor}
