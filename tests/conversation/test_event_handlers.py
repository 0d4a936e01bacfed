"""An opened ticket keeps where the engine placed it: colonia, zone, method, confidence and the place's note."""

from __future__ import annotations

from bot.conversation.event_handlers import EventContext, apply_event
from bot.db.database import transaction
from bot.db.tables import Contact, Ticket
from bot.flows import TicketOpened
from tests.support.app import all_rows

CROSSING = {
    "address": "Morelos y 5 de Mayo frente a la primaria",
    "latitude": 25.6667,
    "longitude": -100.3100,
    "confidence": 0.95,
    "matched": "Morelos y 5 de Mayo",
    "method": "intersection",
    "colonia": "Centro",
    "zone": "centro",
    "reference": "frente a la primaria",
}
PIN = {
    "latitude": 25.6701,
    "longitude": -100.3155,
    "near": "Morelos y Padre Mier, col. Centro",
    "colonia": "Centro",
}


def opened(folio: str, location: dict | None) -> TicketOpened:
    return TicketOpened(
        folio=folio,
        flow="pothole",
        department="obras_publicas",
        category="bache",
        priority="normal",
        summary="Bache",
        lang="es",
        answers={"location": location},
        location=location,
        media=(),
        shown={},
    )


def open_tickets(app, *events: TicketOpened) -> None:
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine) as session:
        contact = Contact(name="Lupita")
        session.add(contact)
        session.flush()
        for event in events:
            apply_event(session, event, EventContext(contact.id, "webchat", svc.flow_store.current))


def placed(db) -> dict[str, tuple]:
    return {
        t.folio: (t.address, t.colonia, t.zone, t.geo_method, t.geo_confidence, t.place_note)
        for t in all_rows(db, Ticket)
    }


def test_a_typed_address_keeps_its_colonia_zone_method_confidence_and_reference(app, db):
    open_tickets(app, opened("2611-ADR001", CROSSING))
    assert placed(db)["2611-ADR001"] == (
        CROSSING["address"],
        "Centro",
        "centro",
        "intersection",
        0.95,
        "frente a la primaria",
    )


def test_a_pin_is_placed_by_the_resident_and_keeps_what_the_map_finds_it_near(app, db):
    open_tickets(app, opened("2611-PIN001", PIN))
    assert placed(db)["2611-PIN001"] == (None, "Centro", None, "pin", None, "Morelos y Padre Mier, col. Centro")


def test_an_address_the_map_does_not_know_and_a_report_without_place_keep_nothing_made_up(app, db):
    open_tickets(
        app,
        opened("2611-TYP001", {"address": "atrás del Oxxo"}),
        opened("2611-NOP001", None),
        opened("2611-ODD001", {"address": "x", "confidence": 7, "colonia": "  ", "method": 3, "zone": ["a"]}),
    )
    rows = placed(db)
    assert rows["2611-TYP001"] == ("atrás del Oxxo", None, None, None, None, None)
    assert rows["2611-NOP001"] == (None, None, None, None, None, None)
    assert rows["2611-ODD001"] == ("x", None, None, None, 1.0, None)  # wrong kinds dropped, confidence held to 0..1
