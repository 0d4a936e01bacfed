"""Helpers for tests that run the real processes: free ports, waiting, signed HTTP posts."""

from __future__ import annotations

import itertools
import random
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.app import AUTH_TOKEN, ROOT, twilio_fixture, twilio_signature

_sids = itertools.count(1)


def free_port() -> int:
    """Return a TCP port nobody listens on right now, below Linux's ephemeral range (32768-60999):
    an ephemeral port can be taken by any outgoing connection before our server binds it."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


def wait_until(predicate, timeout: float = 30.0, every: float = 0.2):
    """Poll until predicate() is truthy; return its value or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")


def http_get(url: str) -> tuple[int, str]:
    """GET a URL; return (status, body), with (0, '') when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def send_signed(
    base_url: str, sender: str, text: str, token: str = AUTH_TOKEN, headers: dict | None = None
) -> tuple[int, str]:
    """Post one WhatsApp message as Twilio does (form-encoded, signed); return status and reply text."""
    url = base_url + "/webhooks/twilio"
    sid = f"SM{next(_sids):016x}{int(time.time() * 1e6) % 16**16:016x}"
    form = {
        **twilio_fixture("whatsapp_text"),
        "From": f"whatsapp:{sender}",
        "Body": text,
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
    }
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST")
    request.add_header("X-Twilio-Signature", twilio_signature(url, form, token))
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    for name, value in (headers or {}).items():  # what a proxy adds (X-Request-ID)
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            root = ET.fromstring(response.read())
            return response.status, "\n".join("".join(m.itertext()) for m in root.iter("Message"))
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


POTHOLE = ("hola", "bache", "sí", "Morelos y 5 de Mayo", "omitir", "sí")  # a first report: the notice accepted


@contextmanager
def gunicorn(env: dict, port: int, log_path: Path, *options: str) -> Iterator[str]:
    """Our app under gunicorn on a loopback port, after `ventanilla init-db`; yields its base URL, stops it after."""
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "ventanilla", "init-db"], env=env, check=True, capture_output=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [bin_dir / "gunicorn", *options, "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: http_get(base + "/healthz")[0] == 200)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=20)
