"""An export contains everything a contact sent: a whole conversation over the real Twilio webhook, then its zip."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile

from bot.db.tables import Message, PrivacyEvent, Ticket
from bot.privacy.export import contact_of, export_link, export_token
from tests.support.app import PUBLIC_URL, all_rows, twilio_fixture
from tests.support.twilio_api import PHOTO, twilio_media

WRITTEN = ["hola", "1", "Hay un bache enorme frente a la tienda de Don Chuy", "sí"]


def converse(resident, run_worker, no_network) -> str:
    """Greet, open a pothole report, share a pin and a photo, add a comment, confirm; then ask for one's data."""
    twilio_media(no_network, twilio_fixture("whatsapp_image")["MediaUrl0"])
    resident.says(WRITTEN[0])
    resident.says(WRITTEN[1])  # answers "sí" to the privacy notice on the way
    assert resident.send("whatsapp_location").status_code == 200
    assert resident.send("whatsapp_image", Body=WRITTEN[2]).status_code == 200  # a photo with a caption
    run_worker()  # the photo is downloaded into our store
    resident.says(WRITTEN[3])
    return resident.says("mis datos")


def download(client, summary: str):
    link = re.search(r"https://\S+", summary).group(0)
    assert link.startswith(PUBLIC_URL)
    return client.get(link.removeprefix(PUBLIC_URL))


def test_an_export_contains_everything_a_contact_sent(client, resident, run_worker, no_network, db):
    summary = converse(resident, run_worker, no_network)
    response = download(client, summary)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))

    inbound = [m for m in all_rows(db, Message) if m.direction == "in"]
    exported_in = [m for m in data["messages"] if m["direction"] == "in"]
    assert [m["text"] for m in exported_in] == [m.text for m in inbound]
    for text in [*WRITTEN, "mis datos"]:
        assert any(m["text"] == text for m in exported_in), text
    outbound = [m.text for m in all_rows(db, Message) if m.direction == "out"]
    assert [m["text"] for m in data["messages"] if m["direction"] == "out"] == outbound  # what the bot said too

    location = twilio_fixture("whatsapp_location")
    pins = [m["location"] for m in exported_in if "location" in m]
    assert pins == [
        {
            "latitude": float(location["Latitude"]),
            "longitude": float(location["Longitude"]),
            "address": location["Address"],
            "label": location["Label"],
        }
    ]
    (photo_message,) = [m for m in exported_in if m.get("media")]
    (photo,) = photo_message["media"]
    assert photo["content_type"] == "image/jpeg" and photo["file"].startswith("media/")
    assert archive.read(photo["file"]) == PHOTO

    (ticket,) = data["tickets"]
    stored = all_rows(db, Ticket)[0]
    assert (ticket["folio"], ticket["latitude"], ticket["longitude"]) == (stored.folio, 25.6581, -100.4025)
    assert ticket["media"] == [photo] and ticket["events"][0]["kind"] == "received"
    assert ticket["answers"]["location"]["latitude"] == 25.6581

    assert data["addresses"] == [{"kind": "phone", "address": "+528112345678"}]  # WhatsApp's 521 made plain
    assert data["contact"]["name"] == "Lupita"
    assert [(c["notice_version"], c["accepted"]) for c in data["consents"]] == [("2026-11", True)]
    assert sorted(archive.namelist()) == ["data.json", photo["file"]]


def test_the_text_and_the_photo_bytes_are_all_in_the_zip_and_no_provider_url(
    client, resident, run_worker, no_network, db
):
    summary = converse(resident, run_worker, no_network)
    archive = zipfile.ZipFile(io.BytesIO(download(client, summary).data))
    text = archive.read("data.json").decode()
    assert "api.twilio.com" not in text  # the provider's links need the city's credentials: useless, and not data
    assert "Don Chuy" in text and "Parque Clouthier" in text
    assert PHOTO in [archive.read(name) for name in archive.namelist() if name.startswith("media/")]


def test_downloading_is_audited_offering_is_not(client, resident, run_worker, no_network, db):
    summary = converse(resident, run_worker, no_network)
    assert "data_exported" not in [e.kind for e in all_rows(db, PrivacyEvent)]
    download(client, summary)
    exported = [e for e in all_rows(db, PrivacyEvent) if e.kind == "data_exported"]
    assert len(exported) == 1 and exported[0].actor == "resident"
    assert exported[0].detail["files"] == 1 and exported[0].detail["tickets"] == 1


def test_a_token_opens_only_its_own_contact_for_its_time(app):
    config = app.extensions["ventanilla"].config
    now = time.time()
    token = export_token(config, 7, now=now)
    assert contact_of(config, token, now=now + 59 * 60) == 7
    assert contact_of(config, token, now=now + 61 * 60) is None  # PRIVACY_EXPORT_LINK_MINUTES: 60
    assert contact_of(config.replace(privacy_export_link_minutes=120), token, now=now + 61 * 60) == 7
    assert contact_of(config, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), now=now) is None
    assert contact_of(config.replace(secret_key="another-key-" + "x" * 40), token, now=now) is None
    assert contact_of(config, "", now=now) is None
    assert export_link(config, 7).startswith(f"{PUBLIC_URL}/privacidad/descarga/")


def test_a_token_signed_for_something_else_opens_nothing(app):
    from itsdangerous import URLSafeTimedSerializer

    config = app.extensions["ventanilla"].config
    other = URLSafeTimedSerializer(config.secret_key, salt="cookie-session").dumps({"contact": 7})
    assert contact_of(config, other) is None


def test_the_photo_sent_before_the_ticket_and_kept_after_is_one_file(client, resident, run_worker, no_network, db):
    summary = converse(resident, run_worker, no_network)
    assert "Fotos: 1" in summary
    archive = zipfile.ZipFile(io.BytesIO(download(client, summary).data))
    assert len([n for n in archive.namelist() if n.startswith("media/")]) == 1
