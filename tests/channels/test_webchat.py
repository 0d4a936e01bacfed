"""The web chat's JSON API: sessions, a whole report, dedupe, refusals, photos, later messages published.

Polls for later messages: test_webchat_polls.py; limits per address, photo quota, origins: test_webchat_abuse.py."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
import redis
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlmodel import select

from bot.channels import webchat
from bot.db.database import transaction
from bot.db.tables import ContactAddress, Message, Ticket
from bot.flows.messages import OutboundMessage
from bot.jobs.outbox import unit_of_work
from bot.messaging.media import media_link
from bot.messaging.outbound import queue_message
from bot.messaging.sending import Outgoing, SendError
from tests.support.app import all_rows
from tests.support.webchat import PHOTO, Chat, session_of, text_of

PNG = b"\x89PNG\r\n\x1a\n the rest of a PNG"


@pytest.fixture
def chat(client) -> Chat:
    return Chat(client)


def media_files(app) -> list[Path]:
    folder = Path(app.extensions["ventanilla"].config.media_dir)
    return sorted(folder.iterdir()) if folder.exists() else []


# --- sessions --------------------------------------------------------------------------------------


def test_a_session_token_names_a_session_and_comes_back_fresh(app, chat):
    session = session_of(app, chat.token)
    assert len(session) == 32 and int(session, 16) >= 0
    first = chat.token
    replies = chat.says(text="hola")
    assert replies and session_of(app, chat.token) == session
    assert chat.limits == {
        "max_text": 2000,
        "max_photo_bytes": 10 * 1024 * 1024,
        "photo_types": ["image/jpeg", "image/png", "image/webp"],
    }
    assert session_of(app, first) == session  # the old one still works until it expires


def test_the_session_answer_says_how_long_it_lasts(client):
    assert client.post("/webchat/api/session").json["expires_in"] == 120 * 60  # flows.yaml: expire_after_minutes


class _SignedLongAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 3 * 3600


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        URLSafeTimedSerializer("another-key", salt="webchat").dumps("0" * 32),  # someone else's key
        "EXPIRED",
        "NOT_A_SESSION",
    ],
)
def test_a_bad_or_expired_token_is_401(app, client, token):
    key = app.extensions["ventanilla"].config.secret_key
    if token == "EXPIRED":
        token = URLSafeTimedSerializer(key, salt="webchat", signer=_SignedLongAgo).dumps(uuid.uuid4().hex)
    elif token == "NOT_A_SESSION":
        token = URLSafeTimedSerializer(key, salt="webchat").dumps({"sid": "x"})
    response = client.post("/webchat/api/messages", json={"token": token, "id": "m1", "text": "hola"})
    assert response.status_code == 401 and response.json["error"] == "invalid_session"
    assert client.get("/webchat/api/updates", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert all_rows_count(app) == 0


def test_no_token_is_401(client):
    response = client.post("/webchat/api/messages", json={"id": "m1", "text": "hola"})
    assert response.status_code == 401 and response.json["error"] == "no_session"


def all_rows_count(app) -> int:
    with transaction(app.extensions["ventanilla"].engine) as session:
        return len(session.exec(select(Message)).all())


# --- a whole report ------------------------------------------------------------------------------


def test_a_pothole_report_through_the_json_api(app, chat, db):
    menu = chat.says(text="hola")
    assert "Reportar un bache" in menu[-1]["options"] and "pothole" in menu[-1]["option_ids"]
    assert "Dónde" in text_of(chat.says(payload="pothole", text="Reportar un bache"))
    assert "foto" in text_of(chat.says(location={"latitude": 25.6581, "longitude": -100.4025}))
    response = chat.photo()
    assert response.status_code == 200, response.data
    assert "¿Lo envío?" in text_of(response.json["replies"])
    done = text_of(chat.says(text="sí"))
    assert "folio" in done

    (ticket,) = all_rows(db, Ticket)
    assert ticket.folio in done and ticket.channel == "webchat" and ticket.category == "bache"
    assert (ticket.latitude, ticket.longitude) == (25.6581, -100.4025)
    (photo,) = ticket.media
    (stored,) = media_files(app)
    assert photo == {
        "url": f"/webchat/media/{stored.name}",
        "content_type": "image/jpeg",
        "stored": stored.name,
        "size": len(PHOTO),
    }
    assert stored.read_bytes() == PHOTO
    (address,) = all_rows(db, ContactAddress)
    assert (address.kind, address.address) == ("webchat", session_of(app, chat.token))
    assert chat.client.get(photo["url"]).status_code == 403  # the ticket's reference alone opens nothing
    served = chat.client.get(signed(app, stored.name))
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data == PHOTO
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_the_same_message_id_twice_is_one_message_with_the_same_replies(app, chat, db):
    first = chat.post(id="same-id", text="hola")
    again = chat.post(id="same-id", text="hola")
    assert first.status_code == again.status_code == 200
    assert first.json["replies"] == again.json["replies"] and again.json["duplicate"] is True
    inbound = [m for m in all_rows(db, Message) if m.direction == "in"]
    assert len(inbound) == 1 and inbound[0].provider == "webchat"


def test_message_ids_belong_to_their_session(client, db):
    alice, bob = Chat(client), Chat(client)
    alice.says(id="m-1", text="hola")
    replies = bob.post(id="m-1", text="bache")  # the same client id in another session is another message
    assert replies.json["duplicate"] is False and "¿Aceptas?" in text_of(replies.json["replies"])  # the notice
    assert len([m for m in all_rows(db, Message) if m.direction == "in"]) == 2


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'"hola"',
        json.dumps({"id": "m1", "text": 5}).encode(),
        json.dumps({"id": "m1", "text": ["hola"]}).encode(),
        json.dumps({"id": "m1", "text": "x" * 2001}).encode(),
        json.dumps({"id": "m1", "payload": {"a": 1}}).encode(),
        json.dumps({"id": "m1", "location": "Morelos y 5 de Mayo"}).encode(),
        json.dumps({"id": "m1", "location": {"latitude": "25.6", "longitude": -100.4}}).encode(),
        json.dumps({"id": "m1", "location": {"latitude": True, "longitude": -100.4}}).encode(),
        json.dumps({"id": "m1", "location": {"latitude": 95, "longitude": -100.4}}).encode(),
        json.dumps({"id": "m1", "location": {"latitude": 25.6}}).encode(),
        json.dumps({"id": 7, "text": "hola"}).encode(),
        json.dumps({"id": "", "text": "hola"}).encode(),
        json.dumps({"id": "a/b", "text": "hola"}).encode(),
        json.dumps({"text": "hola"}).encode(),
        json.dumps({"id": "m1", "text": "   "}).encode(),
        json.dumps({"id": "m1", "token": 12, "text": "hola"}).encode(),
    ],
)
def test_malformed_messages_are_400_never_500(app, client, body):
    token = Chat(client).token
    if body.startswith(b"{") and b'"token"' not in body and body != b"{not json":
        body = json.dumps({"token": token, **json.loads(body)}).encode()
    response = client.post("/webchat/api/messages", data=body, content_type="application/json")
    assert response.status_code == 400, response.data
    assert response.json["error"] in ("bad_request", "too_long", "empty")
    assert all_rows_count(app) == 0


def test_2000_characters_is_fine(chat):
    assert chat.says(text="bache " + "x" * 1994)


def test_a_text_plain_body_works_too(client):
    """The widget sends its JSON as text/plain: a simple request, no CORS preflight."""
    token = Chat(client).token
    body = json.dumps({"token": token, "id": "m1", "text": "hola"})
    response = client.post("/webchat/api/messages", data=body, content_type="text/plain;charset=UTF-8")
    assert response.status_code == 200 and response.json["replies"]


def _small_limit(app, limit: int) -> None:
    svc = app.extensions["ventanilla"]
    svc.config = svc.config.replace(media_max_bytes=limit)


@pytest.mark.parametrize("size", [1001, 200_000])  # just over (read and refused), far over (Content-Length)
def test_a_photo_too_large_is_413_and_nothing_is_stored(app, chat, size):
    _small_limit(app, 1000)
    response = chat.photo(PHOTO + b"0" * (size - len(PHOTO)))
    assert response.status_code == 413 and response.json["error"] == "too_large"
    assert "MB" in response.json["detail"]
    assert media_files(app) == [] and all_rows_count(app) == 0


def test_a_photo_at_the_limit_is_fine(app, chat):
    _small_limit(app, 1000)
    assert chat.photo(PHOTO + b"0" * (1000 - len(PHOTO))).status_code == 200


@pytest.mark.parametrize(
    "content, content_type",
    [
        (b"<html><script>alert(1)</script>", "text/html"),
        (b"<svg onload=alert(1)>", "image/svg+xml"),
        (b"%PDF-1.7", "application/pdf"),
        (b"<html><script>alert(1)</script>", "image/jpeg"),  # says JPEG, is not
        (PNG, "image/jpeg"),
        (PHOTO, "application/octet-stream"),
    ],
)
def test_a_file_that_is_not_an_accepted_photo_is_415_and_nothing_is_stored(app, chat, content, content_type):
    response = chat.photo(content, content_type)
    assert response.status_code == 415 and response.json["error"] == "unsupported_type"
    assert media_files(app) == [] and all_rows_count(app) == 0


def test_a_png_is_a_photo_too(app, chat):
    assert chat.photo(PNG, "image/png").status_code == 200
    (stored,) = media_files(app)
    assert stored.suffix == ".png" and chat.client.get(signed(app, stored.name)).mimetype == "image/png"


def test_a_stored_photo_opens_only_through_a_signed_link_that_expires(app, chat):
    """Its name travels in payloads: alone, or with a stale or forged signature, it opens nothing."""
    chat.photo(PNG, "image/png")
    (stored,) = media_files(app)
    assert chat.client.get(f"/webchat/media/{stored.name}").status_code == 403
    expired = signed(app, stored.name, now=time.time() - 7200)
    assert chat.client.get(expired).status_code == 403
    forged = signed(app, stored.name).replace("sig=", "sig=0")
    assert chat.client.get(forged).status_code == 403
    assert chat.client.get(signed(app, stored.name)).status_code == 200


def signed(app, name: str, now: float | None = None) -> str:
    """The web chat's path of a stored photo with a link signature valid for an hour (from now)."""
    link = media_link(app.extensions["ventanilla"].config, name, 3600, now=now)
    return "/webchat" + link


def test_photo_refusals(app, chat, client):
    assert chat.photo(token="forged").status_code == 401
    assert chat.photo(id="../x").status_code == 400
    no_file = client.post(
        "/webchat/api/photo", data={"token": chat.token, "id": "p1"}, content_type="multipart/form-data"
    )
    assert no_file.status_code == 400 and no_file.json["error"] == "bad_request"
    assert media_files(app) == []


@pytest.mark.parametrize("name", ["nothing.jpg", "..%2Fsecret_key", "secret_key", ".hidden.jpg"])
def test_media_we_do_not_have_is_404(app, client, name):
    assert client.get(signed(app, name)).status_code == 404


def test_only_pictures_are_served_from_the_media_store(app, client):
    folder = Path(app.extensions["ventanilla"].config.media_dir)
    folder.mkdir(parents=True)
    (folder / ("a" * 32 + ".pdf")).write_bytes(b"%PDF-1.7")
    (folder / ("b" * 32 + ".svg")).write_bytes(b"<svg onload=alert(1)>")
    assert client.get(signed(app, "a" * 32 + ".pdf")).status_code == 404
    assert client.get(signed(app, "b" * 32 + ".svg")).status_code == 404


# --- pages and CORS --------------------------------------------------------------------------------


def test_the_demo_page_embeds_the_widget_with_one_script_tag(client):
    page = client.get("/webchat/")
    assert page.status_code == 200 and '<html lang="es">' in page.text
    assert page.text.count("<script") == 1 and '/webchat/widget.js" defer></script>' in page.text
    assert '<html lang="en">' in client.get("/webchat/?lang=en").text
    widget = client.get("/webchat/widget.js")
    assert widget.status_code == 200 and widget.mimetype == "text/javascript"
    assert "innerHTML" not in widget.text and "textContent" in widget.text
    assert len(widget.data) < 18 * 1024


def test_the_api_answers_other_origins(client):
    preflight = client.options(
        "/webchat/api/messages",
        headers={
            "Origin": "https://www.municipio.gob.mx",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers  # the token is the only credential
    assert client.post("/webchat/api/session").headers["Access-Control-Allow-Origin"] == "*"


# --- later messages -------------------------------------------------------------------------------


def _subscribe(redis_url: str, channel: str):
    pubsub = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel)
    assert pubsub.get_message(timeout=5) is None  # the subscription confirmed (and ignored)
    return pubsub


def _next_message(pubsub, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.5)
        if message and message["type"] == "message":
            return json.loads(message["data"])
    raise AssertionError("nothing was published")


def test_send_publishes_on_the_session_channel(app, redis_url):
    session = uuid.uuid4().hex
    pubsub = _subscribe(redis_url, f"webchat:{session}")
    message = OutboundMessage("Una persona del municipio te escribe.", ("Sí", "No"), ("yes", "no"))
    with app.app_context():
        svc = app.extensions["ventanilla"]
        sent_id = webchat.send(svc, Outgoing(channel="webchat", to=session, message=message))
        second_id = webchat.send(svc, Outgoing(channel="webchat", to=session, message=OutboundMessage("Otro")))
    assert sent_id.startswith("webchat-") and second_id != sent_id
    first = _next_message(pubsub)
    assert first == {
        "seq": 1,
        "id": sent_id,
        "text": message.text,
        "options": ["Sí", "No"],
        "option_ids": ["yes", "no"],
    }
    assert _next_message(pubsub)["seq"] == 2
    pubsub.close()


def test_send_refuses_what_is_not_a_session(app):
    with pytest.raises(SendError) as refused:
        webchat.send(
            app.extensions["ventanilla"], Outgoing(channel="webchat", to="+528112345678", message=OutboundMessage("x"))
        )
    assert refused.value.retryable is False


def test_a_notice_queued_for_a_web_chat_resident_is_published(app, chat, db, run_worker, redis_url):
    chat.says(text="hola")
    session = session_of(app, chat.token)
    pubsub = _subscribe(redis_url, f"webchat:{session}")
    svc = app.extensions["ventanilla"]
    (address,) = all_rows(db, ContactAddress)
    with unit_of_work(svc) as session_:
        queued = queue_message(
            session_, svc.flows, address.contact_id, "ticket_update", OutboundMessage("✅ Quedó atendido.")
        )
    run_worker()
    assert _next_message(pubsub)["text"] == "✅ Quedó atendido."
    sent = next(m for m in all_rows(db, Message) if m.id == queued.id)
    assert sent.status == "sent" and sent.provider_id.startswith("webchat-")
    pubsub.close()


def test_the_pages_language_answers_a_first_message_that_shows_none(client):
    english_page = Chat(client)
    assert "How can I help?" in text_of(english_page.says(text="123", lang="en"))
    spanish_page = Chat(client)
    assert "¿En qué te ayudo?" in text_of(spanish_page.says(text="123", lang="es"))


def test_what_the_resident_writes_outweighs_the_pages_language(client):
    assert "¿En qué te ayudo?" in text_of(Chat(client).says(text="hola", lang="en"))


def test_an_unknown_page_language_is_ignored(client):
    assert "¿En qué te ayudo?" in text_of(Chat(client).says(text="123", lang="xx"))


# --- limits ------------------------------------------------------------------------------------------


@pytest.fixture
def limited_app(tmp_path, redis_url):
    from bot import create_app
    from bot.db.database import create_tables
    from tests.support.app import app_settings

    app = create_app(
        app_settings(tmp_path, redis_url, webchat_message_limit="3 per minute", webchat_session_limit="2 per minute")
    )
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


def test_a_flood_from_one_conversation_is_slowed_and_others_go_on(limited_app):
    from bot.db.tables import Message

    flooding = Chat(limited_app.test_client(), accepts_notice=False)
    neighbour = Chat(limited_app.test_client())
    for text in ("hola", "bache", "sí"):
        flooding.says(text=text)  # a fresh token each time: still the same conversation
    refused = flooding.post(text="otra vez")
    assert refused.status_code == 429 and refused.json["error"] == "too_many_requests"
    assert neighbour.says(text="hola")  # someone else behind the same address is not held up
    with limited_app.app_context():
        from sqlmodel import Session, select

        with Session(limited_app.extensions["ventanilla"].engine) as db:
            assert "otra vez" not in [m.text for m in db.exec(select(Message))]
    assert limited_app.test_client().post("/webchat/api/session").status_code == 429  # 2 sessions a minute per address
