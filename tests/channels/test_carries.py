"""What each channel carries besides text: declared per channel, set on every message it parses."""

from __future__ import annotations

import io
import uuid

import pytest
from flask import request
from werkzeug.datastructures import MultiDict

from bot import channels
from bot.channels import twilio, webchat, whatsapp
from bot.flows.messages import CARRIES_ALL
from tests.support.app import twilio_fixture
from tests.support.whatsapp import whatsapp_fixture

WHATSAPP_VIA_TWILIO = frozenset({"photo", "location", "voice"})
WEB_CHAT = frozenset({"photo", "location", "buttons"})


@pytest.mark.parametrize("name", sorted(channels.CHANNELS))
def test_every_channel_declares_some_of_what_a_message_may_carry(name):
    module = channels.provider(name)
    assert module.CARRIES, f"{name} declares no channel"
    for channel, carried in module.CARRIES.items():
        assert isinstance(carried, frozenset) and carried <= CARRIES_ALL, channel
        assert ("buttons" in carried) == module.CAPABILITIES.buttons, f"{name}/{channel}: buttons only where drawn"


def test_the_registry_answers_by_channel_and_provider():
    assert channels.carries("sms", via="twilio") == frozenset()
    assert channels.carries("whatsapp", via="twilio") == WHATSAPP_VIA_TWILIO
    assert channels.carries("whatsapp", via="meta") == CARRIES_ALL
    assert channels.carries("webchat", via="webchat") == WEB_CHAT
    with pytest.raises(KeyError):
        channels.carries("webchat", via="twilio")
    with pytest.raises(KeyError):
        channels.carries("sms", via="simulator")


def test_without_a_provider_a_channel_carries_the_most_any_provider_gives_it():
    assert channels.carries("sms") == frozenset()
    assert channels.carries("whatsapp") == CARRIES_ALL  # Meta's buttons count
    assert channels.carries("webchat") == WEB_CHAT
    with pytest.raises(KeyError):
        channels.carries("telegram")


def test_a_twilio_sms_carries_text_only():
    msg = twilio.parse(MultiDict(twilio_fixture("sms_text")))
    assert msg.channel == "sms" and msg.carries == frozenset()


@pytest.mark.parametrize("fixture", ["whatsapp_text", "whatsapp_location", "whatsapp_image"])
def test_whatsapp_through_twilio_carries_photos_pins_and_voice_but_no_buttons(fixture):
    msg = twilio.parse(MultiDict(twilio_fixture(fixture)))
    assert msg.channel == "whatsapp" and msg.carries == WHATSAPP_VIA_TWILIO


@pytest.mark.parametrize("fixture", ["text", "interactive_button_reply", "audio_voice", "location", "image"])
def test_whatsapp_through_meta_carries_buttons_too(fixture):
    (msg,), _ = whatsapp.parse(whatsapp_fixture(fixture))
    assert msg.channel == "whatsapp" and msg.carries == CARRIES_ALL


def test_a_web_chat_message_carries_no_voice(app):
    with app.test_request_context():
        token = webchat.make_token(uuid.uuid4().hex)
    body = {"token": token, "id": "m1", "text": "hola", "location": {"latitude": 25.65, "longitude": -100.4}}
    with app.test_request_context("/webchat/api/messages", method="POST", json=body):
        (msg,) = webchat.parse_request(request)
    assert msg.channel == "webchat" and msg.location is not None
    assert msg.carries == WEB_CHAT and "voice" not in msg.carries


def test_a_web_chat_photo_is_handled_as_carrying_no_voice(client, monkeypatch):
    handled = []
    real = webchat.handle_inbound
    monkeypatch.setattr(webchat, "handle_inbound", lambda svc, msg: handled.append(msg) or real(svc, msg))
    token = client.post("/webchat/api/session").json["token"]
    photo = (io.BytesIO(b"\xff\xd8\xff\xe0 a JPEG"), "photo.jpg", "image/jpeg")
    response = client.post(
        "/webchat/api/photo", data={"token": token, "id": "p1", "file": photo}, content_type="multipart/form-data"
    )
    assert response.status_code == 200, response.data
    (msg,) = handled
    assert msg.media and msg.carries == WEB_CHAT
