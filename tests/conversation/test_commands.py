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


def test_misses_in_a_survey_through_the_webhook_keep_the_answers_and_store_one_whole_response(resident, db):
    from bot.db.tables import SurveyResponse

    resident.says("parque")
    resident.says("Parque Clouthier")
    resident.says("4")
    for _ in range(2):
        assert "Califica del 1 al 5" in resident.says("qwerty")
    reply = resident.says("qwerty")
    assert "Lo que ya contestaste no se pierde" in reply and "¿En qué te ayudo?" not in reply
    assert all_rows(db, SurveyResponse) == []  # nothing stored half-way
    resident.says("5")
    resident.says("3")
    assert "Gracias por evaluar Parque Clouthier" in resident.says("omitir")
    (response,) = all_rows(db, SurveyResponse)
    assert response.flow == "park_evaluation"
    assert {k: response.answers[k] for k in ("park", "cleanliness", "safety", "lighting", "comment")} == {
        "park": "P001",
        "cleanliness": 4,
        "safety": 5,
        "lighting": 3,
        "comment": None,
    }
