"""Faults on the real processes: nothing a resident reported is lost, and no department gets it twice."""

from __future__ import annotations

import itertools
import time

import pytest

from tests.support.processes import wait_until
from tests.support.stack import Department, Stack
from tests.support.whatsapp import text_payload


@pytest.fixture
def department():
    department = Department()
    yield department
    department.close()


@pytest.fixture
def stack(tmp_path, department, request):
    stack = Stack(tmp_path, department, backoff_scale=getattr(request, "param", 0.05))
    stack.init_db()
    yield stack
    stack.stop_all()


def all_delivered(stack: Stack, count: int):
    return lambda: len(stack.tickets()) == count and all(status == "delivered" for _, status in stack.tickets())


def test_redis_stops_while_residents_keep_reporting(stack, department):
    stack.start("redis", "web", "worker", "relay")
    for resident in range(3):
        stack.report_pothole(resident)
    stack.kill("redis")
    for resident in range(3, 6):
        stack.report_pothole(resident)  # residents are still answered, with a folio
    assert len(stack.tickets()) == 6
    stack.start("redis")  # an empty Redis: whatever was queued in it is gone too
    wait_until(all_delivered(stack, 6), timeout=60)
    folios = {folio for folio, _ in stack.tickets()}
    assert department.accepted == folios
    assert sorted(department.requests) == sorted(folios), stack.log_tail()  # each delivered once


def test_a_worker_killed_in_the_middle_of_a_delivery(stack, department):
    department.behaviour = ["sleep:4", "ok"]
    stack.start("redis", "web", "worker", "relay")
    stack.report_pothole(1)
    wait_until(lambda: department.requests, timeout=30)  # the POST is out; the worker waits for the answer
    stack.kill("worker")  # SIGKILL, the worker and its work horse
    stack.start("worker")
    wait_until(all_delivered(stack, 1), timeout=90)
    ((folio, _),) = stack.tickets()
    assert department.accepted == {folio}  # the department has it once
    assert set(department.requests) == {folio}  # every repeat carried the same idempotency key
    time.sleep(2)
    assert len(stack.tickets()) == 1 and stack.tickets()[0][1] == "delivered"


def test_the_department_fails_then_times_out_then_recovers(stack, department):
    department.behaviour = ["500", "sleep:5", "ok"]  # the worker gives up waiting after 2 s
    stack.start("redis", "web", "worker", "relay")
    stack.report_pothole(1)
    wait_until(all_delivered(stack, 1), timeout=60)
    ((folio, _),) = stack.tickets()
    assert department.accepted == {folio} and department.requests.count(folio) >= 3


@pytest.mark.parametrize("stack", [0.002], indirect=True)  # the whole backoff schedule in about half a minute
def test_a_department_that_never_recovers_ends_in_delivery_failed(stack, department):
    department.behaviour = ["503"]
    stack.start("redis", "web", "worker", "relay")
    stack.report_pothole(1)
    wait_until(lambda: stack.tickets()[0][1] == "delivery_failed", timeout=90)
    from bot.jobs.attempts import MAX_ATTEMPTS

    assert len(department.requests) == MAX_ATTEMPTS and department.accepted == set()


def test_sends_to_residents_keep_the_pace_and_a_429_is_retried_not_dropped(tmp_path, department):
    """Through Meta's Cloud API (a fake Graph server): throttled twice, then every reply arrives, paced."""
    import hashlib
    import hmac
    import json
    import urllib.request

    from tests.support.stack import FakeGraph

    graph = FakeGraph(throttle_first=2)
    stack = Stack(tmp_path, department)
    stack.env.update(
        WHATSAPP_APP_SECRET="s3cret",
        WHATSAPP_TOKEN="token",
        WHATSAPP_PHONE_NUMBER_ID="1234",
        WHATSAPP_GRAPH_URL=graph.url,
        WHATSAPP_PER_SECOND="2",
    )
    stack.init_db()
    try:
        stack.start("redis", "web", "worker", "relay")
        residents = ["5218110000001", "5218110000002", "5218110000003"]
        for n, wa_id in enumerate(residents):
            payload = text_payload(wa_id, "hola", f"wamid.in{n}", name="Vecina", timestamp=1764158400)
            body = json.dumps(payload).encode()
            request = urllib.request.Request(stack.base + "/webhooks/whatsapp", data=body, method="POST")
            request.add_header("Content-Type", "application/json")
            request.add_header("X-Hub-Signature-256", "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest())
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 200
        wait_until(lambda: len(graph.accepted) == len(residents), timeout=60)
        assert graph.throttled == 2  # throttled, retried with backoff, never dropped
        assert sorted(body["to"] for _, body in graph.accepted) == [f"52811000000{n}" for n in (1, 2, 3)]
        moments = sorted(moment for moment, _ in graph.accepted)
        assert all(b - a >= 0.45 for a, b in itertools.pairwise(moments)), moments  # 2 per second from our number
    finally:
        stack.stop_all()
        graph.close()
