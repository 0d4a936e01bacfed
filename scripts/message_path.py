"""Trace the path of one WhatsApp message through Ventanilla's own modules, from the webhook to the department.

A resident on Meta's Cloud API reports a pothole ("hola", "bache", a pin, "omitir"); the traced message is
the last one, "sí", which opens the ticket; the worker then delivers it. Prints how many of our modules that
path touches, how many distinct calls cross from one module into another, and which module pairs call back
and forth. Run with the project's virtualenv: .venv/bin/python scripts/message_path.py
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import os
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import responses
from rq import SimpleWorker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "message-path-secret"
GRAPH = "https://graph.example.test/v21.0"
PHONE = "5218112345678"


def _first(*names: str):
    """Import the first of several module names (the script also measures older layouts)."""
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError(names)


def _payload(n: int, message: dict) -> bytes:
    message = {"from": PHONE, "id": f"wamid.PATH{n:06d}", "timestamp": str(int(time.time())), **message}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1"},
        "contacts": [{"profile": {"name": "Lupita"}, "wa_id": PHONE}],
        "messages": [message],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "0", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


def _post(client, n: int, message: dict):
    body = _payload(n, message)
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        "/webhooks/whatsapp", data=body, content_type="application/json", headers={"X-Hub-Signature-256": signature}
    )
    assert response.status_code == 200, response.data


class Tracer:
    """Record calls between functions of different `bot` modules (this thread only)."""

    def __init__(self) -> None:
        self.modules: set[str] = set()
        self.edges: Counter[tuple[str, str, str]] = Counter()

    def __call__(self, frame, event, arg):
        if event != "call":
            return
        callee = frame.f_globals.get("__name__", "")
        if not callee.startswith("bot"):
            return
        self.modules.add(callee)
        caller = frame.f_back
        while caller is not None and not caller.f_globals.get("__name__", "").startswith("bot"):
            caller = caller.f_back  # through Flask, SQLAlchemy, RQ: the nearest of our frames called it
        if caller is not None and caller.f_globals["__name__"] != callee:
            self.edges[(caller.f_globals["__name__"], callee, frame.f_code.co_name)] += 1


def main() -> None:
    bot = importlib.import_module("bot")
    embedded = _first("bot.cli.embedded_redis", "bot.embedded_redis").embedded_redis
    create_tables = _first("bot.db.database", "bot.db").create_tables
    tmp = Path(tempfile.mkdtemp())
    for name in re.findall(r"secret: \$\{(\w+)", (ROOT / "flows.yaml").read_text()):  # department keys
        os.environ.setdefault(name, secrets.token_hex(32))  # (the app refuses to start without them)
    with (
        embedded(tmp / "redis.rdb", save=False) as redis_url,
        responses.RequestsMock(assert_all_requests_are_fired=False) as mock,
    ):
        sent = iter(range(1, 1000))
        mock.add_callback(
            responses.POST,
            re.compile(r"https?://.*"),
            content_type="application/json",
            callback=lambda request: (200, {}, json.dumps({"messages": [{"id": f"wamid.OUT{next(sent)}"}]})),
        )
        app = bot.create_app(
            {
                "database_url": f"sqlite:///{tmp / 'path.db'}",
                "redis_url": redis_url,
                "flows_path": str(ROOT / "flows.yaml"),
                "public_url": "https://ventanilla.example.mx",
                "twilio_auth_token": "x",
                "media_dir": str(tmp / "media"),
                "whatsapp_app_secret": SECRET,
                "whatsapp_verify_token": "v",
                "whatsapp_token": "t",
                "whatsapp_phone_number_id": "1",
                "whatsapp_graph_url": GRAPH,
            }
        )
        svc = app.extensions["ventanilla"]
        with app.app_context():
            create_tables(svc.engine)
        client = app.test_client()
        steps = [
            {"type": "text", "text": {"body": "hola"}},
            {"type": "text", "text": {"body": "bache"}},
            {"type": "location", "location": {"latitude": 25.6573, "longitude": -100.4020}},
            {"type": "text", "text": {"body": "omitir"}},
        ]
        for n, message in enumerate(steps, 1):
            _post(client, n, message)
        with app.app_context():
            SimpleWorker([svc.queue], connection=svc.redis).work(burst=True)  # earlier replies out of the way
        tracer = Tracer()
        sys.setprofile(tracer)
        threading.setprofile(tracer)
        try:
            _post(client, len(steps) + 1, {"type": "text", "text": {"body": "sí"}})
            with app.app_context():
                SimpleWorker([svc.queue], connection=svc.redis).work(burst=True)
        finally:
            sys.setprofile(None)
            threading.setprofile(None)
        delivered = [c for c in mock.calls if "demo/inbox" in c.request.url or "example" in c.request.url]
        assert delivered, "the ticket reached no department"
    _report(tracer)


def _top(module: str) -> str:
    """The package (or loose module) right under bot/ that a module belongs to."""
    return ".".join(module.split(".")[:2])


def _report(tracer: Tracer) -> None:
    pairs = {(a, b) for a, b, _ in tracer.edges}
    back_and_forth = sorted({tuple(sorted(p)) for p in pairs if (p[1], p[0]) in pairs})
    calls_between = Counter()
    for a, b, _ in tracer.edges:
        calls_between[tuple(sorted((a, b)))] += 1
    packages = Counter(_top(m) for m in tracer.modules)
    print(f"modules on the path: {len(tracer.modules)}, under {len(packages)} top-level names of bot/")
    print("  " + ", ".join(f"{name} {count}" for name, count in sorted(packages.items())))
    across = sum(1 for a, b, _ in tracer.edges if _top(a) != _top(b))
    print(f"distinct calls between top-level names (packages or loose modules): {across}")
    print(f"distinct cross-module calls: {len(tracer.edges)}")
    print(f"module pairs calling each other both ways: {len(back_and_forth)}")
    for a, b in back_and_forth:
        print(f"  {a} <-> {b}: {calls_between[(a, b)]} distinct calls")
    print("module pairs with the most distinct calls between them:")
    for (a, b), count in calls_between.most_common(5):
        print(f"  {a} - {b}: {count}")
    print("modules:")
    for name in sorted(tracer.modules):
        print(f"  {name}")


if __name__ == "__main__":
    main()
