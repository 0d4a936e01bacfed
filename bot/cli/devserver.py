"""`make run`: an embedded Redis, the database migrated (with the sample town's places when it has none), then
every Procfile process under honcho, in demo mode (DEMO_MODE=1): the department keys left unset are generated
into instance/demo-secrets/ and handed to every process, and the demo inbox stands in for departments.

It listens on 127.0.0.1 unless told otherwise (`ventanilla run --host 0.0.0.0`): the demo has an admin whose
password is printed, and the Procfile's 0.0.0.0 is for production hosts.
"""

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
from bot.delivery.keys import check_department_keys, demo_keys
from bot.flows.loader import FlowsInvalidError, load_flows
from bot.operators import create_operator, set_password

__all__ = ["run"]


DEFAULT_HOST = "127.0.0.1"


def run(root: Path, host: str = DEFAULT_HOST) -> int:
    """Start web + worker (+ Redis when REDIS_URL is unset) listening on host; Ctrl-C stops them all."""
    env = dict(os.environ)
    port = env.setdefault("PORT", "5000")
    env.setdefault("FLOWS_PATH", "flows.yaml")
    env.setdefault("DEMO_MODE", "1")
    env.setdefault("SESSION_COOKIE_SECURE", "0")  # the laptop serves plain http; production keeps Secure cookies
    env.setdefault("LOG_FORMAT", "text")  # a person reads this terminal; production processes write JSON lines
    env.setdefault("DEMO_INBOX_URL", f"{local_url(host, port)}/demo/inbox")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    instance = root / "instance"
    try:
        flows = load_flows(env["FLOWS_PATH"], env)
        config = Config.from_env(env, instance)
    except (FlowsInvalidError, ConfigError) as exc:
        refuse_to_start(exc)
    env.setdefault("DATABASE_URL", config.database_url)
    if config.demo_mode:  # the processes started below read the same keys; the demo inbox checks them
        env.update(demo_keys(flows, instance, env))
    try:  # refused here in one line, before anything starts, rather than by each process
        check_department_keys(load_flows(env["FLOWS_PATH"], env))
    except ConfigError as exc:
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
        _print_urls(host, port, env, demo_login)
        return _run_procfile(root, port, env, host)


def procfile_on(text: str, host: str) -> str:
    """The Procfile with every process listening on host instead of all interfaces (0.0.0.0)."""
    return text.replace("0.0.0.0", host)


def _run_procfile(root: Path, port: str, env: dict, host: str) -> int:
    honcho = shutil.which("honcho", path=env["PATH"]) or "honcho"
    procfile = root / "instance" / "Procfile.run"
    procfile.parent.mkdir(parents=True, exist_ok=True)
    procfile.write_text(procfile_on((root / "Procfile").read_text(), host))
    command = [honcho, "start", "-f", str(procfile), "-d", str(root), "-p", port]
    process = subprocess.Popen(command, env=env, cwd=root)
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
                create_operator(db, DEMO_EMAIL, password, role="admin", name="Operador de prueba", language="es")
            else:
                set_password(db, exists, password)
            write_private(password_file, password + "\n")
    return DEMO_EMAIL, password_file.read_text().strip()


DEMO_EMAIL = "demo@ventanilla.local"


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, from its first byte (a draft made 0600, then moved in place)."""
    draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(draft, path)


def local_url(host: str, port: str) -> str:
    """Where this machine reaches a server listening on host (all interfaces: through loopback)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def _print_urls(host: str, port: str, env: dict, demo_login: tuple[str, str]) -> None:
    """What `make run` prints, in Spanish: the city's staff try the demo, and the dashboard greets them in Spanish."""
    base = local_url(host, port)
    print(
        f"""
Ventanilla está arrancando:
  Página de inicio        {base}/
  Chat web de prueba      {base}/webchat/
  Tablero de operadores   {base}/dashboard/   (acceso de demostración: {demo_login[0]} / {demo_login[1]})
  Webhook de Twilio       {base}/webhooks/twilio   (apunta aquí "A message comes in"; detrás de un túnel, define PUBLIC_URL)
  WhatsApp de Meta        {base}/webhooks/whatsapp
  Estado del servicio     {base}/healthz
  Buzón de dependencias   {env["DEMO_INBOX_URL"]}/<dependencia>   (la dependencia de prueba)
  Redis                   {env["REDIS_URL"]}
  Base de datos           {env["DATABASE_URL"]}
Pulsa Ctrl-C para detener todo.
""",
        flush=True,
    )
    if not env.get("TWILIO_AUTH_TOKEN"):
        print("nota: TWILIO_AUTH_TOKEN no está definido, así que los webhooks de Twilio se rechazan (403).", flush=True)
