"""What is kept about a contact: every table that names them, and nothing about anybody else."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot.db.database import transaction
from bot.db.tables import (
    Consent,
    Contact,
    ContactAddress,
    Conversation,
    Message,
    PrivacyRequest,
    SurveyResponse,
    Ticket,
    TicketEvent,
)
from bot.privacy.audit import record
from bot.privacy.inventory import export_data, media_files, summary

PHOTO = {"url": "https://api.twilio.com/M1", "content_type": "image/jpeg", "stored": "abc.jpg", "size": 9}
VOICE = {"url": "https://api.twilio.com/M2", "content_type": "audio/ogg"}  # not downloaded yet


def kept(app) -> tuple[int, int]:
    """A contact with a bit of everything, and a neighbour with a report of their own; their ids."""
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine) as session:
        lupita, neighbour = Contact(name="Lupita", lang="es"), Contact(name="Chuy")
        session.add_all([lupita, neighbour])
        session.flush()
        session.add_all(
            [
                ContactAddress(contact_id=lupita.id, kind="phone", address="+528112345678"),
                ContactAddress(contact_id=lupita.id, kind="webchat", address="wc-123"),
                ContactAddress(contact_id=neighbour.id, kind="phone", address="+528199999999"),
                Consent(contact_id=lupita.id, notice_version="2026-11", accepted=True, channel="sms"),
                Conversation(
                    contact_id=lupita.id,
                    state={"flow": "streetlight", "step": "photo", "answers": {"where": "Morelos 12"}},
                ),
                Message(contact_id=lupita.id, direction="in", channel="whatsapp", text="hola", data={}),
                Message(contact_id=lupita.id, direction="in", channel="whatsapp", text="", data={"media": [PHOTO]}),
                Message(contact_id=lupita.id, direction="in", channel="sms", text="", data={"media": [VOICE]}),
                Message(contact_id=lupita.id, direction="out", channel="whatsapp", text="¿Dónde?", data={}),
                Message(contact_id=neighbour.id, direction="in", channel="webchat", text="secreto del vecino"),
                SurveyResponse(flow="park_survey", contact_id=lupita.id, answers={"rating": 4}),
                PrivacyRequest(
                    folio="2611-PR0001",
                    contact_id=lupita.id,
                    right="rectification",
                    detail="soy Guadalupe",
                    due_on=date(2026, 12, 29),
                ),
            ]
        )
        original = Ticket(
            folio="2611-AAAAAA",
            contact_id=neighbour.id,
            channel="webchat",
            flow="pothole",
            department="obras_publicas",
            category="bache",
            summary="Bache del vecino",
        )
        session.add(original)
        session.flush()
        mine = Ticket(
            folio="2611-BBBBBB",
            contact_id=lupita.id,
            channel="whatsapp",
            flow="pothole",
            department="obras_publicas",
            category="bache",
            summary="Bache",
            address="Morelos y 5 de Mayo",
            latitude=25.67,
            longitude=-100.31,
            answers={"photo": [PHOTO]},
            media=[PHOTO],
            duplicate_of=original.id,
            created_at=datetime(2026, 11, 20, tzinfo=UTC),
        )
        session.add(mine)
        session.flush()
        session.add_all(
            [
                TicketEvent(
                    ticket_id=mine.id,
                    kind="received",
                    actor="resident",
                    detail={"channel": "whatsapp", "duplicate_of": "2611-AAAAAA"},
                ),
                TicketEvent(
                    ticket_id=mine.id, kind="merged_into", actor="ana@municipio.gob.mx", detail={"folio": "2611-AAAAAA"}
                ),
                TicketEvent(
                    ticket_id=mine.id,
                    kind="note",
                    actor="ana@municipio.gob.mx",
                    detail={"text": "el vecino Chuy dice que ya lo vio"},
                ),
                TicketEvent(
                    ticket_id=mine.id,
                    kind="status_changed",
                    actor="ana@municipio.gob.mx",
                    detail={"from": "received", "to": "resolved", "reason": "bacheado"},
                ),
                TicketEvent(
                    ticket_id=mine.id,
                    kind="assigned",
                    actor="ana@municipio.gob.mx",
                    detail={"from": None, "to": "beto@municipio.gob.mx"},
                ),
            ]
        )
        record(session, "notice_accepted", actor="resident", contact_id=lupita.id, detail={"version": "2026-11"})
        return lupita.id, neighbour.id


def test_the_summary_counts_messages_photos_and_channels(app, db):
    lupita, _ = kept(app)
    counted = summary(db, lupita)
    assert counted.tickets == (("2611-BBBBBB", "received"),)
    assert counted.messages == 3  # what they sent, not what the bot said
    assert counted.photos == 2  # the photo on the message and on the ticket once, and the voice note
    assert counted.channels == ("sms", "whatsapp")


def test_the_export_holds_every_table_that_names_the_contact(app, db):
    lupita, _ = kept(app)
    data = export_data(db, lupita)
    assert data["contact"]["name"] == "Lupita" and data["contact"]["language"] == "es"
    assert {a["address"] for a in data["addresses"]} == {"+528112345678", "wc-123"}
    assert data["consents"][0]["notice_version"] == "2026-11" and data["consents"][0]["channel"] == "sms"
    assert data["conversation"] == {"flow": "streetlight", "step": "photo", "answers": {"where": "Morelos 12"}}
    assert [m["text"] for m in data["messages"]] == ["hola", "", "", "¿Dónde?"]
    assert data["messages"][1]["media"] == [{"content_type": "image/jpeg", "size": 9, "file": "media/abc.jpg"}]
    assert data["messages"][2]["media"] == [{"content_type": "audio/ogg", "size": None, "file": None}]
    assert data["survey_responses"][0]["answers"] == {"rating": 4}
    (request,) = data["privacy_requests"]
    assert (request["folio"], request["detail"], request["due_on"]) == ("2611-PR0001", "soy Guadalupe", "2026-12-29")
    assert [e["kind"] for e in data["privacy_events"]] == ["notice_accepted"]
    (ticket,) = data["tickets"]
    assert (ticket["address"], ticket["latitude"], ticket["media"]) == (
        "Morelos y 5 de Mayo",
        25.67,
        [{"content_type": "image/jpeg", "size": 9, "file": "media/abc.jpg"}],
    )
    assert ticket["answers"] == {"photo": [{"content_type": "image/jpeg", "stored": "abc.jpg", "size": 9}]}
    assert media_files(data) == ["abc.jpg"]
    json.dumps(data)  # JSON-ready


def test_nobody_elses_data_is_in_the_export(app, db):
    lupita, _ = kept(app)
    text = json.dumps(export_data(db, lupita), ensure_ascii=False)
    for other in ("Chuy", "+528199999999", "secreto del vecino", "Bache del vecino", "2611-AAAAAA", "@municipio"):
        assert other not in text, other
    events = export_data(db, lupita)["tickets"][0]["events"]
    assert [(e["kind"], e["actor"]) for e in events] == [
        ("received", "resident"),
        ("merged_into", "city"),
        ("note", "city"),
        ("status_changed", "city"),
        ("assigned", "city"),
    ]
    assert events[3]["detail"] == {"from": "received", "to": "resolved", "reason": "bacheado"}
    assert events[2]["detail"] == {}  # an internal note is the city's, not a record of the resident


def test_files_we_no_longer_hold_are_not_promised(app, db):
    lupita, _ = kept(app)
    data = export_data(db, lupita, has_file=lambda name: False)
    assert data["messages"][1]["media"][0]["file"] is None and media_files(data) == []


def test_a_contact_with_nothing_has_an_empty_export(app, db):
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine) as session:
        contact = Contact()
        session.add(contact)
        session.flush()
        contact_id = contact.id
    data = export_data(db, contact_id)
    assert data["messages"] == data["tickets"] == data["addresses"] == [] and data["conversation"] is None
    assert summary(db, contact_id).channels == ()
