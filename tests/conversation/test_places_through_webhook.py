"""The city's places at work through a signed webhook: a typed crossing gets a point, a colonia and a method."""

from __future__ import annotations

from bot.cli.places_commands import load_sample_if_empty
from bot.db.tables import Ticket
from tests.support.app import all_rows
from tests.support.places import SAMPLE


def test_a_typed_crossing_reaches_the_ticket_with_its_point(app, resident, db):
    assert "loaded the sample town" in (load_sample_if_empty(app.extensions["ventanilla"].engine, SAMPLE) or "")
    resident.says("bache")
    reply = resident.says("morelos esquina con 5 de mayo")
    assert "foto" in reply
    resident.says("omitir")
    resident.says("sí")
    (ticket,) = all_rows(db, Ticket)
    assert ticket.address == "morelos esquina con 5 de mayo"
    assert abs(ticket.latitude - 25.657895) < 0.0005 and abs(ticket.longitude + 100.400428) < 0.0005
    assert (ticket.colonia, ticket.geo_method) == ("Centro", "intersection") and ticket.geo_confidence > 0.9


def test_without_places_an_address_is_kept_as_typed(app, resident, db):
    resident.says("bache")
    resident.says("Calle Inventada 45")
    resident.says("omitir")
    resident.says("sí")
    (ticket,) = all_rows(db, Ticket)
    assert ticket.address == "Calle Inventada 45" and ticket.latitude is None and ticket.geo_method is None
