"""Abuse of the web chat bounded: messages per address beside those per conversation, a daily byte quota
for photos per address, and an optional list of sites allowed to use the API."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest
import redis as redis_lib

from tests.support.app import PUBLIC_URL
from tests.support.webchat import Chat

JPEG = b"\xff\xd8\xff\xe0"
_photos = itertools.count(1)
CITY = "https://www.municipio.gob.mx"


@pytest.fixture
def make_app(tmp_path, redis_url):
    """An app with some settings of this test's own."""
    from bot import create_app
    from bot.db.database import create_tables
    from tests.support.app import app_settings

    made = []

    def make(**settings):
        app = create_app(app_settings(tmp_path, redis_url, **settings))
        with app.app_context():
            create_tables(app.extensions["ventanilla"].engine)
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["ventanilla"].engine.dispose()


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def photo(chat: Chat, size: int):
    """A JPEG of `size` bytes, each one different (the store names files by their content)."""
    n = next(_photos)
    content = (JPEG + b"%08d" % n).ljust(size, b"0")
    data = {"token": chat.token, "id": f"p{n}", "file": (io.BytesIO(content), "p.jpg", "image/jpeg")}
    return chat.client.post("/webchat/api/photo", data=data, content_type="multipart/form-data")


def stored(app) -> list[Path]:
    folder = Path(app.extensions["ventanilla"].config.media_dir)
    return sorted(folder.iterdir()) if folder.exists() else []


# --- messages per address ----------------------------------------------------------------------------------


def test_one_address_is_limited_across_all_its_conversations(make_app):
    app = make_app(webchat_message_limit="100 per minute", webchat_address_message_limit="5 per minute")
    client = from_address(app, "203.0.113.7")
    chats = [Chat(client) for _ in range(3)]
    sent = [chats[i % 3].post(text="hola").status_code for i in range(5)]
    assert sent == [200] * 5  # five from three conversations of one address
    refused = Chat(client).post(text="hola")  # a fresh conversation does not start a fresh count
    assert refused.status_code == 429 and refused.json["error"] == "too_many_requests"
    assert "Retry-After" in refused.headers
    assert photo(chats[0], 100).status_code == 429  # photos count in the same allowance
    neighbour = Chat(from_address(app, "203.0.113.8"))
    assert neighbour.post(text="hola").status_code == 200  # another address goes on


# --- photo bytes per address and day -----------------------------------------------------------------------


def test_photos_beyond_an_addresss_daily_bytes_are_429_and_not_kept(make_app, redis_url):
    app = make_app(webchat_photo_bytes_per_day=2500)
    chat = Chat(from_address(app, "198.51.100.4"))
    assert photo(chat, 1000).status_code == 200
    assert photo(chat, 1000).status_code == 200
    refused = photo(chat, 1000)  # 3000 > 2500
    assert refused.status_code == 429 and refused.json["error"] == "photo_quota"
    assert (
        "2500" not in refused.json["detail"] and "MB" in refused.json["detail"] and "tomorrow" in refused.json["detail"]
    )
    assert 0 < int(refused.headers["Retry-After"]) <= 86400 + 1 and refused.json["retry_after"] > 0
    assert len(stored(app)) == 2
    assert photo(chat, 400).status_code == 200  # a refused photo did not count: 2400 fits

    another_conversation = Chat(from_address(app, "198.51.100.4"))
    assert photo(another_conversation, 200).status_code == 429  # the quota is the address's, not the session's
    assert photo(Chat(from_address(app, "198.51.100.5")), 1000).status_code == 200  # another address has its own

    r = redis_lib.Redis.from_url(redis_url)
    (key,) = list(r.scan_iter("webchat:photo-bytes:198.51.100.4:*"))
    assert int(r.get(key)) == 2400 and 0 < r.ttl(key) <= 2 * 86400  # counted in Redis, gone in two days


def test_the_widget_tells_a_resident_the_photo_quota_is_spent(client):
    widget = client.get("/webchat/widget.js").text
    assert '"photo_quota"' in widget and "T.quota" in widget
    assert "Demasiadas fotos desde tu conexión hoy" in widget and "Too many photos from your connection today" in widget


# --- allowed origins ----------------------------------------------------------------------------------------


def test_with_no_list_any_site_may_use_the_api(client):
    answer = client.post("/webchat/api/session", headers={"Origin": "https://anywhere.example"})
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == "*"


def test_only_the_listed_sites_may_use_the_api(make_app):
    app = make_app(webchat_allowed_origins=(CITY,))
    client = app.test_client()

    allowed = client.post("/webchat/api/session", headers={"Origin": CITY})
    assert allowed.status_code == 200 and allowed.headers["Access-Control-Allow-Origin"] == CITY
    assert "Origin" in allowed.headers["Vary"]
    token = allowed.json["token"]

    for origin in (
        "https://evil.example",
        "https://www.municipio.gob.mx.evil.example",
        "null",
        "http://www.municipio.gob.mx",
    ):
        refused = client.post("/webchat/api/session", headers={"Origin": origin})
        assert refused.status_code == 403 and refused.json["error"] == "origin_not_allowed", origin
        assert "Access-Control-Allow-Origin" not in refused.headers
    message = {"token": token, "id": "m1", "text": "hola"}
    assert (
        client.post("/webchat/api/messages", json=message, headers={"Origin": "https://evil.example"}).status_code
        == 403
    )
    poll = client.get(
        "/webchat/api/updates", headers={"Origin": "https://evil.example", "Authorization": f"Bearer {token}"}
    )
    assert poll.status_code == 403
    preflight = client.options(
        "/webchat/api/updates",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 403 and "Access-Control-Allow-Origin" not in preflight.headers
    good_preflight = client.options(
        "/webchat/api/updates", headers={"Origin": CITY, "Access-Control-Request-Method": "GET"}
    )
    assert good_preflight.status_code == 200 and good_preflight.headers["Access-Control-Allow-Origin"] == CITY

    assert client.post("/webchat/api/messages", json=message, headers={"Origin": CITY}).status_code == 200
    ours = client.post("/webchat/api/session", headers={"Origin": PUBLIC_URL})  # our own demo page
    assert ours.status_code == 200
    no_origin = client.post("/webchat/api/session")  # not a browser page: nothing to check
    assert no_origin.status_code == 200 and "Access-Control-Allow-Origin" not in no_origin.headers


def test_the_widget_script_and_the_demo_page_load_anywhere(make_app):
    client = make_app(webchat_allowed_origins=(CITY,)).test_client()
    assert client.get("/webchat/widget.js", headers={"Origin": "https://evil.example"}).status_code == 200
    assert client.get("/webchat/").status_code == 200
