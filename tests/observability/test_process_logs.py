"""The real processes (gunicorn, worker.py, the relay) write only JSON lines, and the id a proxy gave one
resident's request is on the worker's lines for the job that request created (the access line's id:
test_gunicorn_logs.py)."""

from __future__ import annotations

import json

from tests.support.processes import POTHOLE, send_signed, wait_until
from tests.support.stack import Department, Stack

PROXY_ID = "req-4c8e1f2a-9b3d-4e7a-8c5f-1d2b3a4e5f60"


def test_a_residents_request_id_is_on_the_workers_lines_across_processes(tmp_path):
    department = Department()
    department.behaviour = ["500", "ok"]  # the first delivery fails: the worker logs it
    stack = Stack(tmp_path, department)
    stack.init_db()
    try:
        stack.start("redis", "web", "worker", "relay")
        sender = "+5218110000042"
        for text in POTHOLE[:-1]:
            assert send_signed(stack.base, sender, text)[0] == 200
        status, reply = send_signed(stack.base, sender, POTHOLE[-1], headers={"X-Request-ID": PROXY_ID})
        assert status == 200 and "folio" in reply
        wait_until(lambda: [status for _, status in stack.tickets()] == ["delivered"], timeout=60)
        wait_until(lambda: PROXY_ID in stack.logs["worker"].read_text())
    finally:
        stack.stop_all()
        department.close()
    lines = {name: _json_lines(path.read_text()) for name, path in stack.logs.items() if name != "redis"}
    for name, role in (("web", "web"), ("worker", "worker"), ("relay", "relay")):
        assert lines[name] and {line["role"] for line in lines[name]} == {role}, name
    ours = [line for line in lines["worker"] if line.get("request_id") == PROXY_ID]
    refused = [line for line in ours if line["logger"] == "bot.jobs.ticket_jobs"]
    assert refused and refused[0]["level"] == "WARNING" and "delivery of outbox" in refused[0]["message"], ours
    assert {line["job_id"] for line in ours} == {refused[0]["job_id"]} and refused[0]["job_id"].startswith("outbox-")
    assert "8110000042" not in "".join(path.read_text() for path in stack.logs.values())


def _json_lines(text: str) -> list[dict]:
    """Every line of a process's output, each one JSON object on its own (a line that is not fails the test)."""
    parsed = []
    for line in filter(str.strip, text.splitlines()):
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
    return parsed
