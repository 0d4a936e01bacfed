"""Delivering tickets: a top-level RQ job that takes an outbox id and is safe to run twice.

Retry timing lives in the database (Outbox.available_at), so a relay finds every
delivery that is due even if Redis lost its schedule; after the last try the
ticket is marked "delivery_failed" for operators to see and retry.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .db import transaction
from .delivery import DELIVERY, WAITS_FOR_OPERATORS, Delivery, DeliveryError
from .lifecycle import change_status
from .models import Outbox, Ticket, TicketEvent, utcnow
from .outbox import enqueue_after_commit
from .services import services

__all__ = ["deliver_ticket", "ticket_payload", "BACKOFF_SECONDS", "MAX_DELIVERY_ATTEMPTS"]

log = logging.getLogger(__name__)
BACKOFF_SECONDS = (10, 30, 120, 600, 1800, 3600, 3600 * 3)  # then give up
MAX_DELIVERY_ATTEMPTS = len(BACKOFF_SECONDS) + 1


def deliver_ticket(outbox_id: int) -> str:
    """Deliver a ticket to its department once; a no-op when done, or not due yet."""
    svc = services()
    started = _start_attempt(svc.engine, outbox_id)
    if started is None:
        return "nothing to do"
    attempt, progress, ticket_id = started
    delivery, kind, department_id = _prepare(svc, ticket_id, outbox_id, progress)
    try:
        receipt = DELIVERY[kind](delivery)
    except DeliveryError as exc:
        return _record_failure(svc, outbox_id, ticket_id, attempt, str(exc))
    _record_delivery(svc, outbox_id, ticket_id, department_id, kind, receipt)
    return f"delivered {delivery.folio}"


def _start_attempt(engine, outbox_id: int):
    """Count the attempt and set the next try before trying: a worker killed mid-way is retried then."""
    with transaction(engine, immediate=True) as session:
        outbox = session.get(Outbox, outbox_id)
        now = utcnow()
        if outbox is None or outbox.status != "pending" or _later(outbox.available_at, now):
            return None
        outbox.attempts += 1
        outbox.available_at = now + _backoff(outbox.attempts)
        session.add(outbox)
        return outbox.attempts, dict(outbox.payload), outbox.ticket_id


def _later(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and _aware(moment) > now + timedelta(seconds=1)


def _backoff(attempt: int) -> timedelta:
    base = BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)]
    return timedelta(seconds=base * random.uniform(1.0, 1.25))  # jitter: retries of many tickets spread out


def _prepare(svc, ticket_id: int, outbox_id: int, progress: dict) -> tuple[Delivery, str, str]:
    with transaction(svc.engine) as session:
        ticket = session.get(Ticket, ticket_id)
    flows = svc.flows
    department = flows.departments[ticket.department]
    flow = flows.flows.get(ticket.flow)
    options = {"service_code": flow.outcome.service_code} if flow and flow.outcome.service_code else {}
    delivery = Delivery(
        target=department.delivery, ticket=ticket_payload(ticket, department.name, svc.config.public_url),
        folio=ticket.folio, options=options, progress=progress,
        note=lambda step: _note(svc.engine, outbox_id, step), media_files=_media_files(svc.config, ticket),
    )
    return delivery, department.delivery["kind"], department.id


def _note(engine, outbox_id: int, step: dict) -> None:
    """Record, durably and before it happens, a step a retry must know about (an Open311 POST)."""
    with transaction(engine, immediate=True) as session:
        outbox = session.get(Outbox, outbox_id)
        outbox.payload = {**outbox.payload, **step}
        session.add(outbox)


def _media_files(config, ticket: Ticket) -> list[tuple[str, str, bytes]]:
    files = []
    for item in ticket.media:
        path = Path(config.media_dir) / item["stored"] if item.get("stored") else None
        if path and path.is_file():
            files.append((item["stored"], item.get("content_type", "application/octet-stream"), path.read_bytes()))
    return files


def ticket_payload(ticket: Ticket, department_name: str, public_url: str = "") -> dict:
    """Return the JSON a department receives for a ticket."""
    location = {"address": ticket.address, "latitude": ticket.latitude, "longitude": ticket.longitude}
    return {
        "folio": ticket.folio,
        "department": {"id": ticket.department, "name": department_name},
        "category": ticket.category,
        "flow": ticket.flow,
        "priority": ticket.priority,
        "status": ticket.status,
        "summary": ticket.summary,
        "language": ticket.lang,
        "channel": ticket.channel,
        "location": {k: v for k, v in location.items() if v is not None},
        "media": [_public_media(m, public_url) for m in ticket.media],
        "answers": ticket.answers,
        "created_at": _aware(ticket.created_at).isoformat(),
    }


def _public_media(item: dict, public_url: str) -> dict:
    if item.get("stored") and public_url:
        return {**item, "public_url": f"{public_url}/media/{item['stored']}"}
    return item


def _aware(moment: datetime) -> datetime:
    """Return the moment as aware UTC (SQLite hands stored datetimes back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _record_delivery(svc, outbox_id: int, ticket_id: int, department_id: str, kind: str, receipt: dict) -> None:
    with transaction(svc.engine, immediate=True) as session:
        enqueue_after_commit(session, svc.queue)
        outbox = session.get(Outbox, outbox_id)
        outbox.status, outbox.done_at, outbox.last_error = "done", utcnow(), ""
        ticket = session.get(Ticket, ticket_id)
        ticket.external_id = receipt.get("external_id") or ticket.external_id
        session.add_all([outbox, ticket])
        detail = {"department": department_id, "via": kind, **receipt}
        if kind in WAITS_FOR_OPERATORS:
            session.add(TicketEvent(ticket_id=ticket_id, kind="waiting_for_operators", detail=detail))
        elif ticket.status in ("received", "delivery_failed"):
            change_status(session, svc.flows, ticket, "delivered", actor="system", detail=detail)


def _record_failure(svc, outbox_id: int, ticket_id: int, attempt: int, error: str) -> str:
    final = attempt >= MAX_DELIVERY_ATTEMPTS
    log.warning("delivery of outbox %s failed (attempt %s%s): %s", outbox_id, attempt, ", giving up" if final else "", error)
    with transaction(svc.engine, immediate=True) as session:
        outbox = session.get(Outbox, outbox_id)
        outbox.last_error = error[:500]
        if final:
            outbox.status = "failed"
            ticket = session.get(Ticket, ticket_id)
            change_status(session, svc.flows, ticket, "delivery_failed", actor="system", detail={"error": error[:500], "attempts": attempt})
        session.add(outbox)
    return f"attempt {attempt} failed" + (", delivery failed" if final else f", next try after {outbox.available_at}")
