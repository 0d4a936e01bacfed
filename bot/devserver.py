"""`make run`: an embedded Redis, the database, then every Procfile process under honcho."""

from __future__ import annotations

import os
import shutil
from contextlib import ExitStack
import subprocess
import sys
from pathlib import Path

from .config import Config
from .db import create_tables, make_engine
from .embedded_redis import embedded_redis
from .flows.loader import FlowsInvalidError, load_flows

__all__ = ["run"]


def run(root: Path) -> int:
    """Start web + worker (+ Redis when REDIS_URL is unset); Ctrl-C stops them all."""
    env = dict(os.environ)
    port = env.setdefault("PORT", "5000")
    env.setdefault("FLOWS_PATH", "flows.yaml")
    env.setdefault("VENTANILLA_DEMO_INBOX", "1")
    env.setdefault("DEMO_INBOX_URL", f"http://127.0.0.1:{port}/demo/inbox")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    try:
        load_flows(env["FLOWS_PATH"], env)
    except FlowsInvalidError as exc:
        print(f"refusing to start, the flows file has errors:\n{exc}", file=sys.stderr)
        return 1
    instance = root / "instance"
    env.setdefault("DATABASE_URL", Config.from_env(env, instance).database_url)
    create_tables(make_engine(env["DATABASE_URL"]))
    with ExitStack() as stack:
        if not env.get("REDIS_URL"):  # a real Redis server, embedded, unless one is given
            env["REDIS_URL"] = stack.enter_context(embedded_redis(instance / "redis.rdb"))
        _print_urls(port, env)
        return _run_procfile(root, port, env)


def _run_procfile(root: Path, port: str, env: dict) -> int:
    honcho = shutil.which("honcho", path=env["PATH"]) or "honcho"
    process = subprocess.Popen([honcho, "start", "-f", str(root / "Procfile"), "-p", port], env=env, cwd=root)
    try:
        return process.wait()
    except KeyboardInterrupt:
        return process.wait()  # honcho got the same Ctrl-C and stops its processes


def _print_urls(port: str, env: dict) -> None:
    base = f"http://127.0.0.1:{port}"
    print(f"""
Ventanilla is starting:
  Home page          {base}/
  Web chat demo      {base}/webchat/
  Twilio webhook     {base}/webhooks/twilio   (point "A message comes in" here; set PUBLIC_URL behind a tunnel)
  Meta WhatsApp      {base}/webhooks/whatsapp
  Health check       {base}/healthz
  Demo dept. inbox   {env['DEMO_INBOX_URL']}/<department>
  Redis              {env['REDIS_URL']}
  Database           {env['DATABASE_URL']}
Press Ctrl-C to stop everything.
""", flush=True)
    if not env.get("TWILIO_AUTH_TOKEN"):
        print("note: TWILIO_AUTH_TOKEN is not set, so Twilio webhooks are refused (403).", flush=True)
