"""The daily cap on a resident's reports (TICKETS_PER_CONTACT_PER_DAY): counted in the city's day, the resident told
instead of a folio when it is reached, nothing filed, what they wrote kept, and an operator able to lift it."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from bot import channels, create_app
from bot.conversation import handler
from bot.conversation.ticket_cap import CAP_LIFTED, CAP_REACHED, day_start, lift
from bot.db.database import create_tables, transaction
from bot.db.tables import Conversation, Message, Outbox, Ticket, TicketEvent
from bot.flows import InboundMessage
from tests.support.app import accepting_notice, app_settings

POTHOLE = ("hola", "bache", "Morelos y 5 de Mayo", "omitir", "sí")
HANDOVER = ("hola", "bache", "Morelos y 5 de Mayo", "omitir", "zzz", "zzz", "zzz")  # no answer to the confirm step
ANA, BETO = "+528112345678", "+528187654321"
FOLIO = re.compile(r"\d{4}-[0-9A-Z]{6}")
CAPPED_ES = "Ya recibimos muchos reportes tuyos hoy (2)"
_sids = itertools.count(1)


@pytest.fixture
def capped(tmp_path, redis_url, request):
    """The app in Monterrey (UTC-6) with a cap of two reports a day (or the cap a test asks for)."""
    settings = app_settings(
        tmp_path,
        redis_url,
        city_timezone="America/Monterrey",
        tickets_per_contact_per_day=getattr(request, "param", 2),
    )
    app = create_app(settings)
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


def report(app, sender: str = ANA, texts: tuple[str, ...] = POTHOLE) -> list[str]:
    """Send a whole report over WhatsApp; return what the bot answered to its last message."""
    svc = app.extensions["ventanilla"]
    handled = None
    for text in texts:
        handled = handler.handle_inbound(svc, _message(sender, text))
        accepting = accepting_notice("\n".join(reply.text for reply in handled.replies))
        if accepting:  # the privacy notice, the first time
            handled = handler.handle_inbound(svc, _message(sender, accepting))
    assert handled is not None
    return [reply.text for reply in handled.replies]


def _message(sender: str, text: str) -> InboundMessage:
    return InboundMessage(
        "whatsapp",
        sender,
        provider="twilio",
        provider_id=f"SM{next(_sids):032x}",
        text=text,
        carries=channels.carries("whatsapp", via="twilio"),
    )


def rows(app, model, *where) -> list:
    with Session(app.extensions["ventanilla"].engine) as db:
        return list(db.exec(select(model).where(*where).order_by(model.id)).all())


def tickets_of(app, sender: str) -> list[Ticket]:
    return [t for t in rows(app, Ticket) if t.contact_id == contact_of(app, sender)]


def contact_of(app, sender: str) -> int:
    from bot.db.tables import ContactAddress

    (address,) = rows(app, ContactAddress, ContactAddress.address == sender)
    return address.contact_id


def lift_for(app, sender: str = ANA, now: datetime | None = None) -> bool:
    """An operator lifts the cap from the resident's latest ticket."""
    with transaction(app.extensions["ventanilla"].engine, immediate=True) as db:
        latest = db.exec(
            select(Ticket).where(Ticket.contact_id == contact_of(app, sender)).order_by(Ticket.id.desc())
        ).first()
        assert latest is not None
        return lift(db, latest, "ana@municipio.mx", app.extensions["ventanilla"].config.city_zone(), now)


def test_over_the_cap_the_resident_is_told_nothing_is_filed_and_what_they_wrote_is_kept(capped):
    for _ in range(2):
        assert FOLIO.search(report(capped)[-1])  # the folio, twice
    said = report(capped)
    assert said[-1].startswith(CAPPED_ES), said
    assert not any(FOLIO.search(text) for text in said)  # no folio that was never filed
    tickets = tickets_of(capped, ANA)
    assert len(tickets) == 2
    assert len(rows(capped, Outbox, Outbox.kind == "deliver_ticket")) == 2  # nothing more for the department
    inbound = rows(capped, Message, Message.direction == "in")
    assert [m.text for m in inbound][-len(POTHOLE) :] == list(POTHOLE)  # the third report's messages, all stored
    assert rows(capped, Message, Message.direction == "out")[-1].text.startswith(CAPPED_ES)
    (conversation,) = rows(capped, Conversation)
    assert not conversation.state.get("flow")  # the flow ended: the next message starts afresh
    (noted,) = rows(capped, TicketEvent, TicketEvent.kind == CAP_REACHED)
    assert noted.ticket_id == tickets[-1].id and "Bache en Morelos y 5 de Mayo" in noted.detail["text"]


def test_english_residents_are_told_in_english(capped):
    english = ("hi", "pothole", "Morelos and 5 de Mayo", "skip", "yes")
    report(capped, texts=english)
    report(capped, texts=english)
    assert report(capped, texts=english)[-1].startswith("We have already received many reports from you today (2)")


def test_a_handover_ticket_counts_and_is_capped_too(capped):
    report(capped)
    said = report(capped, texts=HANDOVER)
    assert FOLIO.search(said[-1])  # the handover ticket: the second report today
    said = report(capped, texts=HANDOVER)
    assert said[-1].startswith(CAPPED_ES) and not any(FOLIO.search(text) for text in said)
    assert [t.category for t in tickets_of(capped, ANA)] == ["bache", "handover"]


def test_another_resident_is_not_capped(capped):
    for _ in range(3):
        report(capped, ANA)
    assert FOLIO.search(report(capped, BETO)[-1])
    assert len(tickets_of(capped, ANA)) == 2 and len(tickets_of(capped, BETO)) == 1


def test_a_lifted_cap_lets_the_resident_file_for_the_rest_of_the_day(capped):
    for _ in range(3):
        report(capped)
    assert lift_for(capped)
    assert not lift_for(capped)  # once a day is enough
    assert FOLIO.search(report(capped)[-1])
    assert FOLIO.search(report(capped)[-1])
    assert len(tickets_of(capped, ANA)) == 4
    (lifted,) = rows(capped, TicketEvent, TicketEvent.kind == CAP_LIFTED)
    assert lifted.actor == "ana@municipio.mx" and "more reports today" in lifted.detail["reason"]


@pytest.mark.parametrize("capped", [0], indirect=True)
def test_a_cap_of_zero_is_no_cap(capped):
    for _ in range(4):
        assert FOLIO.search(report(capped)[-1])
    assert rows(capped, TicketEvent, TicketEvent.kind == CAP_REACHED) == []


# Thursday 26 November in Monterrey (UTC-6): 2 p.m., then 11:30 p.m. (Friday in UTC), then Friday 0:30 a.m.
AFTERNOON = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
LATE_EVENING = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)
AFTER_MIDNIGHT = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)


def at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(handler, "utcnow", lambda: moment)


def filed_at(app, moment: datetime) -> None:
    """The tickets (stored with the real clock) as if filed at moment."""
    with transaction(app.extensions["ventanilla"].engine) as db:
        db.execute(update(Ticket).values(created_at=moment))


def test_the_cap_counts_the_citys_day_not_utcs(capped, monkeypatch):
    at(monkeypatch, AFTERNOON)
    report(capped)
    report(capped)
    filed_at(capped, AFTERNOON)
    at(monkeypatch, LATE_EVENING)  # already Friday in UTC, still Thursday in Monterrey
    assert report(capped)[-1].startswith(CAPPED_ES)
    at(monkeypatch, AFTER_MIDNIGHT)  # Friday in Monterrey: a new day
    assert FOLIO.search(report(capped)[-1])
    assert len(tickets_of(capped, ANA)) == 3


def test_a_lift_lasts_until_the_citys_midnight(capped, monkeypatch):
    at(monkeypatch, AFTERNOON)
    report(capped)
    report(capped)
    filed_at(capped, AFTERNOON)
    assert lift_for(capped, now=AFTERNOON)
    at(monkeypatch, LATE_EVENING)
    assert FOLIO.search(report(capped)[-1])  # lifted for the rest of Thursday
    report(capped)
    filed_at(capped, AFTER_MIDNIGHT)  # the two of Friday (the lift was Thursday's)
    at(monkeypatch, AFTER_MIDNIGHT + timedelta(minutes=5))
    assert report(capped)[-1].startswith(CAPPED_ES)


def test_the_day_starts_at_the_citys_midnight():
    from zoneinfo import ZoneInfo

    monterrey = ZoneInfo("America/Monterrey")
    assert day_start(LATE_EVENING, monterrey) == datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    assert day_start(AFTER_MIDNIGHT, monterrey) == datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    assert day_start(LATE_EVENING, ZoneInfo("UTC")) == datetime(2026, 11, 27, tzinfo=UTC)
