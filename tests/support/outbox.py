"""Outbox work driven to its end in tests: hostile text, every try run, and what a settled outbox must look like."""

from __future__ import annotations

from datetime import timedelta

from rq import SimpleWorker
from sqlmodel import Session, select

from bot.db.database import transaction
from bot.db.tables import Contact, ContactAddress, Message, Outbox, Ticket, TicketEvent, utcnow
from bot.jobs.attempts import ERROR_LENGTH, MAX_ATTEMPTS
from bot.jobs.outbox import relay, unit_of_work
from bot.tickets.folio import new_folio

# Every kind of line break and control character a resident (or a broken phone) can type, an address on two lines
# trying to add a mail header, and about 100 KB of text.
CONTROLS = "\x01\x07\x08\t\x0b\x0c\x1b[2J\x7f\x85\u2028\u2029"
HOSTILE = ("Morelos 12\r\nBcc: intruso@example.com\n" + CONTROLS + " fin " + "ñandú 🕳️ " * 12_000)[:100_000]
PHONE = "+5218112345678"


def hostile_ticket(app, text: str = HOSTILE, media: list | None = None) -> str:
    """A ticket for Obras Públicas whose every free field (summary, address, answers, category, the resident's name)
    is text; stored with its deliver_ticket row, as a conversation stores it. Returns the folio."""
    svc = app.extensions["ventanilla"]
    folio = new_folio(utcnow())
    with unit_of_work(svc) as session:
        contact = resident_on_whatsapp(session, name=text)
        ticket = Ticket(
            folio=folio,
            contact_id=contact.id,
            channel="whatsapp",
            flow="pothole",
            department="obras_publicas",
            category=text,
            summary=text,
            address=text,
            latitude=25.6581,
            longitude=-100.4025,
            answers={"description": text, text[:300]: text, "details": {"name": text, "list": [text, 3]}},
            media=media or [],
        )
        session.add(ticket)
        session.flush()
        session.add(TicketEvent(ticket_id=ticket.id, kind="received", actor="resident", detail={}))
        session.add(Outbox(kind="deliver_ticket", ticket_id=ticket.id))
    return folio


def resident_on_whatsapp(session, name: str = "") -> Contact:
    """A contact who wrote over Twilio's WhatsApp just now (so free text reaches them)."""
    contact = Contact(name=name)
    session.add(contact)
    session.flush()
    session.add(ContactAddress(contact_id=contact.id, kind="phone", address=PHONE))
    session.add(
        Message(
            contact_id=contact.id, direction="in", channel="whatsapp", provider="twilio", text="hola", status="received"
        )
    )
    return contact


def work(app) -> None:
    """Run an RQ worker over everything queued."""
    with app.app_context():
        svc = app.extensions["ventanilla"]
        SimpleWorker([svc.queue], connection=svc.redis).work(burst=True)


def settle(app) -> int:
    """Run every try each pending row has left, as if each backoff had passed; return how many rounds it took."""
    svc = app.extensions["ventanilla"]
    for round_ in range(1, MAX_ATTEMPTS + 3):
        work(app)
        with transaction(svc.engine, immediate=True) as session:
            pending = session.exec(select(Outbox).where(Outbox.status == "pending")).all()
            for row in pending:
                row.available_at = None
                session.add(row)
        if not pending:
            return round_
        relay(svc.engine, svc.queue, timedelta(0))
    raise AssertionError(f"outbox rows still pending after {MAX_ATTEMPTS + 2} rounds: stuck")


def outbox_rows(app) -> list[Outbox]:
    with Session(app.extensions["ventanilla"].engine) as session:
        return list(session.exec(select(Outbox).order_by(Outbox.id)).all())


def ticket_and_events(app, folio: str) -> tuple[Ticket, list[TicketEvent]]:
    with Session(app.extensions["ventanilla"].engine) as session:
        ticket = session.exec(select(Ticket).where(Ticket.folio == folio)).one()
        events = list(session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all())
        return ticket, events


def assert_settled(app, folio: str) -> str:
    """Nothing stuck, nothing half-written: every row done or failed with a one-line message, and the ticket says
    the same as its delivery row (delivered or waiting for operators, or delivery_failed with the error).
    Returns the delivery row's status."""
    rows = outbox_rows(app)
    assert rows and all(row.status in ("done", "failed") for row in rows), [(r.kind, r.status) for r in rows]
    for row in rows:
        assert "\n" not in row.last_error and "\r" not in row.last_error and len(row.last_error) <= ERROR_LENGTH
        assert (row.status == "failed") == bool(row.last_error)
    (delivery,) = [row for row in rows if row.kind == "deliver_ticket"]
    ticket, events = ticket_and_events(app, folio)
    changes = [e.detail for e in events if e.kind == "status_changed"]
    if delivery.status == "done":
        waiting = [e for e in events if e.kind == "waiting_for_operators"]
        assert (ticket.status, len(changes)) == ("delivered", 1) or (ticket.status, len(waiting)) == ("received", 1)
    else:
        assert ticket.status == "delivery_failed" and delivery.attempts >= MAX_ATTEMPTS
        assert changes[-1]["to"] == "delivery_failed" and changes[-1]["error"] == delivery.last_error
    return delivery.status


def relay_pending_now(app) -> None:
    """Every pending outbox row's next try is now, and the relay puts it on the queue (as after its backoff)."""
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine, immediate=True) as db:
        for row in db.exec(select(Outbox).where(Outbox.status == "pending")).all():
            row.available_at = None
            db.add(row)
    relay(svc.engine, svc.queue, timedelta(0))
