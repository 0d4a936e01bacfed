"""gunicorn running the Procfile's web command writes only JSON lines: its own, the access log and the app's.

The access line names the method, path (never the query), status, duration and the request's id,
and leaves out the client's address and user agent; one request's id is on the access line and on
the app's lines alike.
"""

from __future__ import annotations

import json
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
