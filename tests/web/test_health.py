"""/healthz says the process answers; /readyz says whether the database, Redis and the outbox relay do (issue 14)."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import timedelta

import pytest

from bot import create_app
from bot.db.database import create_tables
from bot.jobs.outbox import LAST_RUN_KEY, relay
from tests.support.app import app_settings
from tests.support.processes import free_port, wait_until
from tests.support.stack import REDIS_SERVER


def relay_once(app) -> None:
    svc = app.extensions["ventanilla"]
    relay(svc.engine, svc.queue, timedelta(0))


def test_liveness_touches_nothing_and_says_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_ready_when_the_database_redis_and_a_recent_relay_answer(app, client):
    relay_once(app)
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {"database": "ok", "redis": "ok", "relay": "ok", "failed": []}


def test_not_ready_before_any_relay_has_run(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["relay"] and response.json["relay"] == "stale: the relay has not run"


def test_not_ready_when_the_relay_last_ran_longer_ago_than_relay_stale_seconds(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url, relay_stale_seconds=60))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    redis = app.extensions["ventanilla"].redis
    redis.set(LAST_RUN_KEY, repr(time.time() - 59))
    assert app.test_client().get("/readyz").status_code == 200
    redis.set(LAST_RUN_KEY, repr(time.time() - 300))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["failed"] == ["relay"]
    assert response.json["relay"].startswith("stale: the relay last ran 300 s ago")
    relay_once(app)  # the relay's next run makes it ready again
    assert app.test_client().get("/readyz").status_code == 200


def test_not_ready_when_the_database_does_not_answer(tmp_path, redis_url):
    folder = tmp_path / "a-folder-not-a-database"
    folder.mkdir()
    app = create_app(app_settings(tmp_path, redis_url, database_url=f"sqlite:///{folder}"))
    app.extensions["ventanilla"].redis.set(LAST_RUN_KEY, repr(time.time()))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["database"] and response.json["database"] == "error: OperationalError"
    assert str(tmp_path) not in response.text  # no URL, path or message: the error's type only
    assert app.test_client().get("/healthz").status_code == 200


@pytest.fixture
def redis_process():
    """A real redis-server of the test's own, to stop in the middle (SIGKILL, as tests/faults/ does)."""
    port = free_port()
    command = [str(REDIS_SERVER), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    import redis

    def answers() -> bool:
        try:
            return bool(redis.Redis(port=port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    wait_until(answers, timeout=20)
    yield f"redis://127.0.0.1:{port}/0", process
    if process.poll() is None:
        process.kill()
        process.wait(timeout=20)


def test_not_ready_when_redis_stops_yet_still_alive(tmp_path, redis_process):
    url, process = redis_process
    app = create_app(app_settings(tmp_path, url))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    relay_once(app)
    assert app.test_client().get("/readyz").status_code == 200
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=20)
    started = time.monotonic()
    response = app.test_client().get("/readyz")
    assert time.monotonic() - started < 10  # short timeouts: a balancer's probe gets an answer
    assert response.status_code == 503
    assert response.json["failed"] == ["redis", "relay"] and response.json["redis"].startswith("error: ")
    assert response.json["database"] == "ok"
    assert "127.0.0.1" not in response.text and "redis://" not in response.text
    assert app.test_client().get("/healthz").status_code == 200  # alive: nothing to restart
