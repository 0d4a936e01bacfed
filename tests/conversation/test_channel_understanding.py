"""What a resident's channel carries, through the real webhooks: SMS is asked for no photo, voice notes are kept.

Signed Twilio forms and Meta JSON go in; replies come back as TwiML or through the Graph API; tickets are read
from the database. tests/flows/test_understanding.py shows the same behaviours on the pure engine.
"""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
import responses

from bot.conversation import handler
from bot.db.database import create_tables
from bot.db.tables import Ticket
from tests.support.app import ACCOUNT_SID, AUTH_TOKEN, all_rows
from tests.support.departments import OBRAS_URL, department_endpoint
from tests.support.whatsapp import GraphAPI, MetaResident, graph_media, make_app

VOICE = b"OggS\x00\x02 a resident's voice note"
TWILIO_MEDIA = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{{n:032x}}/Media/ME{{n:032x}}"
_media = itertools.count(1)


@pytest.fixture
def app(tmp_path, redis_url):
    """conftest's app (Twilio's test account) with Meta's settings too: both providers' webhooks answer."""
    app = make_app(tmp_path, redis_url)
    create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


def message(app, key: str, **values) -> str:
    """A message of the shipped flows.yaml, in Spanish, as the resident reads it."""
    text = app.extensions["ventanilla"].flows.message(key, "es")
    return text.format(**values) if values else text


def twilio_voice_note(no_network, url: str) -> dict:
    """The form fields of a WhatsApp voice note through Twilio; its media URL serves the audio to our credentials."""
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

    def serve(request):
        if request.headers.get("Authorization") != expected:
            return (401, {}, "")
        return (200, {"Content-Type": "audio/ogg"}, VOICE)

    no_network.add_callback(responses.GET, url, callback=serve)
    return {"NumMedia": "1", "MessageType": "audio", "MediaUrl0": url, "MediaContentType0": "audio/ogg"}


# --- SMS carries no photo and no pin --------------------------------------------------------------


def test_an_sms_resident_types_the_address_and_is_not_asked_for_a_photo(app, sms_resident, db):
    asked = sms_resident.says("bache")
    assert "Escribe calle y cruce" in asked and "Comparte tu ubicación" not in asked

    confirm = sms_resident.says("Morelos 100, Centro")
    assert message(app, "photo_elsewhere") in confirm and "WhatsApp" in confirm
    assert "*Morelos 100, Centro*" in confirm and "¿Lo envío?" in confirm
    assert "omitir" not in confirm  # no photo question to skip

    assert "folio" in sms_resident.says("sí")
    (ticket,) = all_rows(db, Ticket)
    assert (ticket.channel, ticket.category, ticket.address) == ("sms", "bache", "Morelos 100, Centro")
    assert ticket.media == []


def test_a_whatsapp_resident_through_twilio_is_asked_for_the_photo_at_the_same_point(app, resident):
    asked = resident.says("bache")
    assert "Comparte tu ubicación" in asked
    reply = resident.says("Morelos 100, Centro")
    assert "Si puedes, mándanos una foto" in reply and "¿Lo envío?" not in reply
    assert message(app, "photo_elsewhere") not in reply


# --- voice notes are kept, never a loop -----------------------------------------------------------


def test_a_voice_note_at_the_location_question_is_answered_kindly_and_kept_on_the_ticket(
    app, resident, run_worker, no_network, db
):
    resident.says("bache")
    url = TWILIO_MEDIA.format(n=next(_media))
    reply = resident.says(**twilio_voice_note(no_network, url))
    assert message(app, "voice_note") in reply and reply.startswith("🎙️ Recibí tu audio")
    assert "¿Dónde está el bache?" in reply
    run_worker()  # the voice note is downloaded while the resident writes the address

    assert "foto" in resident.says("Morelos 100, Centro")
    assert "¿Lo envío?" in resident.says("omitir")
    assert "folio" in resident.says("sí")

    (ticket,) = all_rows(db, Ticket)
    assert (ticket.category, ticket.address) == ("bache", "Morelos 100, Centro")
    (voice,) = ticket.media
    assert (voice["url"], voice["content_type"]) == (url, "audio/ogg")
    assert (Path(app.extensions["ventanilla"].config.media_dir) / voice["stored"]).read_bytes() == VOICE


def test_three_voice_notes_over_meta_hand_the_resident_to_a_person_with_all_three(
    app, client, run_worker, no_network, db
):
    graph = GraphAPI(no_network)
    department_endpoint(no_network, OBRAS_URL)
    lupita = MetaResident(client)
    media_ids = [f"10033834213872{n:02d}" for n in range(3)]
    for media_id in media_ids:
        graph_media(no_network, media_id, VOICE + media_id.encode(), "audio/ogg")

    lupita.says("bache")
    lupita.says("sí")  # the privacy notice: before it is accepted, no voice note is kept
    for media_id in media_ids:
        lupita.send(
            "audio_voice", type="audio", audio={"id": media_id, "mime_type": "audio/ogg; codecs=opus", "voice": True}
        )
    run_worker()  # sends the replies and downloads the voice notes, after the handover

    (ticket,) = all_rows(db, Ticket)
    assert (ticket.category, ticket.flow, ticket.department) == ("handover", "pothole", "obras_publicas")
    assert [m["url"] for m in ticket.media] == [f"meta:{media_id}" for media_id in media_ids]
    media_dir = Path(app.extensions["ventanilla"].config.media_dir)
    assert [(media_dir / m["stored"]).read_bytes() for m in ticket.media] == [VOICE + i.encode() for i in media_ids]

    texts = graph.texts()[1:]  # after the privacy notice
    assert "¿Dónde está el bache?" in texts[0]
    assert texts[1:5] == [message(app, "voice_note"), texts[0]] * 2  # kindly asked twice to write it
    assert texts[5:] == [message(app, "handover", folio=ticket.folio)]


# --- the opener counts ----------------------------------------------------------------------------

# Sunday 22 November 2026, 9 p.m. in Mexico City (CITY_TIMEZONE's default, UTC-6): already Monday the 23rd in UTC.
SUNDAY_EVENING = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_an_opener_that_says_what_since_when_and_where_goes_straight_to_the_photo(resident, monkeypatch, db):
    monkeypatch.setattr(handler, "utcnow", lambda: SUNDAY_EVENING)
    reply = resident.says("no pasó el camión de la basura en Hidalgo 200 desde el lunes")
    assert reply == "¿Tienes una foto? 📷 Envíala o escribe *omitir*."

    assert "*Hidalgo 200*" in resident.says("no traigo foto")
    assert "folio" in resident.says("sí")
    (ticket,) = all_rows(db, Ticket)
    assert (ticket.flow, ticket.channel, ticket.address) == ("trash", "whatsapp", "Hidalgo 200")
    assert ticket.answers["problem"] == "missed_collection"
    assert ticket.answers["missed_since"] == "2026-11-16"  # the city's last Monday; UTC's would be "today", the 23rd
    assert ticket.media == []
