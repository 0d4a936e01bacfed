"""ticket.resolved_at: the first change to resolved of a ticket's audit trail, kept by the database and backfilled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.db import first_resolution
from bot.db.database import make_engine, transaction
from bot.db.migrate import upgrade
from bot.db.tables import Contact, Ticket, TicketEvent
from bot.flows.loader import load_flows
from tests.support.app import ROOT, TEST_DATABASE_URL, database_url, drop_everything

FLOWS = load_flows(ROOT / "flows.yaml")

CREATED = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path):
    """An empty database (PostgreSQL: every table dropped, before and after), as tests/db/test_migrations.py's."""
    url = database_url(tmp_path, "resolutions.db")
    if TEST_DATABASE_URL:
        drop_everything(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    if TEST_DATABASE_URL:
        drop_everything(url)


def add_ticket(db, folio: str) -> Ticket:
    contact = Contact()
    db.add(contact)
    db.flush()
    ticket = Ticket(
        folio=folio, contact_id=contact.id, channel="sms", flow="x", department="d", category="c", created_at=CREATED
    )
    db.add(ticket)
    db.flush()
    return ticket


def change(db, ticket: Ticket, to: str, after: timedelta, detail_to: str | None = None) -> None:
    db.add(
        TicketEvent(
            ticket_id=ticket.id,
            kind="status_changed",
            detail={"from": "in_progress", "to": detail_to or to},
            created_at=CREATED + after,
        )
    )
    db.flush()


def resolved_at(engine) -> dict[str, datetime | None]:
    with engine.connect() as db:
        return {
            folio: at and at.replace(tzinfo=UTC)
            for folio, at in db.execute(sa.select(Ticket.folio, Ticket.resolved_at).order_by(Ticket.folio))
        }


def record_trails(engine) -> None:
    """A ticket resolved, reopened and resolved again; one only closed; one untouched; one whose earlier resolution
    is recorded after its later one."""
    with transaction(engine) as db:
        twice, closed, _, late = (add_ticket(db, folio) for folio in ("A", "B", "C", "D"))
        change(db, twice, "in_progress", timedelta(hours=1))
        change(db, twice, "resolved", timedelta(hours=5))
        change(db, twice, "in_progress", timedelta(days=1))
        change(db, twice, "resolved", timedelta(days=2))
        change(db, closed, "closed", timedelta(hours=3))
        db.add(TicketEvent(ticket_id=closed.id, kind="note", detail={"to": "resolved"}, created_at=CREATED))
        change(db, late, "resolved", timedelta(hours=9))
        change(db, late, "resolved", timedelta(hours=7))


EXPECTED = {"A": CREATED + timedelta(hours=5), "B": None, "C": None, "D": CREATED + timedelta(hours=7)}


def test_the_trigger_keeps_each_tickets_first_resolution(engine):
    upgrade(engine, flows=FLOWS)
    record_trails(engine)
    assert resolved_at(engine) == EXPECTED


def test_migration_0009_fills_the_column_from_the_audit_trail_in_batches(engine, monkeypatch):
    upgrade(engine, "0008", flows=FLOWS)
    _record_without_column(engine)
    monkeypatch.setattr(first_resolution, "BACKFILL_BATCH", 2)  # several rounds over four tickets

    assert upgrade(engine, "0009", flows=FLOWS).after == "0009"

    assert resolved_at(engine) == EXPECTED
    with engine.begin() as db:  # and from now on the trigger keeps it
        ticket_id = db.execute(sa.select(Ticket.id).where(Ticket.folio == "C")).scalar_one()
        db.execute(
            sa.insert(TicketEvent.__table__).values(
                ticket_id=ticket_id,
                kind="status_changed",
                actor="x",
                detail={"from": "in_progress", "to": "resolved"},
                created_at=CREATED + timedelta(hours=2),
            )
        )
    assert resolved_at(engine)["C"] == CREATED + timedelta(hours=2)


def _record_without_column(database) -> None:
    """The same trails written as a 0008 database holds them (the ticket table has no resolved_at yet)."""
    with database.begin() as db:
        ids = {}
        for folio in "ABCD":
            db.execute(
                sa.text("INSERT INTO contact (name, opted_out, created_at) VALUES ('', false, :at)"), {"at": CREATED}
            )
            contact = db.execute(sa.text("SELECT max(id) FROM contact")).scalar_one()
            db.execute(
                sa.text(
                    "INSERT INTO ticket (folio, contact_id, channel, flow, department, category, priority, status,"
                    " summary, lang, answers, media, created_at, updated_at) VALUES (:folio, :contact, 'sms', 'x', 'd',"
                    " 'c', 'normal', 'received', '', 'es', '{}', '[]', :at, :at)"
                ),
                {"folio": folio, "contact": contact, "at": CREATED},
            )
            ids[folio] = db.execute(sa.text("SELECT id FROM ticket WHERE folio = :f"), {"f": folio}).scalar_one()
        events = TicketEvent.__table__
        for folio, kind, to, after in (
            ("A", "status_changed", "in_progress", timedelta(hours=1)),
            ("A", "status_changed", "resolved", timedelta(hours=5)),
            ("A", "status_changed", "in_progress", timedelta(days=1)),
            ("A", "status_changed", "resolved", timedelta(days=2)),
            ("B", "status_changed", "closed", timedelta(hours=3)),
            ("B", "note", "resolved", timedelta(0)),
            ("D", "status_changed", "resolved", timedelta(hours=9)),
            ("D", "status_changed", "resolved", timedelta(hours=7)),
        ):
            db.execute(
                sa.insert(events).values(
                    ticket_id=ids[folio], kind=kind, actor="x", detail={"to": to}, created_at=CREATED + after
                )
            )
