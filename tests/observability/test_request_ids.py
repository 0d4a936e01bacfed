"""A request's id: taken from the proxy when safe, returned, on every line of the request and of its jobs.

The end-to-end test is the real path: a resident's signed Twilio webhook carrying the proxy's
X-Request-ID opens a ticket; its delivery job runs in an RQ worker (refused once by the department,
so it logs, then retried through the relay, which reads the id back from the outbox row) and the
worker's JSON lines carry the same request_id, with the job's id.
"""

from __future__ import annotations

import logging
import re

import pytest
import responses
from flask import Response
from sqlmodel import select

from bot import create_app
from bot.db.database import create_tables, transaction
from bot.db.tables import Outbox, Ticket
from bot.jobs.outbox import ORIGIN_KEY
from tests.observability.logsupport import process_stderr
from tests.support.app import Resident, app_settings
from tests.support.departments import OBRAS_URL, work
from tests.support.outbox import relay_pending_now

PROXY_ID = "req-7f3a9c2e-51b4-4d0a-9e1f-0c2b6a8d4e11"
GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_app(tmp_path, redis_url):
    """(app, lines): an app whose process writes JSON lines, with a route that logs (a test's own)."""
    with process_stderr() as lines:
        app = create_app(app_settings(tmp_path, redis_url, log_format="json"))
        create_tables(app.extensions["ventanilla"].engine)

        def logs_twice() -> Response:
            logging.getLogger("bot.web.test").info("first line")
            logging.getLogger("bot.web.test").warning("second line")
            return Response("ok")

        app.add_url_rule("/test/logs-twice", view_func=logs_twice)
        yield app, lines
        app.extensions["ventanilla"].engine.dispose()


def test_the_proxys_safe_id_is_kept_returned_and_on_every_line(json_app):
    app, lines = json_app
    response = app.test_client().get("/test/logs-twice", headers={"X-Request-ID": PROXY_ID})
    assert response.headers["X-Request-ID"] == PROXY_ID
    mine = [line for line in lines.parsed() if line["logger"] == "bot.web.test"]
    assert [(line["message"], line["request_id"], line["role"]) for line in mine] == [
        ("first line", PROXY_ID, "cli"),  # a test process; wsgi.py says web
        ("second line", PROXY_ID, "cli"),
    ]


@pytest.mark.parametrize(
    "sent",
    [None, "", "short", "x" * 129, "id with spaces", "<script>alert(1)</script>", "+5218155501234", "5218155501234"],
)
def test_a_missing_or_unsafe_id_is_replaced_by_a_new_one(json_app, sent):
    app, lines = json_app
    headers = {} if sent is None else {"X-Request-ID": sent}
    response = app.test_client().get("/test/logs-twice", headers=headers)
    given = response.headers["X-Request-ID"]
    assert GENERATED.fullmatch(given) and given != sent
    assert {line["request_id"] for line in lines.parsed() if line["logger"] == "bot.web.test"} == {given}


def test_each_request_has_its_own_id_and_none_outlives_it(json_app):
    app, lines = json_app
    client = app.test_client()
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert first != second
    logging.getLogger("bot.web.test").info("after the requests")
    assert "request_id" not in lines.parsed()[-1]
    assert client.get("/no/such/page").headers["X-Request-ID"]  # a 404 has one too


def test_a_residents_request_id_reaches_the_workers_lines_for_its_jobs(json_app, no_network):
    app, lines = json_app
    tries = _department_refusing(no_network, times=2)
    resident = Resident(app.test_client())
    for text in ("hola", "bache", "Morelos y 5 de Mayo", "omitir"):
        resident.says(text)
    resident.client.environ_base["HTTP_X_REQUEST_ID"] = PROXY_ID  # the proxy's id on the message that files
    response = resident.send(Body="sí")
    del resident.client.environ_base["HTTP_X_REQUEST_ID"]
    assert response.status_code == 200 and response.headers["X-Request-ID"] == PROXY_ID
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine) as db:
        (row,) = db.exec(select(Outbox).where(Outbox.kind == "deliver_ticket")).all()
        assert db.exec(select(Ticket.status)).one() == "received"
    assert row.payload[ORIGIN_KEY] == PROXY_ID

    work(app)  # enqueued after the webhook's commit (the id in the job's meta): refused
    relay_pending_now(app)  # the relay enqueues the retry, the id read back from the outbox row: refused again
    work(app)
    relay_pending_now(app)
    work(app)  # delivered

    assert tries == [400, 400, 201]
    job_lines = [line for line in lines.parsed() if line.get("job_id") == f"outbox-{row.id}"]
    refused = [line for line in job_lines if line["logger"] == "bot.jobs.ticket_jobs"]
    assert [line["message"][: len(f"delivery of outbox {row.id} failed (attempt 1")] for line in refused] == [
        f"delivery of outbox {row.id} failed (attempt {n}" for n in (1, 2)
    ], job_lines
    assert [(line["level"], line["request_id"]) for line in refused] == [("WARNING", PROXY_ID)] * 2
    assert {line["request_id"] for line in job_lines} == {PROXY_ID}
    with transaction(svc.engine) as db:
        assert db.exec(select(Ticket.status)).one() == "delivered"


def test_a_job_outside_any_request_has_its_job_id_only(json_app, no_network):
    app, lines = json_app
    _department_refusing(no_network, times=1)
    resident = Resident(app.test_client())
    for text in ("hola", "bache", "Morelos y 5 de Mayo", "omitir", "sí"):
        resident.says(text)
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine) as db:
        (row,) = db.exec(select(Outbox).where(Outbox.kind == "deliver_ticket")).all()
        row.payload = {key: value for key, value in row.payload.items() if key != ORIGIN_KEY}  # an older row
        db.add(row)
    svc.redis.flushall()  # as if Redis lost the job: the relay enqueues it from the row
    relay_pending_now(app)
    work(app)
    (refused,) = [line for line in lines.parsed() if line["logger"] == "bot.jobs.ticket_jobs"]
    assert refused["job_id"] == f"outbox-{row.id}" and "request_id" not in refused


def _department_refusing(no_network, times: int) -> list[int]:
    """Obras Públicas' system: busy (400) the first times, then it takes the ticket; returns its answers."""
    answers: list[int] = []

    def answer(request):
        answers.append(400 if len(answers) < times else 201)
        return (answers[-1], {}, '{"error": "busy"}' if answers[-1] == 400 else '{"ok": true}')

    no_network.add_callback(responses.POST, OBRAS_URL, callback=answer)
    return answers
