"""Later web chat messages by long polling: what a poll answers, the token only in a header, and the caps
on polls waiting at once (per conversation, per address, per process) that keep the webhooks' threads free.

The same under real gunicorn, with 200 polls and the Twilio webhook timed: test_webchat_processes.py.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis as redis_lib

from bot.channels import webchat, webchat_polls
from bot.flows.messages import OutboundMessage
from bot.messaging.sending import Outgoing
from tests.support.processes import free_port
from tests.support.webchat import Chat, session_of


def configure(app, **settings) -> None:
    svc = app.extensions["ventanilla"]
    svc.config = svc.config.replace(**settings)


def publish(app, resident: Chat, text: str) -> None:
    session = session_of(app, resident.token)
    webchat.send(app.extensions["ventanilla"], Outgoing(channel="webchat", to=session, message=OutboundMessage(text)))


def poll(client, token: str, after: int = 0, **headers):
    return client.get(f"/webchat/api/updates?after={after}", headers={"Authorization": f"Bearer {token}", **headers})


def texts(response) -> list[str]:
    return [message["text"] for message in response.json["messages"]]


@pytest.fixture
def chat(client) -> Chat:
    return Chat(client)


@pytest.fixture
def short_polls(app):
    """Polls that wait a second at most, so a test never hangs on one."""
    configure(app, webchat_poll_seconds=1)


# --- what a poll answers ------------------------------------------------------------------------------


def test_a_poll_answers_what_was_kept_at_once(app, client, chat, short_polls):
    for text in ("uno", "dos", "tres"):
        publish(app, chat, text)
    started = time.monotonic()
    response = poll(client, chat.token, after=1)
    assert time.monotonic() - started < 0.9  # no waiting when something is kept
    assert response.status_code == 200 and texts(response) == ["dos", "tres"]
    assert response.json["after"] == 3 and response.json["messages"][0]["seq"] == 2
    assert response.headers["Cache-Control"] == "no-store"


def test_a_poll_with_nothing_new_waits_then_answers_empty(app, client, chat, short_polls):
    publish(app, chat, "uno")
    started = time.monotonic()
    response = poll(client, chat.token, after=1)
    assert response.status_code == 200 and response.json == {"messages": [], "after": 1}
    assert 0.9 <= time.monotonic() - started < 5


def test_a_waiting_poll_gets_a_message_published_meanwhile(app, client, chat):
    configure(app, webchat_poll_seconds=10)
    timer = threading.Timer(0.5, publish, (app, chat, "Hola de una persona"))
    started = time.monotonic()
    timer.start()
    response = poll(client, chat.token)
    assert texts(response) == ["Hola de una persona"] and response.json["after"] == 1
    assert time.monotonic() - started < 5  # answered when it came, not at the end of the wait
    message = response.json["messages"][0]
    assert message["options"] == [] and message["id"].startswith("webchat-")


def test_polls_are_per_session(app, client, short_polls):
    alice, bob = Chat(client), Chat(client)
    publish(app, alice, "para Alice")
    assert texts(poll(client, bob.token)) == []
    assert texts(poll(client, alice.token)) == ["para Alice"]


# --- the token: a header, never the URL ------------------------------------------------------------------


def test_the_token_travels_in_the_authorization_header_only(app, client, chat, short_polls):
    publish(app, chat, "uno")
    in_query = client.get(f"/webchat/api/updates?after=0&token={chat.token}")
    assert in_query.status_code == 401 and in_query.json["error"] == "no_session"
    assert poll(client, "forged").status_code == 401
    basic = client.get("/webchat/api/updates", headers={"Authorization": f"Basic {chat.token}"})
    assert basic.status_code == 401
    assert texts(poll(client, chat.token)) == ["uno"]


def test_the_widget_never_puts_a_token_in_a_url(client):
    widget = client.get("/webchat/widget.js").text
    assert "EventSource" not in widget and "token=" not in widget and "/api/stream" not in widget
    assert '"Bearer "' in widget and "/api/updates?after=" in widget


def test_the_preflight_allows_the_authorization_header(client):
    preflight = client.options(
        "/webchat/api/updates",
        headers={
            "Origin": "https://www.municipio.gob.mx",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert preflight.headers["Access-Control-Expose-Headers"] == "Retry-After"


# --- caps on polls waiting at once -------------------------------------------------------------------------


def poll_from(client, token: str, address: str):
    return client.get(
        "/webchat/api/updates", headers={"Authorization": f"Bearer {token}"}, environ_base={"REMOTE_ADDR": address}
    )


def start_waiting(app, tokens: list[str], addresses: list[str]) -> ThreadPoolExecutor:
    pool = ThreadPoolExecutor(max_workers=len(tokens))
    before = webchat_polls.holding_here()
    for token, address in zip(tokens, addresses, strict=True):
        pool.submit(poll_from, app.test_client(), token, address)
    deadline = time.monotonic() + 10
    while webchat_polls.holding_here() < before + len(tokens):
        assert time.monotonic() < deadline, "the polls did not start waiting"
        time.sleep(0.02)
    return pool


def assert_busy(response, reason: str) -> None:
    assert response.status_code == 503, response.data
    assert response.json["error"] == "busy" and reason in response.json["detail"]
    assert int(response.headers["Retry-After"]) >= 5 and response.json["retry_after"] >= 5


def counters(redis_url: str) -> dict:
    r = redis_lib.Redis.from_url(redis_url)
    return {key.decode(): int(r.get(key) or 0) for key in r.scan_iter("webchat:polls:*")}


def test_one_conversation_holds_two_polls_at_most(app, client, redis_url):
    configure(app, webchat_poll_seconds=3, webchat_polls_per_session=2, webchat_polls_per_process=50)
    resident = Chat(client)
    pool = start_waiting(app, [resident.token] * 2, ["10.0.0.1", "10.0.0.2"])
    started = time.monotonic()
    assert_busy(poll_from(app.test_client(), resident.token, "10.0.0.3"), "session")
    assert time.monotonic() - started < 1  # refused at once, not after a wait
    assert poll_from(app.test_client(), Chat(client).token, "10.0.0.3").status_code == 200  # another conversation
    pool.shutdown(wait=True)
    assert set(counters(redis_url).values()) == {0}  # every place given back


def test_one_address_holds_four_polls_at_most(app, client, redis_url):
    configure(app, webchat_poll_seconds=3, webchat_polls_per_address=4, webchat_polls_per_process=50)
    tokens = [Chat(client).token for _ in range(5)]
    pool = start_waiting(app, tokens[:4], ["10.0.0.9"] * 4)
    assert_busy(poll_from(app.test_client(), tokens[4], "10.0.0.9"), "address")
    assert poll_from(app.test_client(), tokens[4], "10.0.0.10").status_code == 200  # a neighbour is not held up
    pool.shutdown(wait=True)
    assert set(counters(redis_url).values()) == {0}


def test_a_process_holds_only_its_share_of_polls_and_refuses_the_rest_at_once(app, client, redis_url):
    configure(app, webchat_poll_seconds=3, webchat_polls_per_address=100, webchat_polls_per_process=3)
    tokens = [Chat(client).token for _ in range(4)]
    pool = start_waiting(app, tokens[:3], [f"10.1.0.{i}" for i in range(3)])
    assert webchat_polls.holding_here() == 3
    assert_busy(poll_from(app.test_client(), tokens[3], "10.1.0.9"), "process")
    # A kept message is answered even now: only waiting needs a place.
    session = session_of(app, tokens[3])
    svc = app.extensions["ventanilla"]
    webchat.send(svc, Outgoing(channel="webchat", to=session, message=OutboundMessage("aviso")))
    assert texts(poll_from(app.test_client(), tokens[3], "10.1.0.9")) == ["aviso"]
    pool.shutdown(wait=True)
    assert webchat_polls.holding_here() == 0 and set(counters(redis_url).values()) == {0}


@pytest.mark.parametrize(
    "web_threads, setting, cap", [(None, None, 4), ("16", None, 4), ("8", None, 2), ("2", None, 1), ("8", 6, 6)]
)
def test_the_process_cap_is_a_quarter_of_the_procfiles_threads_unless_set(app, monkeypatch, web_threads, setting, cap):
    if web_threads is None:
        monkeypatch.delenv("WEB_THREADS", raising=False)
    else:
        monkeypatch.setenv("WEB_THREADS", web_threads)
    configure(app, webchat_polls_per_process=setting)
    assert webchat_polls.process_cap(app.extensions["ventanilla"].config) == cap


def test_with_redis_down_a_poll_is_503_not_500(app, client, chat, monkeypatch):
    svc = app.extensions["ventanilla"]
    monkeypatch.setattr(svc, "redis", redis_lib.Redis(port=free_port(), socket_connect_timeout=0.5))
    response = poll(client, chat.token)
    assert response.status_code == 503 and response.json["error"] == "unavailable"
    assert "Retry-After" in response.headers and webchat_polls.holding_here() == 0


def test_a_session_id_that_is_not_one_of_ours_cannot_wait(app, client, short_polls):
    token = Chat(client).token
    assert poll(client, token + "x").status_code == 401
    assert poll(client, uuid.uuid4().hex).status_code == 401
