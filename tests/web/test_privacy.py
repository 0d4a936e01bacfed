"""GET /privacidad/descarga/<token>: the resident's zip for the link's time, a plain page otherwise, never a 500."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest

from bot.db.database import transaction
from bot.db.tables import Contact, ContactAddress, Message, PrivacyEvent, utcnow
from bot.messaging.media import store_media
from bot.privacy.export import DOWNLOAD_PATH, export_token
from tests.support.app import all_rows
from tests.support.twilio_api import PHOTO


def a_contact(app, *, erased: bool = False, photo: bool = False) -> int:
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine) as session:
        contact = Contact(name="Lupita", lang="es", anonymised_at=utcnow() if erased else None)
        session.add(contact)
        session.flush()
        session.add(ContactAddress(contact_id=contact.id, kind="phone", address="+528112345678"))
        media = []
        if photo:
            name = store_media(svc.config, PHOTO, "image/jpeg")
            media = [{"url": "https://api.twilio.com/x", "content_type": "image/jpeg", "stored": name, "size": 9}]
        session.add(
            Message(contact_id=contact.id, direction="in", channel="whatsapp", text="hola", data={"media": media})
        )
        return contact.id


def path_for(app, contact_id: int, now: float | None = None) -> str:
    return DOWNLOAD_PATH + export_token(app.extensions["ventanilla"].config, contact_id, now=now)


def test_the_link_downloads_the_zip_uncached_as_an_attachment(app, client, db):
    contact_id = a_contact(app, photo=True)
    response = client.get(path_for(app, contact_id))
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "mis-datos.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    assert data["messages"][0]["text"] == "hola" and data["addresses"][0]["address"] == "+528112345678"
    assert archive.read(data["messages"][0]["media"][0]["file"]) == PHOTO
    (event,) = all_rows(db, PrivacyEvent)
    assert (event.kind, event.contact_id, event.detail) == (
        "data_exported",
        contact_id,
        {"messages": 1, "tickets": 0, "files": 1},
    )


def test_a_file_already_removed_from_the_store_is_left_out_not_an_error(app, client):
    contact_id = a_contact(app, photo=True)
    for path in Path(app.extensions["ventanilla"].config.media_dir).iterdir():
        path.unlink()
    response = client.get(path_for(app, contact_id))
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == ["data.json"]
    assert json.loads(archive.read("data.json"))["messages"][0]["media"][0]["file"] is None


def plain_page(response, status: int) -> str:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_data(as_text=True)


def test_an_expired_link_is_refused_with_a_plain_page(app, client, db):
    contact_id = a_contact(app)
    page = plain_page(client.get(path_for(app, contact_id, now=time.time() - 61 * 60)), 403)
    assert "venció" in page and "mis datos" in page and "expired" in page
    assert all_rows(db, PrivacyEvent) == []


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-3] + ("xyz" if not token.endswith("xyz") else "abc"),
        lambda token: token.split(".")[0],
        lambda token: "A" * 40,
        lambda token: "%00",
        lambda token: "..%2f..%2fsecret_key",
        lambda token: "é" * 10,
    ],
)
def test_a_tampered_link_is_refused(app, client, mangle):
    token = export_token(app.extensions["ventanilla"].config, a_contact(app))
    response = client.get(DOWNLOAD_PATH + mangle(token))
    assert response.status_code in (403, 404)
    assert b"Traceback" not in response.data


def test_an_erased_or_unknown_contact_has_nothing_to_download(app, client, db):
    erased = a_contact(app, erased=True)
    assert "No hay datos" in plain_page(client.get(path_for(app, erased)), 404)
    assert "No hay datos" in plain_page(client.get(path_for(app, 999_999)), 404)
    assert all_rows(db, PrivacyEvent) == []


def test_only_get_is_served(app, client):
    assert client.post(path_for(app, a_contact(app))).status_code == 405
