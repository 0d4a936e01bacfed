"""The departments' API: they tell us what became of a ticket (signed with their delivery secret)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from bot.channels.errors import PayloadError
from bot.channels.payloads import load_json
from bot.delivery.webhook import SIGNATURE_HEADER
from bot.jobs.outbox import unit_of_work
from bot.messaging.signing import is_signed
from bot.services import services
from bot.tickets.folio import ticket_by_folio
from bot.tickets.lifecycle import STATUSES, TransitionError, change_status

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_REASON = 1000


@bp.post("/tickets/<folio>/status")
def update_status(folio: str):
    """Move a ticket to a new status: {"status": "resolved", "reason": "...", "actor": "cuadrilla 3"}."""
    svc = services()
    body = request.get_data()
    with unit_of_work(svc) as session:
        ticket = ticket_by_folio(session, folio)
        department = svc.flows.departments.get(ticket.department) if ticket else None
        secret = (department.delivery.get("secret") if department else "") or ""
        # Unknown folios and bad signatures answer alike, so folios cannot be probed.
        if ticket is None or not secret or not is_signed(secret, body, request.headers.get(SIGNATURE_HEADER, "")):
            abort(403, "invalid signature or unknown folio")
        update = _parse(body)
        try:
            event = change_status(
                session,
                svc.flows,
                ticket,
                update["status"],
                actor=f"{ticket.department}:{update['actor']}",
                reason=update["reason"],
            )
        except TransitionError as exc:
            abort(409, str(exc))
        return jsonify({"folio": ticket.folio, "status": ticket.status, "changed": event is not None})


def _parse(body: bytes) -> dict:
    try:
        data = load_json(body)
    except PayloadError:
        abort(400, "the body must be JSON")
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        abort(400, f"'status' is required, one of {', '.join(STATUSES)}")
    reason, actor = data.get("reason", ""), data.get("actor", "api")
    if not isinstance(reason, str) or not isinstance(actor, str) or len(reason) > MAX_REASON or len(actor) > 100:
        abort(400, "'reason' and 'actor' must be short strings")
    return {"status": data["status"], "reason": reason, "actor": actor}
