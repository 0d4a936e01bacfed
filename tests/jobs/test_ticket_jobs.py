"""A resident reports over Twilio, end to end: webhook → engine → SQLite → RQ → department."""

from __future__ import annotations

from pathlib import Path

from bot.db.tables import Message, Outbox, SurveyResponse, Ticket, TicketEvent
from tests.support.app import all_rows, twilio_fixture
from tests.support.departments import (
    OBRAS_URL,
    SERVICIOS_URL,
    department_endpoint,
)
from tests.support.twilio_api import PHOTO, twilio_media


def test_pothole_over_whatsapp_from_hello_to_delivered(resident, run_worker, db, no_network, app):
    received = department_endpoint(no_network, OBRAS_URL)
    twilio_media(no_network, twilio_fixture("whatsapp_image")["MediaUrl0"])

    menu = resident.says("hola")
    assert "Soy Ventanilla" in menu and "1. Reportar un bache" in menu
    assert "¿Dónde está el bache?" in resident.says("vache")
    assert "foto" in resident.send("whatsapp_location").data.decode()
    confirm = reply_of(resident.send("whatsapp_image"))
    assert "Parque Clouthier" in confirm and "(sí / no)" in confirm
    run_worker()  # the photo is downloaded while the resident is still confirming
    done = resident.says("sí")
    folio = all_rows(db, Ticket)[0].folio
    assert f"folio *{folio}*" in done

    ticket = all_rows(db, Ticket)[0]
    assert (ticket.department, ticket.category, ticket.status) == ("obras_publicas", "bache", "received")
    assert (ticket.latitude, ticket.longitude) == (25.6581, -100.4025)
    assert ticket.media[0]["content_type"] == "image/jpeg"

    run_worker()

    assert len(received) == 1
    key, body = received[0]
    assert key == folio and body["folio"] == folio
    assert body["department"] == {"id": "obras_publicas", "name": "Obras Públicas"}
    assert body["location"]["latitude"] == 25.6581 and body["summary"].startswith("Bache en")
    ticket = all_rows(db, Ticket)[0]
    assert ticket.status == "delivered"
    events = all_rows(db, TicketEvent)
    assert [e.kind for e in events] == ["received", "status_changed"]
    assert (
        events[1].detail["to"] == "delivered" and events[1].detail["via"] == "webhook" and events[1].actor == "system"
    )
    assert {o.kind: o.status for o in all_rows(db, Outbox)} == {"deliver_ticket": "done", "download_media": "done"}
    (photo,) = ticket.media  # the ticket keeps our copy: Twilio's URL expires
    stored = Path(app.extensions["ventanilla"].config.media_dir) / photo["stored"]
    assert stored.read_bytes() == PHOTO


def reply_of(response) -> str:
    from tests.support.app import reply_text

    assert response.status_code == 200
    return reply_text(response.data)


def test_pothole_over_sms_with_typed_address_and_no_photo(sms_resident, run_worker, db, no_network):
    received = department_endpoint(no_network, OBRAS_URL)
    sms_resident.says("hola")
    sms_resident.says("1")
    reply = sms_resident.says("Morelos y 5 de Mayo, centro")  # no photo asked: an SMS line cannot carry one
    assert "WhatsApp" in reply and "¿Lo envío?" in reply and "Morelos y 5 de Mayo, centro" in reply
    assert "folio" in sms_resident.says("si")
    run_worker()
    ticket = all_rows(db, Ticket)[0]
    assert ticket.channel == "sms" and ticket.address == "Morelos y 5 de Mayo, centro"
    assert ticket.media == [] and ticket.status == "delivered"
    assert received[0][1]["location"] == {"address": "Morelos y 5 de Mayo, centro"}


def test_trash_pickup_reaches_servicios_publicos(resident, run_worker, db, no_network):
    received = department_endpoint(no_network, SERVICIOS_URL)
    assert "¿Qué pasó?" in resident.says("recolección de basura")
    assert "¿Desde cuándo" in resident.says("no pasó el camión")
    assert "¿Dónde?" in resident.says("ayer")
    resident.says("Calzada del Valle 400")
    resident.says("omitir")
    resident.says("sí")
    run_worker()
    ticket = all_rows(db, Ticket)[0]
    assert (ticket.department, ticket.status) == ("servicios_publicos", "delivered")
    assert ticket.answers["problem"] == "missed_collection" and ticket.answers["missed_since"]
    assert received[0][1]["summary"] == "No pasó el camión en Calzada del Valle 400"


def test_park_evaluation_is_a_survey_response_not_a_ticket(resident, db):
    resident.says("hola")
    resident.says("4")
    resident.says("Parque Rufino Tamayo")
    resident.says("4")
    resident.says("⭐⭐⭐⭐⭐")
    resident.says("2")
    assert "Parque Rufino Tamayo" in resident.says("Faltan botes de basura")
    (response,) = all_rows(db, SurveyResponse)
    assert response.answers == {
        "park": "P002",
        "park_label": "Parque Rufino Tamayo",
        "cleanliness": 4,
        "safety": 5,
        "lighting": 2,
        "comment": "Faltan botes de basura",
    }
    assert all_rows(db, Ticket) == [] and all_rows(db, Outbox) == []


def test_english_speaker_is_answered_in_english(resident, db):
    assert "How can I help?" in resident.says("hello")
    assert "Where is the pothole?" in resident.says("pothole")


def test_unknown_text_mid_flow_gets_the_step_reprompt(resident, db):
    resident.says("hola")
    resident.says("basura")
    reply = resident.says("asdfgh qwerty")
    assert "no encontré esa opción" in reply and "¿Qué pasó?" in reply


def test_every_message_in_and_out_is_stored(resident, db):
    resident.says("hola")
    resident.says("bache")
    rows = all_rows(db, Message)
    assert [(m.direction, m.text[:4]) for m in rows] == [
        ("in", "hola"),
        ("out", "¡Hol"),
        ("in", "bach"),
        ("out", "🔒 An"),  # the privacy notice, which the resident accepts
        ("in", "sí"),
        ("out", "¿Dón"),
    ]
    assert rows[1].reply_to_id == rows[0].id and rows[1].data["options"][0] == "Reportar un bache"
