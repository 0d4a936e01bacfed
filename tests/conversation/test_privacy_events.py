"""The privacy events over the real Twilio webhook: consent kept, ARCO requests filed with their due date, access answered."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.conversation import handler
from bot.conversation.event_handlers import EVENT_HANDLERS, EventContext, apply_event
from bot.db.database import transaction
from bot.db.tables import Consent, Contact, Conversation, Message, PrivacyEvent, PrivacyRequest, Ticket
from bot.flows.events import DataAccessRequested, NoticeAnswered, PrivacyRequested
from bot.privacy.export import DOWNLOAD_PATH, contact_of
from tests.support.app import PUBLIC_URL, Resident, all_rows, twilio_fixture
from tests.support.twilio_api import twilio_media

# 9 p.m. on Sunday 29 November 2026 in Mexico City (UTC-6) is already Monday the 30th in UTC: the request
# counts from the city's Sunday, so 20 business days end on Monday 28 December (from the 30th: the 29th).
SUNDAY_EVENING_IN_THE_CITY = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def test_the_three_events_have_handlers():
    assert {NoticeAnswered, PrivacyRequested, DataAccessRequested} <= set(EVENT_HANDLERS)


def test_accepting_the_notice_is_kept_with_its_version_and_channel(client, db):
    resident = Resident(client, accepts_notice=False)
    resident.says("hola")
    notice = resident.says("1")
    assert "Aviso de privacidad" in notice and "(sí / no)" in notice
    assert "¿Dónde está el bache?" in resident.says("sí")
    (consent,) = all_rows(db, Consent)
    (contact,) = all_rows(db, Contact)
    assert (consent.contact_id, consent.notice_version, consent.accepted, consent.channel) == (
        contact.id,
        "2026-11",
        True,
        "whatsapp",
    )
    (event,) = all_rows(db, PrivacyEvent)
    assert (event.kind, event.actor, event.contact_id) == ("notice_accepted", "resident", contact.id)
    assert event.detail == {"version": "2026-11", "channel": "whatsapp"}


def test_declining_the_notice_is_kept_too_and_files_nothing(client, db):
    sms_resident = Resident(client, "sms_text", accepts_notice=False)
    sms_resident.says("hola")
    sms_resident.says("1")
    assert "no guardamos nada" in sms_resident.says("no")
    (consent,) = all_rows(db, Consent)
    assert (consent.accepted, consent.channel) == (False, "sms")
    assert [e.kind for e in all_rows(db, PrivacyEvent)] == ["notice_declined"]
    assert all_rows(db, Ticket) == []


def test_a_cancellation_is_filed_with_its_due_date_in_the_citys_business_days(resident, db, monkeypatch):
    monkeypatch.setattr(handler, "utcnow", lambda: SUNDAY_EVENING_IN_THE_CITY)
    assert "¿Confirmas?" in resident.says("borrar mis datos")
    filed = resident.says("sí")
    (request,) = all_rows(db, PrivacyRequest)
    assert (request.right, request.status, request.channel, request.lang, request.detail) == (
        "cancellation",
        "open",
        "whatsapp",
        "es",
        "",
    )
    assert request.due_on.isoformat() == "2026-12-28"
    assert f"*{request.folio}*" in filed and "cancelación" in filed and "28/12/2026" in filed
    (event,) = all_rows(db, PrivacyEvent)
    assert (event.kind, event.request_id, event.contact_id) == ("request_filed", request.id, request.contact_id)
    assert event.detail == {
        "folio": request.folio,
        "right": "cancellation",
        "channel": "whatsapp",
        "due_on": "2026-12-28",
    }


@pytest.mark.parametrize(
    "command, right, shown",
    [("corregir mis datos", "rectification", "rectificación"), ("no usen mis datos", "opposition", "oposición")],
)
def test_rectification_and_opposition_keep_what_the_resident_wrote(resident, db, command, right, shown):
    resident.says(command)
    filed = resident.says("Mi nombre es Guadalupe Treviño, no Lupita")
    (request,) = all_rows(db, PrivacyRequest)
    assert (request.right, request.detail) == (right, "Mi nombre es Guadalupe Treviño, no Lupita")
    assert shown in filed and request.folio in filed
    (event,) = all_rows(db, PrivacyEvent)
    assert "Guadalupe" not in str(event.detail)  # the audit trail never keeps what was written


def test_an_english_speaker_reads_the_right_and_date_in_english(resident, db, monkeypatch):
    monkeypatch.setattr(handler, "utcnow", lambda: SUNDAY_EVENING_IN_THE_CITY)
    resident.says("english")
    resident.says("delete my data")
    filed = resident.says("yes")
    assert "request for cancellation" in filed and "28/12/2026" in filed


def report_pothole_with_photo(resident, run_worker, no_network) -> str:
    """A pothole with a pin and a photo, over WhatsApp; return its folio."""
    twilio_media(no_network, twilio_fixture("whatsapp_image")["MediaUrl0"])
    resident.says("hola")
    resident.says("1")  # the privacy notice is accepted on the way
    resident.send("whatsapp_location")
    resident.send("whatsapp_image")
    run_worker()  # the photo is downloaded
    done = resident.says("sí")
    return re.search(r"folio \*([0-9A-Z-]+)\*", done).group(1)


def test_access_answers_with_what_is_kept_and_a_link(resident, run_worker, no_network, db, app):
    folio = report_pothole_with_photo(resident, run_worker, no_network)
    summary = resident.says("mis datos")
    assert f"• {folio} — recibido" in summary
    inbound = [m for m in all_rows(db, Message) if m.direction == "in"]
    assert f"Mensajes: {len(inbound)} · Fotos: 1 · Canales: WhatsApp" in summary
    assert "vale 60 minutos" in summary
    link = re.search(r"https://\S+", summary).group(0)
    assert link.startswith(PUBLIC_URL + DOWNLOAD_PATH)
    (contact,) = all_rows(db, Contact)
    assert contact_of(app.extensions["ventanilla"].config, link.rsplit("/", 1)[1]) == contact.id
    kinds = [e.kind for e in all_rows(db, PrivacyEvent)]
    assert kinds == ["notice_accepted", "access_answered"]  # offered, not yet downloaded
    answered = all_rows(db, PrivacyEvent)[-1]
    assert answered.detail == {"tickets": 1, "messages": len(inbound), "photos": 1}


def test_access_with_nothing_filed_says_so(sms_resident, db):
    sms_resident.says("hola")
    summary = sms_resident.says("mis datos")
    assert "Esto es lo que guardamos de ti:\n—\n" in summary
    assert "Mensajes: 2 · Fotos: 0 · Canales: SMS" in summary


def test_access_lists_the_newest_tickets_only(app, db):
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine) as session:
        contact = Contact(name="Lupita")
        session.add(contact)
        session.flush()
        for n in range(12):
            session.add(
                Ticket(
                    folio=f"2611-T{n:05d}",
                    contact_id=contact.id,
                    channel="whatsapp",
                    flow="pothole",
                    department="obras_publicas",
                    category="bache",
                    created_at=datetime(2026, 11, 1 + n, tzinfo=UTC),
                )
            )
        ctx = EventContext(contact.id, "whatsapp", svc.flow_store.current, config=svc.config)
        (reply,) = apply_event(session, DataAccessRequested("es"), ctx).replies
    lines = [line for line in reply.text.splitlines() if line.startswith("•")]
    assert lines[0] == "• 2611-T00011 — recibido" and len(lines) == 11 and lines[-1] == "• … (+2)"


def test_declining_forgets_what_the_resident_wrote_for_the_report_but_not_an_earlier_one(client, db):
    resident = Resident(client, accepts_notice=False)
    resident.says("hay un bache en Morelos y 5 de Mayo")
    resident.says("sí")  # accepted: this report is kept
    resident.says("omitir")
    resident.says("sí")
    (ticket,) = all_rows(db, Ticket)
    kept = [m.text for m in all_rows(db, Message) if m.direction == "in"]
    with transaction(db.get_bind(), immediate=True) as session:  # a new notice version comes out
        for conversation in session.exec(select(Conversation)):
            conversation.state = {**conversation.state, "notice": "2025-01"}
            session.add(conversation)
    assert "¿Aceptas?" in resident.says("hay otro bache en Hidalgo 120, Centro")
    assert "no guardamos nada" in resident.says("no")
    texts = [m.text for m in all_rows(db, Message) if m.direction == "in"]
    assert texts == kept + ["", ""]  # the place written for the report they did not file is gone
    assert all_rows(db, Ticket) == [ticket]
    declined = [e for e in all_rows(db, PrivacyEvent) if e.kind == "notice_declined"]
    assert [e.detail["messages_blanked"] for e in declined] == [2]


def test_the_status_command_tells_where_an_arco_request_stands_to_its_resident_only(client, resident, db):
    resident.says("corregir mis datos")
    resident.says("mi nombre es Juana")
    (request,) = all_rows(db, PrivacyRequest)
    said = resident.says(f"estado {request.folio}")
    assert said == (
        f"📄 Tu solicitud de rectificación (folio *{request.folio}*): en trámite. "
        f"Fecha límite de respuesta: {request.due_on.strftime('%d/%m/%Y')}."
    )
    someone_else = Resident(client, From="whatsapp:+5218187654321")
    assert "en trámite" not in someone_else.says(f"estado {request.folio}")
