"""RQ jobs: top-level functions that take ids and are safe to run twice."""

from __future__ import annotations

import logging
from datetime import datetime, timezone


from .db import transaction
from .delivery import DELIVERY, DeliveryError
from .models import Outbox, Ticket, TicketEvent, utcnow
from .services import services

__all__ = ["deliver_ticket", "ticket_payload"]

log = logging.getLogger(__name__)


def deliver_ticket(outbox_id: int) -> str:
    """Deliver a ticket to its department and mark it delivered; a no-op once done."""
    svc = services()
    with transaction(svc.engine) as session:
        outbox = session.get(Outbox, outbox_id)
        if outbox is None or outbox.status == "done":
            return "already done"
        ticket = session.get(Ticket, outbox.ticket_id)
    department = svc.flows.departments[ticket.department]
    try:
        receipt = DELIVERY[department.delivery["kind"]](department.delivery, ticket_payload(ticket, department.name), ticket.folio)
    except DeliveryError as exc:
        _record_failure(svc.engine, outbox_id, str(exc))
        raise
    _record_delivery(svc.engine, outbox_id, ticket.id, department.id, receipt)
    return f"delivered {ticket.folio}"


def ticket_payload(ticket: Ticket, department_name: str) -> dict:
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
        "media": ticket.media,
        "answers": ticket.answers,
        "created_at": _as_utc(ticket.created_at).isoformat(),
    }


def _as_utc(moment: datetime) -> datetime:
    """Return the moment as aware UTC (SQLite hands stored datetimes back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _record_delivery(engine, outbox_id: int, ticket_id: int, department_id: str, receipt: dict) -> None:
    with transaction(engine, immediate=True) as session:
        outbox = session.get(Outbox, outbox_id)
        outbox.status, outbox.done_at, outbox.attempts = "done", utcnow(), outbox.attempts + 1
        ticket = session.get(Ticket, ticket_id)
        ticket.status, ticket.updated_at = "delivered", utcnow()
        session.add(TicketEvent(ticket_id=ticket_id, kind="delivered", detail={"department": department_id, **receipt}))


def _record_failure(engine, outbox_id: int, error: str) -> None:
    log.warning("delivery of outbox %s failed: %s", outbox_id, error)
    with transaction(engine, immediate=True) as session:
        outbox = session.get(Outbox, outbox_id)
        outbox.attempts, outbox.last_error = outbox.attempts + 1, error[:500]
