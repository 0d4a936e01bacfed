"""The Twilio channel: signatures, payload parsing, retries, TwiML replies."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from bot.channels.errors import PayloadError
from bot.channels.twilio import parse
from bot.db.tables import Message, Ticket
from tests.support.app import (
    PUBLIC_URL,
    WEBHOOK_PATH,
    all_rows,
    reply_text,
    twilio_fixture,
    twilio_signature,
)


@pytest.mark.parametrize(
    "fixture, expected",
    [
        ("sms_text", {"channel": "sms", "sender": "+528112345678", "text": "hola", "location": None, "media": ()}),
        ("whatsapp_text", {"channel": "whatsapp", "sender": "+528112345678", "profile_name": "Lupita"}),
        ("whatsapp_location", {"channel": "whatsapp", "text": ""}),
        ("whatsapp_image", {"channel": "whatsapp", "text": ""}),
    ],
)
def test_parse_captured_payloads(fixture, expected):
    msg = parse(MultiDict(twilio_fixture(fixture)))
    assert msg.provider_id == twilio_fixture(fixture)["MessageSid"]
    for field, value in expected.items():
        assert getattr(msg, field) == value


def test_parse_location_and_media():
    location = parse(MultiDict(twilio_fixture("whatsapp_location"))).location
    assert (location.latitude, location.longitude, location.label) == (25.6581, -100.4025, "Parque Clouthier")
    (media,) = parse(MultiDict(twilio_fixture("whatsapp_image"))).media
    assert media.is_image() and media.url.endswith("/Media/ME3e1f1f2e3d4c5b6a79887766554433dd")


def test_parse_button_payload():
    msg = parse(MultiDict({**twilio_fixture("whatsapp_text"), "ButtonPayload": "pothole", "ButtonText": "Bache"}))
    assert msg.payload == "pothole" and msg.raw["ButtonText"] == "Bache"


@pytest.mark.parametrize(
    "change",
    [
        {"From": ""},
        {"MessageSid": "", "SmsMessageSid": ""},
        {"Latitude": "norte", "Longitude": "-100.4"},
        {"Latitude": "95", "Longitude": "-100.4"},
        {"NumMedia": "dos"},
        {"NumMedia": "2", "MediaUrl0": "https://api.twilio.com/x"},
    ],
)
def test_parse_rejects_malformed_payloads(change):
    with pytest.raises(PayloadError):
        parse(MultiDict({**twilio_fixture("whatsapp_text"), **change}))


def post(client, form, signature=None, url=PUBLIC_URL + WEBHOOK_PATH, **kwargs):
    headers = {} if signature is False else {"X-Twilio-Signature": signature or twilio_signature(url, form)}
    return client.post(WEBHOOK_PATH, data=form, headers=headers, **kwargs)


@pytest.mark.parametrize(
    "signature",
    [False, "bm90IGEgc2lnbmF0dXJl", twilio_signature(PUBLIC_URL + WEBHOOK_PATH, {"Body": "otro"})],
    ids=["missing", "garbage", "for-another-body"],
)
def test_bad_signature_is_403_and_stores_nothing(client, db, signature):
    response = post(client, twilio_fixture("whatsapp_text"), signature=signature)
    assert response.status_code == 403
    assert all_rows(db, Message) == []


def test_signature_for_the_internal_url_is_refused_when_public_url_is_set(client, db):
    form = twilio_fixture("whatsapp_text")
    response = post(client, form, url="http://localhost" + WEBHOOK_PATH)
    assert response.status_code == 403


def test_signature_wrong_token_is_403(client, db):
    form = twilio_fixture("whatsapp_text")
    response = post(client, form, signature=twilio_signature(PUBLIC_URL + WEBHOOK_PATH, form, token="other"))
    assert response.status_code == 403


def test_missing_fields_are_400_and_store_nothing(client, db):
    form = {k: v for k, v in twilio_fixture("whatsapp_text").items() if k not in ("From",)}
    assert post(client, form).status_code == 400
    assert all_rows(db, Message) == []


def test_signed_garbage_body_is_400(client, db):
    url = PUBLIC_URL + WEBHOOK_PATH
    response = client.post(
        WEBHOOK_PATH,
        data=b"\x00\xff{not a form",
        content_type="application/octet-stream",
        headers={"X-Twilio-Signature": twilio_signature(url, {})},
    )
    assert response.status_code == 400
    assert all_rows(db, Message) == []


def test_same_message_sid_twice_is_one_message_and_one_step(resident, db):
    resident.says("hola")
    first = resident.send(Body="bache", MessageSid="SMretry00000000000000000000000001")
    again = resident.send(Body="bache", MessageSid="SMretry00000000000000000000000001")
    assert first.status_code == again.status_code == 200
    assert reply_text(first.data) == reply_text(again.data)
    inbound = [m for m in all_rows(db, Message) if m.direction == "in"]
    assert [m.text for m in inbound] == ["hola", "bache"]
    assert "¿Aceptas?" in reply_text(first.data)  # the privacy notice, asked once
    assert "¿Dónde está el bache?" in resident.says("sí")
    assert "foto" in resident.says("Morelos y 5 de Mayo")  # still one step further, not two


def test_retried_final_message_opens_one_ticket(resident, db):
    for text in ("hola", "bache", "Morelos y 5 de Mayo", "omitir"):
        resident.says(text)
    for _ in range(3):
        response = resident.send(Body="sí", MessageSid="SMretry00000000000000000000000002")
        assert "folio" in reply_text(response.data)
    assert len(all_rows(db, Ticket)) == 1


def test_replies_are_twiml_with_numbered_options(resident):
    response = resident.send(Body="hola")
    assert response.mimetype == "application/xml"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    assert "1. Reportar un bache\n2. Recolección de basura\n3. Luminaria apagada\n4. Evaluar un parque" in reply_text(
        response.data
    )


def test_resident_text_is_escaped_in_twiml(resident):
    resident.says("bache")
    assert resident.send(Body="<Calle> & </Message>").status_code == 200
    assert "<Calle> & </Message>" in resident.says("omitir")  # the confirmation repeats the address


def test_unset_auth_token_refuses_everything(app, client, db):
    svc = app.extensions["ventanilla"]
    svc.config = svc.config.replace(twilio_auth_token="")
    response = post(
        client,
        twilio_fixture("whatsapp_text"),
        signature=twilio_signature(PUBLIC_URL + WEBHOOK_PATH, twilio_fixture("whatsapp_text"), token=""),
    )
    assert response.status_code == 403


def test_sms_and_whatsapp_from_one_number_are_one_resident(client, db):
    from bot.db.tables import Contact
    from tests.support.app import Resident

    on_whatsapp = Resident(client, From="whatsapp:+5218112345678")  # WhatsApp keeps Mexico's old "1"
    on_sms = Resident(client, "sms_text", From="+528112345678")
    on_whatsapp.says("hola")
    on_whatsapp.says("bache")  # and "sí" to the privacy notice, which then holds on SMS too
    assert "foto" in on_sms.says("Morelos y 5 de Mayo")  # the same conversation, one step on
    assert len(all_rows(db, Contact)) == 1
    channels = [m.channel for m in all_rows(db, Message) if m.direction == "in"]
    assert channels == ["whatsapp", "whatsapp", "whatsapp", "sms"]


def test_a_sender_that_is_not_a_phone_number_is_400(client, db):
    form = {**twilio_fixture("sms_text"), "From": "not-a-number"}
    assert post(client, form).status_code == 400
    assert all_rows(db, Message) == []
