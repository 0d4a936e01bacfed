"""Retention as flows.yaml sets it (messages 365 days, silent contacts 180 days, audit events 5 years)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db.database import transaction
from bot.db.tables import (
    Contact,
    ContactAddress,
    Message,
    PrivacyEvent,
    PrivacyRequest,
    SurveyResponse,
    Ticket,
    TicketEvent,
)
from bot.messaging.media import store_media
from bot.privacy.retention import apply, report
from tests.support.app import all_rows

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
_phones = iter(range(10_000))


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def add_contact(svc, *, created_days: float = 900) -> int:
    with transaction(svc.engine, immediate=True) as session:
        contact = Contact(name="Lupita", created_at=ago(created_days))
        session.add(contact)
        session.flush()
        assert contact.id is not None
        session.add(ContactAddress(contact_id=contact.id, kind="phone", address=f"+52811{next(_phones):07d}"))
        return contact.id


def add_message(svc, contact_id: int, days: float, text: str = "hola", media: list | None = None) -> int:
    with transaction(svc.engine, immediate=True) as session:
        data = {"media": media} if media else {}
        row = Message(
            contact_id=contact_id, direction="in", channel="whatsapp", text=text, data=data, created_at=ago(days)
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def add_ticket(
    svc, contact_id: int, status: str, closed_days: float, media: list | None = None, duplicate_of: int | None = None
) -> int:
    with transaction(svc.engine, immediate=True) as session:
        ticket = Ticket(
            folio=f"T-{next(_phones)}",
            contact_id=contact_id,
            channel="whatsapp",
            flow="pothole",
            department="obras_publicas",
            category="bache",
            status=status,
            address="Morelos y 5 de Mayo",
            media=media or [],
            duplicate_of=duplicate_of,
            created_at=ago(closed_days + 10),
            updated_at=ago(closed_days),
        )
        session.add(ticket)
        session.flush()
        assert ticket.id is not None
        return ticket.id


def photo(svc, content: bytes) -> list[dict]:
    return [
        {
            "url": "https://api.twilio.com/x",
            "content_type": "image/jpeg",
            "stored": store_media(svc.config, content, "image/jpeg"),
        }
    ]


def texts(db, contact_id: int) -> list[str]:
    return [m.text for m in sorted(all_rows(db, Message), key=lambda m: m.id) if m.contact_id == contact_id]


def run(svc, **options) -> dict:
    return apply(svc.engine, svc.config, svc.flows, NOW, **options)


def test_messages_go_a_year_after_the_last_ticket_closed(app, db):
    svc = app.extensions["ventanilla"]
    closed_long_ago, closed_lately, still_open, no_tickets = (add_contact(svc) for _ in range(4))
    for contact_id in (closed_long_ago, closed_lately, still_open, no_tickets):
        add_message(svc, contact_id, 500, "la calle Morelos")
        add_message(svc, contact_id, 20, "gracias")
    add_ticket(svc, closed_long_ago, "resolved", 400)
    add_ticket(svc, closed_lately, "closed", 400)
    add_ticket(svc, closed_lately, "rejected", 100)
    add_ticket(svc, still_open, "in_progress", 400)

    counts = run(svc, batch=1)

    assert counts["messages"] == 2
    assert texts(db, closed_long_ago) == ["", "gracias"]  # only what is itself older than a year
    assert texts(db, no_tickets) == ["", "gracias"]
    assert texts(db, closed_lately) == ["la calle Morelos", "gracias"]
    assert texts(db, still_open) == ["la calle Morelos", "gracias"]
    assert len(all_rows(db, Message)) == 8  # rows stay: the counts by channel and day do not change


def test_a_linked_duplicate_counts_as_its_original(app, db):
    svc = app.extensions["ventanilla"]
    open_original, closed_original = add_contact(svc), add_contact(svc)
    first, second = add_contact(svc), add_contact(svc)
    original_open = add_ticket(svc, open_original, "in_progress", 400)
    original_closed = add_ticket(svc, closed_original, "resolved", 400)
    add_ticket(svc, first, "received", 400, duplicate_of=original_open)  # a linked report keeps "received"
    add_ticket(svc, second, "received", 400, duplicate_of=original_closed)
    for contact_id in (first, second):
        add_message(svc, contact_id, 500, "otra vez el bache")
    run(svc)
    assert texts(db, first) == ["otra vez el bache"] and texts(db, second) == [""]


def test_photos_are_deleted_with_their_messages_and_old_tickets(app, db):
    svc = app.extensions["ventanilla"]
    old, active = add_contact(svc), add_contact(svc)
    gone, shared = photo(svc, b"\xff\xd8 old pothole"), photo(svc, b"\xff\xd8 sent by both")
    add_message(svc, old, 500, "", media=gone + shared)
    add_message(svc, old, 100)  # not silent: only what is older than a year goes
    add_ticket(svc, old, "resolved", 400, media=gone)
    add_message(svc, active, 30, "", media=shared)  # the same picture, still kept for the other resident
    add_ticket(svc, active, "in_progress", 5)

    counts = run(svc)

    folder = Path(svc.config.media_dir)
    assert counts["messages"] == 1 and counts["ticket_photos"] == 1 and counts["media_files"] == 1
    assert not (folder / gone[0]["stored"]).exists() and (folder / shared[0]["stored"]).exists()
    ticket = next(t for t in all_rows(db, Ticket) if t.contact_id == old)
    assert ticket.media == [] and ticket.address == "Morelos y 5 de Mayo"  # the ticket's facts stay


def test_silent_contacts_are_erased(app, db):
    svc = app.extensions["ventanilla"]
    silent, spoke_lately, asked, ticket_lately = (add_contact(svc) for _ in range(4))
    new = add_contact(svc, created_days=10)
    for contact_id in (silent, spoke_lately, asked, ticket_lately):
        add_message(svc, contact_id, 300)
    add_message(svc, spoke_lately, 100)
    add_ticket(svc, ticket_lately, "resolved", 100)
    add_ticket(svc, silent, "resolved", 250)
    with transaction(svc.engine, immediate=True) as session:
        session.add(PrivacyRequest(folio="ARCO-1", contact_id=asked, right="opposition", due_on=NOW.date()))

    counts = run(svc)

    assert counts["contacts"] == 1
    erased = {c.id for c in all_rows(db, Contact) if c.anonymised_at is not None}
    assert erased == {silent}
    assert {a.contact_id for a in all_rows(db, ContactAddress)} == {spoke_lately, asked, ticket_lately, new}
    ticket = next(t for t in all_rows(db, Ticket) if t.contact_id == silent)
    assert ticket.address is None and ticket.category == "bache"
    events = [e for e in all_rows(db, PrivacyEvent) if e.kind == "contact_erased"]
    assert [(e.contact_id, e.detail["reason"]) for e in events] == [(silent, "retention")]


def test_audit_events_older_than_five_years_are_deleted(app, db):
    svc = app.extensions["ventanilla"]
    ticket_id = add_ticket(svc, add_contact(svc), "in_progress", 3000)
    with transaction(svc.engine, immediate=True) as session:
        for days in (2000, 1900, 10):
            session.add(TicketEvent(ticket_id=ticket_id, kind="note", created_at=ago(days)))
            session.add(PrivacyEvent(kind="notice_accepted", created_at=ago(days)))

    counts = run(svc, batch=1)

    assert counts["ticket_events"] == 2 and counts["privacy_events"] == 2
    assert [e.created_at.date() for e in all_rows(db, TicketEvent)] == [ago(10).date()]
    kinds = sorted(e.kind for e in all_rows(db, PrivacyEvent))
    assert kinds == ["notice_accepted", "retention_applied"]
    (applied,) = [e for e in all_rows(db, PrivacyEvent) if e.kind == "retention_applied"]
    assert applied.detail == counts


def test_survey_answers_are_kept(app, db):
    svc = app.extensions["ventanilla"]
    contact_id = add_contact(svc, created_days=100)
    add_message(svc, contact_id, 50)
    with transaction(svc.engine, immediate=True) as session:
        session.add(
            SurveyResponse(
                flow="park_evaluation",
                contact_id=contact_id,
                answers={"park": "P1", "comment": "bien"},
                created_at=ago(500),
            )
        )
    run(svc)
    assert [r.answers for r in all_rows(db, SurveyResponse)] == [{"park": "P1", "comment": "bien"}]


def test_the_report_tells_what_apply_removes(app, db):
    svc = app.extensions["ventanilla"]
    old, silent = add_contact(svc), add_contact(svc)
    add_message(svc, old, 500, media=photo(svc, b"\xff\xd8 a"))
    add_message(svc, old, 100)
    add_ticket(svc, old, "closed", 400, media=photo(svc, b"\xff\xd8 b"))
    add_message(svc, silent, 300)

    with transaction(svc.engine) as session:
        due = report(session, svc.flows, NOW)
    assert due == {
        "periods": {"messages": 365, "silent_contacts": 180, "audit_events": 1825},
        "contacts": 1,
        "messages": 1,
        "ticket_photos": 1,
        "media_files": 2,
        "ticket_events": 0,
        "privacy_events": 0,
    }
    counts = run(svc)
    assert counts == {
        "contacts": 1,
        "messages": 1,
        "ticket_photos": 1,
        "media_files": 2,
        "ticket_events": 0,
        "privacy_events": 0,
    }
    with transaction(svc.engine) as session:
        after = report(session, svc.flows, NOW)
    assert {k: v for k, v in after.items() if k != "periods"} == dict.fromkeys(counts, 0)


def test_applying_again_changes_nothing(app, db):
    svc = app.extensions["ventanilla"]
    contact_id = add_contact(svc)
    add_message(svc, contact_id, 500)
    add_message(svc, contact_id, 100)
    add_message(svc, add_contact(svc), 300)  # silent: erased
    first, second = run(svc), run(svc)
    assert first["messages"] == 1 and first["contacts"] == 1
    assert not any(second.values())


def test_two_workers_at_once_change_each_row_once(app, db):
    svc = app.extensions["ventanilla"]
    for _ in range(6):
        contact_id = add_contact(svc)
        add_ticket(svc, contact_id, "resolved", 370)
        add_message(svc, contact_id, 100, "reciente")
        for days in range(400, 410):
            add_message(svc, contact_id, days)
    results: list[dict] = []
    workers = [threading.Thread(target=lambda: results.append(run(svc, batch=7, pause=0.001))) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done = [r for r in results if "skipped" not in r]  # PostgreSQL: the second may find the lock taken
    assert sum(r["messages"] for r in done) == 60 and sum(r["contacts"] for r in done) == 0
    assert sorted({m.text for m in all_rows(db, Message)}) == ["", "reciente"]


def test_nothing_is_removed_without_a_retention(app, db):
    svc = app.extensions["ventanilla"]
    contact_id = add_contact(svc)
    add_message(svc, contact_id, 5000)
    flows = replace(svc.flows, privacy=None)
    assert apply(svc.engine, svc.config, flows, NOW) == {}
    assert texts(db, contact_id) == ["hola"]


@pytest.fixture(autouse=True)
def _media_folder(app):
    Path(app.extensions["ventanilla"].config.media_dir).mkdir(parents=True, exist_ok=True)
