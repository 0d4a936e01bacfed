"""Delivering tickets: a top-level RQ job that takes an outbox id and is safe to run twice.

Retry timing lives in the database (Outbox.available_at), so a relay finds every
delivery that is due even if Redis lost its schedule; after the last try the
ticket is marked "delivery_failed" for operators to see and retry. Any exception
in a try — the department refusing, a bug, text a delivery kind cannot carry —
is recorded as a failed attempt with its message, never left to RQ alone.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlmodel import Session, select

from bot.config import Config
from bot.db.database import transaction
from bot.db.tables import Contact, ContactAddress, Outbox, Ticket, TicketEvent, as_utc
from bot.delivery import DELIVERY, WAITS_FOR_OPERATORS, Delivery, DeliveryError
from bot.flows.model import DEFAULT_SHARES
from bot.jobs.attempts import (
    ERROR_LENGTH,
    MAX_ATTEMPTS,
    UNFINISHED,
    Attempt,
    describe_error,
    fail_attempt,
    finish_attempt,
    start_attempt,
)
from bot.jobs.outbox import unit_of_work
from bot.jobs.registry import job
from bot.messaging.media import delivery_media_link
from bot.metrics import delivery_attempted, delivery_failed
from bot.privacy.logs import error_head
from bot.services import services
from bot.tickets.lifecycle import change_status

__all__ = ["deliver_ticket", "ticket_payload", "contact_details", "CONTACT_FIELDS", "MAX_DELIVERY_ATTEMPTS"]

log = logging.getLogger(__name__)
MAX_DELIVERY_ATTEMPTS = MAX_ATTEMPTS
CONTACT_FIELDS = {"contact_phone": "phone", "contact_name": "name"}  # shared field -> key under the payload's "contact"


@job("deliver_ticket")
def deliver_ticket(outbox_id: int) -> str:
    """Deliver a ticket to its department once; a no-op when done, or not due yet."""
    svc = services()
    attempt = start_attempt(svc.engine, outbox_id)
    if attempt is None:
        return "nothing to do"
    if attempt.overdue:
        return _record_failure(svc, attempt, UNFINISHED)
    labels = ("unknown", "unknown")  # the department and kind, for the metrics, once known
    try:
        delivery, kind, department_id = _prepare(svc, attempt.ticket_id, outbox_id, attempt.payload)
        labels = (department_id, kind)
        delivery_attempted(*labels)
        receipt = DELIVERY[kind](delivery)
        _record_delivery(svc, outbox_id, attempt.ticket_id, department_id, kind, receipt)
    except Exception as exc:  # any failure is a recorded attempt: a bug must not leave the ticket "received"
        if not isinstance(exc, DeliveryError):
            log.exception("delivery of outbox %s raised", outbox_id)
        if labels[0] == "unknown":
            delivery_attempted(*labels)
        delivery_failed(*labels)
        return _record_failure(svc, attempt, describe_error(exc, expected=(DeliveryError,)))
    return f"delivered {delivery.folio}"


def _prepare(svc, ticket_id: int, outbox_id: int, progress: dict) -> tuple[Delivery, str, str]:
    flows = svc.flows
    with transaction(svc.engine) as session:
        ticket = session.get(Ticket, ticket_id)
        department = flows.departments[ticket.department]
        shares = department.shared_fields()
        contact = contact_details(session, ticket.contact_id) if set(shares) & set(CONTACT_FIELDS) else None
    flow = flows.flows.get(ticket.flow)
    options = {"service_code": flow.outcome.service_code} if flow and flow.outcome.service_code else {}
    delivery = Delivery(
        target=department.delivery,
        ticket=ticket_payload(ticket, department.name, svc.config, shares=shares, contact=contact),
        folio=ticket.folio,
        options=options,
        progress=progress,
        note=lambda step: _note(svc.engine, outbox_id, step),
        media_files=_media_files(svc.config, ticket) if "media" in shares else [],
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


def ticket_payload(
    ticket: Ticket,
    department_name: str,
    config: Config | None = None,
    *,
    shares: tuple[str, ...] = DEFAULT_SHARES,
    contact: dict | None = None,
) -> dict:
    """Return the JSON a department receives for a ticket: the folio, and the fields its flows.yaml `shares` lists.

    Media are linked when config has PUBLIC_URL. `contact` ({"phone", "name"}: contact_details) goes out
    only as far as shares lists contact_phone and contact_name, as "contact": {"phone": …, "name": …}.
    """
    fields = _shareable(ticket, department_name, config)
    payload = {"folio": ticket.folio, **{name: value for name, value in fields.items() if name in shares}}
    about = {key: (contact or {}).get(key) for field, key in CONTACT_FIELDS.items() if field in shares}
    return {**payload, "contact": about} if about else payload


def _shareable(ticket: Ticket, department_name: str, config: Config | None) -> dict:
    location = {"address": ticket.address, "latitude": ticket.latitude, "longitude": ticket.longitude}
    return {
        "department": {"id": ticket.department, "name": department_name},
        "category": ticket.category,
        "flow": ticket.flow,
        "priority": ticket.priority,
        "status": ticket.status,
        "summary": ticket.summary,
        "language": ticket.lang,
        "channel": ticket.channel,
        "location": {k: v for k, v in location.items() if v is not None},
        "media": [_public_media(m, config) for m in ticket.media],
        "answers": ticket.answers,
        "created_at": as_utc(ticket.created_at).isoformat(),
    }


def contact_details(session: Session, contact_id: int) -> dict:
    """The resident's phone number (E.164, the latest kept; None in the web chat) and name (None when unknown)."""
    contact = session.get(Contact, contact_id)
    phone = session.exec(
        select(ContactAddress.address)
        .where(ContactAddress.contact_id == contact_id, ContactAddress.kind == "phone")
        .order_by(ContactAddress.id.desc())
    ).first()
    return {"phone": phone, "name": (contact.name if contact else "") or None}


def _public_media(item: dict, config: Config | None) -> dict:
    link = delivery_media_link(config, item["stored"]) if item.get("stored") and config else None
    return {**item, "public_url": link} if link else item  # a signed link, MEDIA_DELIVERY_LINK_DAYS long


def _record_delivery(svc, outbox_id: int, ticket_id: int, department_id: str, kind: str, receipt: dict) -> None:
    with unit_of_work(svc) as session:
        finish_attempt(session, outbox_id)
        ticket = session.get(Ticket, ticket_id)
        ticket.external_id = receipt.get("external_id") or ticket.external_id
        session.add(ticket)
        detail = {"department": department_id, "via": kind, **receipt}
        if kind in WAITS_FOR_OPERATORS:
            session.add(TicketEvent(ticket_id=ticket_id, kind="waiting_for_operators", detail=detail))
        elif ticket.status in ("received", "delivery_failed"):
            change_status(session, svc.flows, ticket, "delivered", actor="system", detail=detail)


def _record_failure(svc, attempt: Attempt, error: str) -> str:
    log.warning(  # the error's head: a department's answer may quote the ticket (the whole error is on the outbox)
        "delivery of outbox %s failed (attempt %s%s): %s",
        attempt.outbox_id,
        attempt.number,
        ", giving up" if attempt.is_last else "",
        error_head(error),
    )
    with transaction(svc.engine, immediate=True) as session:
        gave_up = fail_attempt(session, attempt, error)
        ticket = session.get(Ticket, attempt.ticket_id) if gave_up and attempt.ticket_id is not None else None
        if ticket is not None:
            detail = {"error": error[:ERROR_LENGTH], "attempts": attempt.number}
            if ticket.status == "received":
                change_status(session, svc.flows, ticket, "delivery_failed", actor="system", detail=detail)
            else:  # an operator already moved it on (closed, merged, in progress): keep their status, record the failure
                session.add(TicketEvent(ticket_id=ticket.id, kind="delivery_failed", actor="system", detail=detail))
    return f"attempt {attempt.number} failed" + (", delivery failed" if attempt.is_last else "")
