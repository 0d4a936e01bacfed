"""Prometheus metrics at /metrics: behind a bearer token, moved by a real conversation, the backlog read at scrape."""

from __future__ import annotations

import urllib.request
from datetime import timedelta

import pytest
import responses
from prometheus_client.parser import text_string_to_metric_families

from bot import create_app
from bot.db.database import create_tables
from bot.db.tables import Outbox, utcnow
from bot.jobs.outbox import unit_of_work
from tests.support.app import Resident, app_settings
from tests.support.processes import free_port, gunicorn, send_signed, wait_until
from tests.support.residents import file_pothole
from tests.support.stack import Department, Stack
from tests.support.webchat import web_environment

TOKEN = "metrics-token-for-the-tests-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
DEMO_INBOX = "http://127.0.0.1:5000/demo/inbox/obras_publicas"


@pytest.fixture
def app(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url, metrics_token=TOKEN))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


def scrape(client) -> dict[tuple[str, tuple], float]:
    """Every sample /metrics answers, by name and sorted labels."""
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_unset_token_means_no_metrics_route(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url))
    assert app.test_client().get("/metrics", headers=BEARER).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}],
    ids=["none", "wrong", "no-scheme", "basic"],
)
def test_without_the_token_metrics_answer_401(client, headers):
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "ventanilla_" not in response.text


def test_a_conversation_through_the_twilio_webhook_moves_the_counters(client, no_network, run_worker):
    no_network.add(responses.POST, DEMO_INBOX, json={"received": True})
    before = scrape(client)
    file_pothole(Resident(client))
    run_worker()  # delivers the ticket (SimpleWorker: in this process)
    after = scrape(client)
    assert moved(before, after, "ventanilla_messages_in_total", channel="whatsapp") >= 5
    assert moved(before, after, "ventanilla_messages_out_total", channel="whatsapp", status="replied_inline") >= 5
    assert moved(before, after, "ventanilla_tickets_opened_total", department="obras_publicas") == 1
    assert moved(before, after, "ventanilla_webhook_seconds_count", provider="twilio") >= 5
    assert moved(before, after, "ventanilla_delivery_attempts_total", department="obras_publicas", kind="webhook") == 1
    assert moved(before, after, "ventanilla_delivery_failures_total", department="obras_publicas", kind="webhook") == 0
    assert moved(before, after, "ventanilla_job_seconds_count", job="deliver_ticket") == 1
    assert after[("ventanilla_outbox_pending", ())] == 0
    assert after[("ventanilla_rq_queue_depth", (("queue", "ventanilla"),))] == 0
    assert ("ventanilla_webchat_polls_open", ()) in after


def test_a_department_refusing_counts_a_failed_delivery(client, no_network, run_worker):
    no_network.add(responses.POST, DEMO_INBOX, status=500)
    before = scrape(client)
    file_pothole(Resident(client))
    run_worker()
    after = scrape(client)
    assert moved(before, after, "ventanilla_delivery_attempts_total", department="obras_publicas", kind="webhook") == 1
    assert moved(before, after, "ventanilla_delivery_failures_total", department="obras_publicas", kind="webhook") == 1
    assert after[("ventanilla_outbox_pending", ())] == 1  # waiting for its next try


def test_the_backlog_gauges_read_the_pending_outbox_rows(app, client):
    assert scrape(client)[("ventanilla_outbox_pending", ())] == 0
    assert scrape(client)[("ventanilla_outbox_oldest_pending_seconds", ())] == 0
    svc = app.extensions["ventanilla"]
    with unit_of_work(svc) as session:
        session.add(Outbox(kind="send_messages", payload={"message_ids": []}, created_at=utcnow() - timedelta(hours=1)))
        session.add(Outbox(kind="send_messages", payload={"message_ids": []}))
        session.add(Outbox(kind="send_messages", payload={"message_ids": []}, status="done"))
    samples = scrape(client)
    assert samples[("ventanilla_outbox_pending", ())] == 2
    assert 3590 < samples[("ventanilla_outbox_oldest_pending_seconds", ())] < 3700
    assert samples[("ventanilla_rq_queue_depth", (("queue", "ventanilla"),))] == 3  # each added row enqueued on commit


def test_gunicorn_processes_add_up_in_the_multiprocess_folder(tmp_path, redis_url):
    """Under gunicorn each web process writes its values to PROMETHEUS_MULTIPROC_DIR and a scrape, answered by any
    one of them, adds them all up; gunicorn.conf.py empties the folder at start."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"left by a previous run")
    port = free_port()
    env = web_environment(tmp_path, redis_url, port, PROMETHEUS_MULTIPROC_DIR=str(folder), METRICS_TOKEN=TOKEN)
    options = ("--workers", "3", "--worker-class", "gthread", "--threads", "2")
    with gunicorn(env, port, tmp_path / "gunicorn.log", *options) as base:
        assert not (folder / "counter_999999.db").exists()
        for n in range(12):  # twelve residents: the balancer of gunicorn's processes spreads them
            status, _ = send_signed(base, f"+521811000{n:04d}", "hola")
            assert status == 200
        request = urllib.request.Request(base + "/metrics", headers=BEARER)
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
    values = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert values[("ventanilla_messages_in_total", (("channel", "whatsapp"),))] == 12
    assert values[("ventanilla_webhook_seconds_count", (("provider", "twilio"),))] == 12
    assert len(list(folder.glob("counter_*.db"))) >= 1


def test_the_workers_jobs_count_in_one_set_of_files_per_worker(tmp_path):
    """RQ forks a process per job: with one_file_set_per_worker() (worker.py) the jobs' counts land in the worker's
    own files, not a new set per job, and a scrape of the web adds them to the web processes' counts."""
    folder = tmp_path / "prometheus"
    folder.mkdir()  # every process that imports the metrics with the variable set needs it to exist
    department = Department()
    stack = Stack(tmp_path, department)
    stack.env.update(PROMETHEUS_MULTIPROC_DIR=str(folder), METRICS_TOKEN=TOKEN)
    stack.init_db()
    try:
        stack.start("redis", "web")  # gunicorn empties the folder as it starts: before the worker writes there
        stack.start("worker", "relay")
        for resident in range(3):
            stack.report_pothole(resident)
        wait_until(lambda: [status for _, status in stack.tickets()] == ["delivered"] * 3, timeout=60)
        request = urllib.request.Request(stack.base + "/metrics", headers=BEARER)
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
    finally:
        stack.stop_all()
        department.close()
    values = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    delivered = (("department", "obras_publicas"), ("kind", "webhook"))
    assert values[("ventanilla_delivery_attempts_total", delivered)] == 3
    assert values[("ventanilla_job_seconds_count", (("job", "deliver_ticket"),))] == 3
    assert values[("ventanilla_tickets_opened_total", (("department", "obras_publicas"),))] == 3
    worker_files = [path.name for path in folder.glob("*_worker*.db")]
    # three jobs, one set of files: the worker's (not one per job's process)
    assert sorted(name.split("_worker")[0] for name in worker_files) == ["counter", "histogram"], worker_files
