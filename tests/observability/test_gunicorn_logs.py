"""gunicorn running the Procfile's web command writes only JSON lines: its own, the access log and the app's.

The access line names the method, path (never the query), status, duration and the request's id,
and leaves out the client's address and user agent; one request's id is on the access line and on
the app's lines alike.
"""

from __future__ import annotations

import json
import re
import urllib.request

from tests.support.processes import free_port, gunicorn, wait_until
from tests.support.webchat import procfile_web_options, web_environment

PROXY_ID = "req-0d9c3b7a-6e21-4f58-a1c4-2b7e9d5f8a63"


def test_every_line_is_json_and_the_access_line_has_no_query(tmp_path, redis_url):
    port = free_port()
    env = web_environment(tmp_path, redis_url, port, LOG_FORMAT="json")
    log = tmp_path / "gunicorn.log"
    with gunicorn(env, port, log, *procfile_web_options(env)) as base:
        asked = urllib.request.Request(
            f"{base}/healthz?phone=5218155501234&sig=AbC-d_9", headers={"X-Request-ID": PROXY_ID}
        )
        with urllib.request.urlopen(asked, timeout=10) as response:
            assert response.status == 200 and response.headers["X-Request-ID"] == PROXY_ID
        wait_until(lambda: PROXY_ID in log.read_text())
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # each line parses alone
    assert {"gunicorn.error", "gunicorn.access"} <= {line["logger"] for line in lines}
    assert all(line["role"] == "web" and line["time"].endswith("+00:00") for line in lines), text[-2000:]
    (access,) = [line for line in lines if line.get("request_id") == PROXY_ID]
    assert access["logger"] == "gunicorn.access" and access["message"] == "GET /healthz 200"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/healthz", 200)
    assert isinstance(access["duration_ms"], float) and access["bytes"] > 0
    assert "5218155501234" not in text and "sig=" not in text and "127.0.0.1 " not in text
    assert "Python-urllib" not in text  # no user agent


def test_each_web_process_freezes_what_the_app_loaded(tmp_path, redis_url):
    # Full garbage collections would otherwise walk the app's objects again every few requests (the dashboard's
    # slowest answers in bench/dashboard.py); gunicorn.conf.py's post_worker_init moves them out of reach.
    port = free_port()
    env = web_environment(tmp_path, redis_url, port, LOG_FORMAT="json")
    log = tmp_path / "gunicorn.log"
    with gunicorn(env, port, log, *procfile_web_options(env)):
        wait_until(lambda: log.read_text().count("froze the ") >= 2)  # the Procfile's two web processes
    frozen = [
        int(re.search(r"froze the (\d+) objects", line["message"])[1])
        for line in map(json.loads, log.read_text().splitlines())
        if line["message"].startswith("froze the ")
    ]
    assert len(frozen) == 2 and min(frozen) > 50_000, frozen  # flows, the gazetteer, modules: not a handful
