"""The real processes: gunicorn with several workers on one SQLite file, and `make run`."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.app import AUTH_TOKEN, DEPARTMENT_KEYS, ROOT, database_url, query
from tests.support.processes import (
    POTHOLE,
    free_port,
    http_get,
    send_signed,
    wait_until,
)
from tests.support.processes import (
    gunicorn as gunicorn_serving,
)

BIN = Path(sys.executable).parent


@pytest.fixture
def gunicorn(tmp_path, redis_url):
    """Our app under gunicorn with 3 worker processes sharing one SQLite file."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(tmp_path, "app.db"),
        "REDIS_URL": redis_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "FLOWS_PATH": str(ROOT / "flows.yaml"),
    }
    with gunicorn_serving(env, port, tmp_path / "gunicorn.log", "--workers", "3") as base:
        yield base, env["DATABASE_URL"], tmp_path / "gunicorn.log"


def walk_pothole(base: str, sender: str) -> list[tuple[int, str]]:
    return [send_signed(base, sender, text) for text in POTHOLE]


def test_many_residents_at_once_on_several_processes(gunicorn):
    base, database, log = gunicorn
    senders = [f"+52181100{n:05d}" for n in range(24)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        conversations = list(pool.map(lambda s: walk_pothole(base, s), senders))
    statuses = [status for conversation in conversations for status, _ in conversation]
    assert statuses == [200] * len(senders) * len(POTHOLE), log.read_text()[-2000:]
    assert all("folio" in conversation[-1][1] for conversation in conversations)
    assert query(database, "SELECT count(*) FROM ticket") == [(len(senders),)]
    assert query(database, "SELECT count(*) FROM outbox") == [(len(senders),)]
    assert query(database, "SELECT count(DISTINCT folio) FROM ticket") == [(len(senders),)]
    assert "database is locked" not in log.read_text()


def test_the_same_message_sid_concurrently_is_one_message(gunicorn):
    import urllib.parse
    import urllib.request

    from tests.support.app import twilio_fixture, twilio_signature

    base, database, _ = gunicorn
    url = base + "/webhooks/twilio"
    form = {**twilio_fixture("whatsapp_text"), "MessageSid": "SMsame000000000000000000000000001"}
    signature = twilio_signature(url, form)

    def post(_):
        request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST")
        request.add_header("X-Twilio-Signature", signature)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert list(pool.map(post, range(10))) == [200] * 10
    assert query(database, "SELECT count(*) FROM message WHERE direction = 'in'") == [(1,)]
    assert query(database, "SELECT count(*) FROM message WHERE direction = 'out'") == [(1,)]


def test_make_run_serves_delivers_and_stops_on_ctrl_c(tmp_path):
    """`ventanilla run` (what `make run` calls) in a fresh folder: embedded Redis, web, worker."""
    for name in ("Procfile", "flows.yaml", "parks.csv", "wsgi.py", "worker.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    port = free_port()
    unset = ("REDIS_URL", "DATABASE_URL", "PUBLIC_URL", *DEPARTMENT_KEYS)  # demo mode makes the department keys
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(PORT=str(port), TWILIO_AUTH_TOKEN=AUTH_TOKEN, PYTHONUNBUFFERED="1")
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    log_path = tmp_path / "run.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [BIN / "ventanilla", "run"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: http_get(base + "/healthz")[0] == 200, timeout=60)
        status, page = http_get(base + "/")
        assert status == 200 and "/webhooks/twilio" in page
        assert f"{base}/webhooks/twilio" in log_path.read_text()  # the URLs are printed

        replies = walk_pothole(base, "+5218112345678")
        assert [s for s, _ in replies] == [200] * len(POTHOLE)
        assert "folio" in replies[-1][1]
        database = tmp_path / "instance" / "ventanilla.db"

        def delivered():
            with sqlite3.connect(database) as db:
                return db.execute("SELECT status FROM ticket").fetchone() == ("delivered",)

        wait_until(delivered, timeout=60)
        assert "demo inbox obras_publicas received ticket" in log_path.read_text()  # the web and worker agree
        keys = tmp_path / "instance" / "demo-secrets"
        assert sorted(p.name for p in keys.iterdir()) == sorted(DEPARTMENT_KEYS)
        assert {stat.S_IMODE(p.stat().st_mode) for p in keys.iterdir()} == {0o600}
        assert stat.S_IMODE((tmp_path / "instance" / "demo-operator-password").stat().st_mode) == 0o600
        assert listening_on(port) == {"127.0.0.1"}  # not every interface: the demo admin's password is printed
        printed = log_path.read_text()
        assert "Ventanilla está arrancando" in printed and "Tablero de operadores" in printed  # the demo speaks Spanish
        email, password = re.search(r"acceso de demostración: (\S+) / (\S+)\)", printed).groups()
        queue = sign_in(base, email, password)
        assert (
            "Bache en" in queue and '<html lang="es-MX">' in queue and "Bandeja" in queue
        )  # in Spanish, with the ticket
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        process.wait(timeout=30)
    leftovers = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True).stdout.split()
    assert leftovers == [], log_path.read_text()[-3000:]
    assert wait_until(lambda: http_get(base + "/healthz")[0] == 0, timeout=10) is not None


def test_one_resident_writing_many_messages_at_once_on_several_processes(gunicorn):
    """Messages of one resident are handled one at a time: none lost, none applied twice."""
    base, database, log = gunicorn
    sender = "+5218112349999"
    send_signed(base, sender, "hola")
    texts = [f"mensaje {n}" for n in range(30)]
    with ThreadPoolExecutor(max_workers=15) as pool:
        results = list(pool.map(lambda text: send_signed(base, sender, text), texts))
    assert [status for status, _ in results] == [200] * len(texts), log.read_text()[-2000:]
    inbound = [row[0] for row in query(database, "SELECT text FROM message WHERE direction = 'in' ORDER BY id")]
    ((seq,),) = query(database, "SELECT seq FROM conversation")
    ((replies_per_message,),) = query(
        database,
        "SELECT count(*) FROM message WHERE direction = 'in' AND id NOT IN (SELECT reply_to_id FROM message WHERE reply_to_id IS NOT NULL)",
    )
    assert sorted(inbound[1:]) == sorted(texts) and inbound[0] == "hola"
    assert seq == len(texts) + 1  # every message moved the conversation exactly once
    assert replies_per_message == 0  # and every one was answered


def test_a_location_and_a_photo_sent_together_are_both_kept(gunicorn):
    import urllib.parse
    import urllib.request

    from tests.support.app import twilio_fixture, twilio_signature

    base, database, _ = gunicorn
    url = base + "/webhooks/twilio"
    send_signed(base, "+5218112345678", "bache")
    send_signed(base, "+5218112345678", "sí")  # the privacy notice

    def post(fixture: str) -> int:
        form = twilio_fixture(fixture)
        request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST")
        request.add_header("X-Twilio-Signature", twilio_signature(url, form))
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(post, ["whatsapp_location", "whatsapp_image"])) == [200, 200]
    import json

    stored = [row[0] for row in query(database, "SELECT data FROM message WHERE direction = 'in' ORDER BY id")]
    kinds = [bool((data if isinstance(data, dict) else json.loads(data)).get("location")) for data in stored]
    ((seq,),) = query(database, "SELECT seq FROM conversation")
    assert len(kinds) == 4 and sum(kinds) == 1  # "bache", "sí", then the pin and the photo, both stored
    assert seq == 4


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in to the dashboard as a browser does (cookie, CSRF token); return the queue page."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = browser.open(base + "/dashboard/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
    return browser.open(base + "/dashboard/login", data=form, timeout=10).read().decode()


def test_make_run_refuses_a_bad_setting_in_one_line_before_starting_anything(tmp_path, monkeypatch, capsys):
    from bot.cli.devserver import run

    shutil.copy(ROOT / "flows.yaml", tmp_path / "flows.yaml")
    shutil.copy(ROOT / "parks.csv", tmp_path / "parks.csv")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEDIA_MAX_BYTES", "diez megas")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as stopped:
        run(tmp_path)
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("refusing to start, a setting is wrong: MEDIA_MAX_BYTES='diez megas'")
    assert "Traceback" not in err and not (tmp_path / "instance").exists()  # no database, no Redis started


def listening_on(port: int) -> set[str]:
    """The IPv4 addresses a TCP port is listened on (from /proc/net/tcp; 0.0.0.0 is every interface)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:  # LISTEN
            found.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
    return found


def test_the_dev_runner_listens_on_loopback_unless_told(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from bot.cli import devserver
    from bot.cli.main import main

    hosts = []
    monkeypatch.setattr(devserver, "run", lambda root, host: hosts.append(host) or 0)
    assert CliRunner().invoke(main, ["run"]).exit_code == 0
    assert CliRunner().invoke(main, ["run", "--host", "0.0.0.0"]).exit_code == 0
    assert hosts == ["127.0.0.1", "0.0.0.0"]
    shipped = (ROOT / "Procfile").read_text()
    assert "0.0.0.0" in shipped  # production hosts listen on every interface
    assert "0.0.0.0" not in devserver.procfile_on(shipped, "127.0.0.1")
    assert devserver.local_url("0.0.0.0", "5000") == "http://127.0.0.1:5000"


def test_make_run_refuses_a_weak_department_key_it_was_given(tmp_path, monkeypatch, capsys):
    from bot.cli.devserver import run

    shutil.copy(ROOT / "flows.yaml", tmp_path / "flows.yaml")
    shutil.copy(ROOT / "parks.csv", tmp_path / "parks.csv")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OBRAS_PUBLICAS_WEBHOOK_SECRET", "changeme")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(SystemExit) as stopped:
        run(tmp_path)
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert "OBRAS_PUBLICAS_WEBHOOK_SECRET (department 'obras_publicas', secret) is a known example value" in err
    assert not (tmp_path / "x.db").exists()  # refused before anything started
