"""Operators' accounts (issue 12, point 7): passwords long and uncommon, sessions with an absolute lifetime,
sign-in limits that fail closed when Redis is down, and no typed email in the logs."""

from __future__ import annotations

import logging
import signal
import subprocess
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import update
from sqlmodel import Session, select

from bot import create_app
from bot.cli.main import main
from bot.db.database import create_tables, transaction
from bot.db.tables import Operator, OperatorSession, utcnow
from bot.operators import (
    COMMON_PASSWORDS,
    MIN_PASSWORD_LENGTH,
    OperatorError,
    common_passwords,
    create_operator,
    password_problem,
    set_password,
)
from tests.support.app import ROOT, Resident, app_settings, database_url
from tests.support.desks import PASSWORD, Desk, add_operator
from tests.support.processes import free_port, wait_until
from tests.support.stack import REDIS_SERVER

# --- passwords ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, problem",
    [
        ("once chars!", "at least 12 characters"),
        ("abababababababab", "different characters"),
        ("1q2w3e4r5t6y", "common or breached"),  # on the list as it is
        ("Password2024!", "common or breached"),  # "password" with digits and a symbol around it
        ("qwertyuiop123", "common or breached"),
        ("Monterrey2025!!", "common or breached"),
        ("iloveyou 12345", "common or breached"),
        ("ana.garcia1990", "email's name"),
        ("Ventanilla2025!", "service's"),
    ],
)
def test_a_short_repetitive_common_or_guessable_password_is_refused(password, problem):
    assert problem in (password_problem(password, "Ana.Garcia@sanpedro.gob.mx") or "")


@pytest.mark.parametrize(
    "password", [PASSWORD, "una clave de operadora", "Tacos al pastor en la 5 de Mayo", "xK9#mQ2$vL7p"]
)
def test_a_long_uncommon_password_is_taken(password):
    assert password_problem(password, "ana.garcia@sanpedro.gob.mx") is None


def test_the_list_is_read_from_the_package_offline():
    assert MIN_PASSWORD_LENGTH == 12
    assert COMMON_PASSWORDS.is_relative_to(ROOT / "bot") and COMMON_PASSWORDS.name.endswith(".gz")
    words = common_passwords()
    assert len(words) > 40_000 and {"password", "123456", "qwertyuiop", "tequiero"} <= words
    assert all(word == word.lower() for word in words)
    assert "License" in (COMMON_PASSWORDS.parent / "README.md").read_text()  # its sources and licences


def test_creating_and_changing_a_password_apply_the_rules(app):
    engine = app.extensions["ventanilla"].engine
    with pytest.raises(OperatorError, match="common or breached"), transaction(engine) as db:
        create_operator(db, "ana@sanpedro.gob.mx", "Password2024!", "operator", ["obras_publicas"])
    add_operator(app, "ana@sanpedro.gob.mx")
    with pytest.raises(OperatorError, match="common or breached"), transaction(engine) as db:
        set_password(db, db.exec(select(Operator)).one(), "qwertyuiop123")
    assert Desk(app, "ana@sanpedro.gob.mx").login()  # the old password still works


def test_the_operators_page_refuses_a_common_password(app, desk):
    admin = desk("jefa@x.mx", "admin", [])
    response = admin.post(
        "/dashboard/operators",
        {"email": "nuevo@x.mx", "role": "viewer", "departments": ["parques"], "password": "1q2w3e4r5t6y"},
    )
    assert response.status_code == 400 and "common or breached" in response.text
    beto = add_operator(app, "beto@x.mx")
    with Session(app.extensions["ventanilla"].engine) as db:
        beto_id = db.exec(select(Operator.id).where(Operator.email == beto)).one()
    response = admin.post(f"/dashboard/operators/{beto_id}/password", {"password": "beto" + "1234567890"})
    assert response.status_code == 400 and "email&#39;s name" in response.text


def test_the_command_refuses_a_common_password(tmp_path):
    env = {"DATABASE_URL": database_url(tmp_path), "SECRET_KEY": "test", "FLOWS_PATH": str(ROOT / "flows.yaml")}

    def run(*args: str, password: str):
        return CliRunner().invoke(main, ["operators", *args], env={**env, "VENTANILLA_PASSWORD": password})

    refused = run("add", "ana@x.mx", "--role", "admin", password="Password2024!")
    assert refused.exit_code == 1 and "common or breached" in refused.output
    assert run("add", "ana@x.mx", "--role", "admin", password=PASSWORD).exit_code == 0
    refused = run("password", "ana@x.mx", password="qwertyuiop123")
    assert refused.exit_code == 1 and "common or breached" in refused.output


# --- the session's absolute lifetime --------------------------------------------------------------


def signed_in_ago(app, ago: timedelta) -> None:
    """As if the session had opened `ago`, its operator busy ever since (seen a moment ago)."""
    with transaction(app.extensions["ventanilla"].engine) as db:
        db.execute(update(OperatorSession).values(created_at=utcnow() - ago, last_seen_at=utcnow()))


def test_a_busy_session_still_ends_after_its_lifetime(app):
    add_operator(app, "ana@sanpedro.gob.mx")
    desk = Desk(app, "ana@sanpedro.gob.mx").login()
    lifetime = timedelta(hours=app.extensions["ventanilla"].config.session_lifetime_hours)
    assert lifetime == timedelta(hours=12)
    signed_in_ago(app, lifetime - timedelta(minutes=1))
    assert desk.get("/dashboard/").status_code == 200
    signed_in_ago(app, lifetime + timedelta(minutes=1))
    response = desk.get("/dashboard/")
    assert response.status_code == 302 and response.location.startswith("/dashboard/login")
    assert desk.get("/dashboard/queue.json?since=0").status_code == 401  # polling does not slip past it either
    with Session(app.extensions["ventanilla"].engine) as db:
        assert db.exec(select(OperatorSession)).one().ended_at is not None  # ended on the server, for good
    signed_in_ago(app, timedelta(0))
    assert desk.get("/dashboard/").status_code == 302
    assert Desk(app, "ana@sanpedro.gob.mx").login()  # signing in again opens a new one


def test_the_lifetime_is_a_setting(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url, session_lifetime_hours=1))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    add_operator(app, "ana@sanpedro.gob.mx")
    desk = Desk(app, "ana@sanpedro.gob.mx").login()
    signed_in_ago(app, timedelta(minutes=61))
    assert desk.get("/dashboard/").status_code == 302
    app.extensions["ventanilla"].engine.dispose()


# --- sign-in limits fail closed ---------------------------------------------------------------------


@pytest.fixture
def redis_process():
    """A real redis-server of the test's own, to stop in the middle (SIGKILL, as tests/faults/ does)."""
    port = free_port()
    command = [str(REDIS_SERVER), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    started: list[subprocess.Popen] = []

    def start() -> str:
        started.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        import redis

        def answers() -> bool:
            try:
                return bool(redis.Redis(port=port, socket_connect_timeout=0.5).ping())
            except redis.RedisError:
                return False

        wait_until(answers, timeout=20)
        return f"redis://127.0.0.1:{port}/0"

    def kill() -> None:
        started[-1].send_signal(signal.SIGKILL)
        started[-1].wait(timeout=20)

    yield start, kill
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=20)


def test_with_redis_down_sign_in_is_refused_not_let_through_uncounted(tmp_path, redis_process, caplog):
    start, kill = redis_process
    app = create_app(app_settings(tmp_path, start(), login_rate_limit="3 per minute"))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    add_operator(app, "ana@sanpedro.gob.mx")

    def attempt(password: str):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        page = client.get("/dashboard/login")
        assert page.status_code == 200  # the form itself needs no Redis
        form = {"email": "ana@sanpedro.gob.mx", "password": password, "csrf_token": Desk.token_from(page)}
        return client, client.post("/dashboard/login", data=form)

    assert attempt("guess-guess-guess")[1].status_code == 401  # counted in Redis
    kill()
    for password in ("guess-guess-guess", PASSWORD):  # a guess, and even the right password
        client, response = attempt(password)
        assert response.status_code == 503, response.text[:300]
        assert response.headers["Retry-After"] == "60" and "Signing in is unavailable" in response.text
        assert client.get("/dashboard/").status_code == 302  # nobody was signed in
    assert "the attempt limits cannot be counted" in caplog.text
    assert app.test_client().get("/").status_code == 200  # only signing in fails closed: the rest goes on
    assert "bache" in Resident(app.test_client()).says("hola").lower()  # residents' limits still fail open

    start()  # Redis is back: counting and signing in resume
    client, response = attempt(PASSWORD)
    assert response.status_code == 302 and client.get("/dashboard/").status_code == 200
    app.extensions["ventanilla"].engine.dispose()


# --- the logs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["ana@sanpedro.gob.mx", "nadie@sanpedro.gob.mx", "Ana.Secreta@Example.org"])
def test_a_failed_sign_in_never_logs_the_typed_email(app, caplog, typed):
    add_operator(app, "ana@sanpedro.gob.mx")
    caplog.set_level(logging.INFO)
    client = app.test_client()
    page = client.get("/dashboard/login")
    form = {"email": typed, "password": "wrong password!!", "csrf_token": Desk.token_from(page)}
    assert client.post("/dashboard/login", data=form).status_code == 401
    failed = [r.getMessage() for r in caplog.records if "failed sign-in" in r.getMessage()]
    assert len(failed) == 1
    assert typed.lower() not in caplog.text.lower() and typed.split("@")[0].lower() not in failed[0].lower()
    again = client.post("/dashboard/login", data=form)
    assert again.status_code == 401
    failed = [r.getMessage() for r in caplog.records if "failed sign-in" in r.getMessage()]
    assert failed[0] == failed[1]  # the same account, the same tag: attempts on one account can still be told apart
