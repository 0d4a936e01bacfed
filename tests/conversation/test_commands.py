"""Commands that need the database: the status of a folio, opt-out, hand-over to a person."""

from __future__ import annotations

from bot.db.tables import Contact, Outbox, Ticket
from tests.support.app import all_rows
from tests.support.residents import file_pothole


def test_status_of_my_folio(resident, db):
    file_pothole(resident)
    folio = all_rows(db, Ticket)[0].folio
    reply = resident.says(f"estado {folio.lower()}")
    assert f"Folio *{folio}*: Bache en Morelos y 5 de Mayo" in reply and "Estado: *recibido*" in reply


def test_status_of_someone_elses_folio_is_not_told(client, resident, db):
    from tests.support.app import Resident

    file_pothole(resident)
    folio = all_rows(db, Ticket)[0].folio
    stranger = Resident(client, From="whatsapp:+5218119999999")
    reply = stranger.says(f"estado {folio}")
    assert "No encontré el folio" in reply and "Bache" not in reply and "recibido" not in reply


def test_opt_out_is_remembered_on_the_contact(resident, db):
    resident.says("hola")
    resident.says("BAJA")
    assert all_rows(db, Contact)[0].opted_out is True
    assert resident.says("hola") == ""
    resident.says("ALTA")
    assert all_rows(db, Contact)[0].opted_out is False


def test_handover_opens_a_ticket_for_a_person(resident, db):
    resident.says("basura")
    for _ in range(2):
        resident.says("qwerty")
    reply = resident.says("qwerty")
    (ticket,) = all_rows(db, Ticket)
    assert f"*{ticket.folio}*" in reply
    assert (ticket.category, ticket.priority, ticket.department) == ("handover", "high", "servicios_publicos")
    assert all_rows(db, Outbox)[0].ticket_id == ticket.id
