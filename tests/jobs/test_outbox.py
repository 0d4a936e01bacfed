"""The outbox: a ticket committed while Redis is down is delivered later, once."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
import responses

from bot import create_app
from bot.db.database import create_tables
from bot.db.tables import Outbox, Ticket
from bot.jobs.outbox import relay
from tests.support.app import (
    AUTH_TOKEN,
    PUBLIC_URL,
    ROOT,
    Resident,
    all_rows,
    database_url,
)
from tests.support.departments import OBRAS_URL, department_endpoint


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_without_redis(tmp_path):
    app = create_app(
        {
            "database_url": database_url(tmp_path),
            "redis_url": f"redis://127.0.0.1:{unused_port()}/0",
            "flows_path": str(ROOT / "flows.yaml"),
            "public_url": PUBLIC_URL,
            "twilio_auth_token": AUTH_TOKEN,
        }
    )
    create_tables(app.extensions["ventanilla"].engine)
    return app


def test_redis_down_still_answers_and_keeps_the_ticket_for_later(app_without_redis, app, run_worker, db, no_network):
    resident = Resident(app_without_redis.test_client())
    for text in ("hola", "bache", "Morelos y 5 de Mayo", "omitir"):
        resident.says(text)
    assert "folio" in resident.says("sí")

    down = app_without_redis.extensions["ventanilla"]
    with down.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT status FROM outbox").scalars().all() == ["pending"]

    # Redis is back (the working app's Redis), with the same database: the relay enqueues it.
    up = app.extensions["ventanilla"]
    up.engine = down.engine
    received = department_endpoint(no_network, OBRAS_URL)
    from datetime import timedelta

    assert relay(up.engine, up.queue, timedelta(0)) == 1
    assert relay(up.engine, up.queue, timedelta(0)) == 0  # already queued: not twice
    run_worker()
    assert relay(up.engine, up.queue, timedelta(0)) == 0  # done: nothing left
    assert len(received) == 1
    with down.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT status FROM ticket").scalar() == "delivered"


def test_a_job_run_twice_delivers_once(resident, app, run_worker, db, no_network):
    received = department_endpoint(no_network, OBRAS_URL)
    for text in ("hola", "bache", "Morelos y 5 de Mayo", "omitir", "sí"):
        resident.says(text)
    run_worker()
    from bot.jobs.ticket_jobs import deliver_ticket

    with app.app_context():
        assert deliver_ticket(all_rows(db, Outbox)[0].id) == "nothing to do"
    assert len(received) == 1


def test_a_department_error_is_retried_not_lost(resident, app, run_worker, db, no_network):
    no_network.add(responses.POST, OBRAS_URL, status=503, body="maintenance")
    for text in ("hola", "bache", "Morelos y 5 de Mayo", "omitir", "sí"):
        resident.says(text)
    run_worker()
    (outbox,) = all_rows(db, Outbox)
    assert outbox.status == "pending" and outbox.attempts == 1 and "HTTP 503" in outbox.last_error
    assert all_rows(db, Ticket)[0].status == "received"
    wait = outbox.available_at.replace(tzinfo=None) - outbox.created_at.replace(tzinfo=None)
    assert 10 <= wait.total_seconds() <= 15  # the next try is written in the database, after a backoff
    svc = app.extensions["ventanilla"]
    assert relay(svc.engine, svc.queue, timedelta(0)) == 0  # not due yet
