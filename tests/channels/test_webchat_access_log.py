"""No token in gunicorn's access log: the widget sends it in a header, and the Procfile's log format
leaves every query string out anyway (the path only, no referrer)."""

from __future__ import annotations

import re
import urllib.request

from tests.support.processes import free_port, gunicorn, http_get, wait_until
from tests.support.webchat import procfile_web_options, session_token, web_environment


def test_the_procfile_runs_threaded_workers_and_logs_no_query_strings():
    options = procfile_web_options({})
    assert options[options.index("--worker-class") + 1] == "gthread"
    assert options[options.index("--threads") + 1] == "16" and options[options.index("--workers") + 1] == "2"
    log_format = options[options.index("--access-logformat") + 1]
    assert "%(U)s" in log_format
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%({"):  # the request line and referrer carry query strings; no headers
        assert atom not in log_format


def test_no_token_reaches_the_access_log(tmp_path, redis_url):
    port = free_port()
    # gunicorn's own text line, as the Procfile formats it (JSON lines: tests/observability/test_gunicorn_logs.py)
    env = web_environment(tmp_path, redis_url, port, WEBCHAT_POLL_SECONDS="1", LOG_FORMAT="text")
    log = tmp_path / "gunicorn.log"
    secret = session_token()
    with gunicorn(env, port, log, *procfile_web_options(env)) as base:
        polled = urllib.request.Request(
            f"{base}/webchat/api/updates?after=0", headers={"Authorization": f"Bearer {secret}"}
        )
        with urllib.request.urlopen(polled, timeout=10) as response:
            assert response.status == 200
        # An old widget, or anyone, putting it in a URL: refused, and still not logged.
        assert http_get(f"{base}/webchat/api/updates?after=0&token={secret}")[0] == 401
        assert http_get(f"{base}/healthz?token={secret}")[0] == 200
        wait_until(lambda: log.read_text().count("GET /webchat/api/updates HTTP/1.1") >= 2)
        wait_until(lambda: "GET /healthz HTTP/1.1" in log.read_text())
    text = log.read_text()
    assert (
        secret not in text
        and "token=" not in text
        and "?" not in "".join(line for line in text.splitlines() if '"GET ' in line)
    )
    assert re.search(r'"GET /webchat/api/updates HTTP/1.1" 200 \d+ ".*" \d+ms', text), text[-2000:]
