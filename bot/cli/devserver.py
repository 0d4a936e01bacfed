"""`make run`: an embedded Redis, the database migrated (with the sample town's places when it has none), then
every Procfile process under honcho."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from sqlmodel import select

from bot import refuse_to_start
from bot.cli.embedded_redis import embedded_redis
from bot.cli.places_commands import load_sample_if_empty
from bot.config import Config, ConfigError
from bot.db.database import make_engine, transaction
from bot.db.migrate import upgrade
from bot.db.tables import Operator
from bot.flows.loader import FlowsInvalidError, load_flows
from bot.operators import create_operator, set_password

__all__ = ["run"]


def run(root: Path) -> int:
    """Start web + worker (+ Redis when REDIS_URL is unset); Ctrl-C stops them all."""
    env = dict(os.environ)
    port = env.setdefault("PORT", "5000")
    env.setdefault("FLOWS_PATH", "flows.yaml")
    env.setdefault("VENTANILLA_DEMO_INBOX", "1")
    env.setdefault("SESSION_COOKIE_SECURE", "0")  # the laptop serves plain http; production keeps Secure cookies
    env.setdefault("DEMO_INBOX_URL", f"http://127.0.0.1:{port}/demo/inbox")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    instance = root / "instance"
    try:
        flows = load_flows(env["FLOWS_PATH"], env)
        env.setdefault("DATABASE_URL", Config.from_env(env, instance).database_url)
    except (FlowsInvalidError, ConfigError) as exc:
        refuse_to_start(exc)
    engine = make_engine(env["DATABASE_URL"])
    upgrade(engine, flows=flows)  # what `ventanilla db upgrade` does
    demo_login = ensure_demo_operator(engine, instance)
    places = load_sample_if_empty(engine, root / "places" / "sample")  # the demo geocodes out of the box
    if places:
        print(places, flush=True)
    with ExitStack() as stack:
        if not env.get("REDIS_URL"):  # a real Redis server, embedded, unless one is given
            env["REDIS_URL"] = stack.enter_context(embedded_redis(instance / "redis.rdb"))
        _print_urls(port, env, demo_login)
        return _run_procfile(root, port, env)


def _run_procfile(root: Path, port: str, env: dict) -> int:
    honcho = shutil.which("honcho", path=env["PATH"]) or "honcho"
    process = subprocess.Popen([honcho, "start", "-f", str(root / "Procfile"), "-p", port], env=env, cwd=root)
    try:
        return process.wait()
    except KeyboardInterrupt:
        return process.wait()  # honcho got the same Ctrl-C and stops its processes


def ensure_demo_operator(engine, instance: Path) -> tuple[str, str]:
    """The demo admin `make run` signs in with: created once, its random password kept in instance/."""
    password_file = instance / "demo-operator-password"
    with transaction(engine, immediate=True) as db:
        exists = db.exec(select(Operator).where(Operator.email == DEMO_EMAIL)).first()
        if exists is None or not password_file.exists():
            password = secrets.token_urlsafe(12)
            if exists is None:
                create_operator(db, DEMO_EMAIL, password, role="admin", name="Demo operator")
            else:
                set_password(db, exists, password)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
    return DEMO_EMAIL, password_file.read_text().strip()


DEMO_EMAIL = "demo@ventanilla.local"


def _print_urls(port: str, env: dict, demo_login: tuple[str, str]) -> None:
    base = f"http://127.0.0.1:{port}"
    print(
        f"""
Ventanilla is starting:
  Home page          {base}/
  Web chat demo      {base}/webchat/
  Operators          {base}/dashboard/   (demo login: {demo_login[0]} / {demo_login[1]})
  Twilio webhook     {base}/webhooks/twilio   (point "A message comes in" here; set PUBLIC_URL behind a tunnel)
  Meta WhatsApp      {base}/webhooks/whatsapp
  Health check       {base}/healthz
  Demo dept. inbox   {env["DEMO_INBOX_URL"]}/<department>
  Redis              {env["REDIS_URL"]}
  Database           {env["DATABASE_URL"]}
Press Ctrl-C to stop everything.
""",
        flush=True,
    )
    if not env.get("TWILIO_AUTH_TOKEN"):
        print("note: TWILIO_AUTH_TOKEN is not set, so Twilio webhooks are refused (403).", flush=True)
