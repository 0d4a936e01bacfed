"""Our copies of residents' photos and voice notes are reached through signed links that expire (issue 12, point 6)."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.db.tables import Ticket
from bot.jobs.ticket_jobs import ticket_payload
from bot.messaging.media import media_link, store_media, verify_media_link
from tests.support.app import PUBLIC_URL, all_rows
from tests.support.desks import seed_ticket

JPEG = b"\xff\xd8\xff\xe0 a photo of a pothole"
PDF = b"%PDF-1.4 a resident's document"


@pytest.fixture
def config(app):
    return app.extensions["ventanilla"].config


def stored(config, content: bytes = JPEG, content_type: str = "image/jpeg") -> str:
    return store_media(config, content, content_type)


def query(link: str) -> tuple[str, str, str]:
    parts = urlsplit(link)
    values = parse_qs(parts.query)
    return parts.path.removeprefix("/media/"), values["exp"][0], values["sig"][0]


def test_a_link_is_good_for_its_name_until_it_expires(config):
    now = 1_750_000_000
    name, expires, signature = query(media_link(config, "a1b2.jpg", 3600, now=now))
    assert name == "a1b2.jpg" and 3600 <= int(expires) - now < 3600 + 300
    assert verify_media_link(config, "a1b2.jpg", expires, signature, now=now + 3599)
    assert not verify_media_link(config, "a1b2.jpg", expires, signature, now=int(expires) + 1)  # expired
    assert not verify_media_link(config, "c3d4.jpg", expires, signature, now=now)  # another file
    assert not verify_media_link(config, "a1b2.jpg", str(int(expires) + 86400), signature, now=now)  # stretched
    assert not verify_media_link(config, "a1b2.jpg", expires, "", now=now)
    assert not verify_media_link(config, "a1b2.jpg", "", signature, now=now)
    assert not verify_media_link(config, "a1b2.jpg", "soon", signature, now=now)
    other = config.replace(secret_key="another-deployment-secret-key-0123456789")
    assert not verify_media_link(other, "a1b2.jpg", expires, signature, now=now)  # another key


def test_without_a_valid_unexpired_signature_media_is_403(client, config):
    name = stored(config)
    _, expires, signature = query(media_link(config, name, 3600))
    _, old_expires, old_signature = query(media_link(config, name, 60, now=time.time() - 7200))
    for url in (
        f"/media/{name}",  # what used to be public
        f"/media/{name}?exp={expires}",
        f"/media/{name}?sig={signature}",
        f"/media/{name}?exp={expires}&sig={signature[:-2]}AA",
        f"/media/{name}?exp={int(expires) + 3600}&sig={signature}",
        f"/media/{name}?exp={old_expires}&sig={old_signature}",  # expired
    ):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/media/{name}?exp={expires}&sig={signature}").status_code == 200


def test_a_signed_link_to_a_file_we_do_not_have_is_404(client, config):
    assert client.get(media_link(config, "f" * 32 + ".jpg", 3600)).status_code == 404


def test_an_image_is_shown_inline_and_cached_privately_until_its_link_ends(client, config):
    name = stored(config)
    response = client.get(media_link(config, name, 3600))
    assert response.status_code == 200 and response.data == JPEG and response.mimetype == "image/jpeg"
    cache = response.headers["Cache-Control"]
    assert cache.startswith("private, max-age=") and "public" not in cache
    assert 3500 <= int(cache.rsplit("=", 1)[1]) <= 3600 + 300
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_anything_but_an_image_is_downloaded_not_shown(client, config):
    name = stored(config, PDF, "application/pdf")
    response = client.get(media_link(config, name, 3600))
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"].startswith("private, ")


def test_departments_get_links_that_work_for_days(app, client, config, db):
    name = stored(config)
    folio = seed_ticket(app, media=[{"url": "https://api.twilio.com/x", "content_type": "image/jpeg", "stored": name}])
    ticket = next(t for t in all_rows(db, Ticket) if t.folio == folio)
    (item,) = ticket_payload(ticket, "Obras Públicas", config)["media"]
    link = item["public_url"]
    assert link.startswith(f"{PUBLIC_URL}/media/{name}?exp=")
    _, expires, _ = query(link)
    assert 7 * 86400 <= int(expires) - time.time() <= 7 * 86400 + 300
    assert client.get(link.removeprefix(PUBLIC_URL)).status_code == 200
    unset = config.replace(public_url="")
    assert "public_url" not in ticket_payload(ticket, "Obras Públicas", unset)["media"][0]  # nowhere to link to


def test_the_delivery_link_lifetime_is_a_setting(app, config, db):
    name = stored(config)
    folio = seed_ticket(app, media=[{"url": "u", "content_type": "image/jpeg", "stored": name}])
    ticket = next(t for t in all_rows(db, Ticket) if t.folio == folio)
    (item,) = ticket_payload(ticket, "Obras Públicas", config.replace(media_delivery_link_days=30))["media"]
    _, expires, _ = query(item["public_url"])
    assert 30 * 86400 <= int(expires) - time.time() <= 30 * 86400 + 300


def test_operators_pages_link_photos_for_an_hour(app, config, desk):
    name = stored(config)
    folio = seed_ticket(app, media=[{"url": "u", "content_type": "image/jpeg", "stored": name}])
    ana = desk("ana@x.mx")
    html = ana.get(f"/dashboard/tickets/{folio}").text
    links = set(re.findall(r'src="(/media/[^"]+)"', html))
    assert links, "the page shows the photo"
    for link in links:
        link = link.replace("&amp;", "&")
        _, expires, _ = query(link)
        assert 3600 <= int(expires) - time.time() <= 3600 + 300
        assert ana.get(link).status_code == 200
