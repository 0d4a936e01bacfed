"""Signing in: argon2id passwords, server-side sessions that logout and idleness really end, CSRF, rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from bot import create_app
from bot.db.database import create_tables, transaction
from bot.db.tables import Operator, OperatorSession, utcnow
from bot.operators import OperatorError, authenticate, create_operator
from tests.support.app import app_settings
from tests.support.desks import PASSWORD, Desk, add_operator


def test_a_password_is_stored_as_argon2id_and_checked(app):
    add_operator(app, "ana@sanpedro.gob.mx")
    with transaction(app.extensions["ventanilla"].engine) as db:
        stored = db.exec(select(Operator)).one().password_hash
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        assert "m=65536,t=3,p=4" in stored  # RFC 9106's low-memory profile, above OWASP ASVS 5.0's floor
        assert authenticate(db, "ANA@sanpedro.gob.mx ", PASSWORD).email == "ana@sanpedro.gob.mx"
        assert authenticate(db, "ana@sanpedro.gob.mx", PASSWORD + "x") is None
        assert authenticate(db, "nadie@sanpedro.gob.mx", PASSWORD) is None


@pytest.mark.parametrize(
    "email, password, role, problem",
    [
        ("ana@x.mx", "short", "operator", "at least 12"),
        ("not-an-email", PASSWORD, "operator", "email"),
        ("ana@x.mx", PASSWORD, "superuser", "role"),
    ],
)
def test_an_operator_is_refused_with_a_reason(app, email, password, role, problem):
    with pytest.raises(OperatorError, match=problem), transaction(app.extensions["ventanilla"].engine) as db:
        create_operator(db, email, password, role, ["obras_publicas"])


def test_signing_in_opens_the_queue_and_a_wrong_password_does_not(app):
    add_operator(app, "ana@sanpedro.gob.mx")
    stranger = Desk(app, "ana@sanpedro.gob.mx", "wrong password!")
    page = stranger.client.get("/dashboard/login")
    response = stranger.client.post(
        "/dashboard/login",
        data={"email": stranger.email, "password": stranger.password, "csrf_token": Desk.token_from(page)},
    )
    assert response.status_code == 401 and "Wrong email or password" in response.text
    assert stranger.client.get("/dashboard/").status_code == 302

    desk = Desk(app, "ana@sanpedro.gob.mx").login()
    page = desk.get("/dashboard/")
    assert page.status_code == 200 and "ana" in page.text


def test_the_session_cookie_is_secure_httponly_and_samesite(app):
    add_operator(app, "ana@sanpedro.gob.mx")
    desk = Desk(app, "ana@sanpedro.gob.mx")
    page = desk.client.get("/dashboard/login")
    response = desk.client.post(
        "/dashboard/login", data={"email": desk.email, "password": PASSWORD, "csrf_token": Desk.token_from(page)}
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie  # a browser-session cookie; idleness is judged on the server


def test_signing_in_without_the_form_token_is_refused(app):
    add_operator(app, "ana@sanpedro.gob.mx")
    client = app.test_client()
    response = client.post("/dashboard/login", data={"email": "ana@sanpedro.gob.mx", "password": PASSWORD})
    assert response.status_code == 400 and "CSRF" in response.text
    assert client.get("/dashboard/").status_code == 302


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_is_worthless(app):
    add_operator(app, "ana@sanpedro.gob.mx")
    desk = Desk(app, "ana@sanpedro.gob.mx").login()
    stolen = desk.client.get_cookie("ventanilla_session").value
    assert desk.post("/dashboard/logout").status_code == 302
    assert desk.get("/dashboard/").status_code == 302

    thief = app.test_client()
    thief.set_cookie("ventanilla_session", stolen)
    response = thief.get("/dashboard/")
    assert response.status_code == 302 and "/dashboard/login" in response.location
    with Session(app.extensions["ventanilla"].engine) as db:
        assert db.exec(select(OperatorSession)).one().ended_at is not None


def test_logout_needs_the_form_token(app):
    add_operator(app, "ana@sanpedro.gob.mx")
    desk = Desk(app, "ana@sanpedro.gob.mx").login()
    assert desk.client.post("/dashboard/logout").status_code == 400
    assert desk.get("/dashboard/").status_code == 200


def test_an_idle_session_ends(app):
    add_operator(app, "ana@sanpedro.gob.mx")
    desk = Desk(app, "ana@sanpedro.gob.mx").login()
    idle = timedelta(minutes=app.extensions["ventanilla"].config.session_idle_minutes)
    last_seen_ago(app, idle - timedelta(minutes=2))
    assert desk.get("/dashboard/").status_code == 200  # within the idle time: touched again
    last_seen_ago(app, idle + timedelta(minutes=1))
    assert desk.get("/dashboard/").status_code == 302
    last_seen_ago(app, timedelta(0))
    assert desk.get("/dashboard/").status_code == 302  # ended for good, not merely idle


def last_seen_ago(app, ago: timedelta) -> None:
    with transaction(app.extensions["ventanilla"].engine) as db:
        db.execute(update(OperatorSession).values(last_seen_at=utcnow() - ago))


def test_a_disabled_operator_is_signed_out_at_once(app):
    add_operator(app, "ana@sanpedro.gob.mx")
    desk = Desk(app, "ana@sanpedro.gob.mx").login()
    with transaction(app.extensions["ventanilla"].engine) as db:
        db.execute(update(Operator).values(active=False))
    assert desk.get("/dashboard/").status_code == 302


@pytest.mark.parametrize(
    "target, lands",
    [
        ("/dashboard/?status=received", "/dashboard/?status=received"),
        ("https://evil.example/dashboard/", "/dashboard/"),
        ("//evil.example/dashboard/", "/dashboard/"),
        ("/\\evil.example", "/dashboard/"),
    ],
)
def test_after_signing_in_only_a_dashboard_page_is_followed(app, target, lands):
    add_operator(app, "ana@sanpedro.gob.mx")
    client = app.test_client()
    page = client.get("/dashboard/login")
    response = client.post(
        "/dashboard/login",
        query_string={"next": target},
        data={"email": "ana@sanpedro.gob.mx", "password": PASSWORD, "csrf_token": Desk.token_from(page)},
    )
    assert response.status_code == 302 and response.location == lands


@pytest.fixture
def strict_app(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url, login_rate_limit="3 per minute"))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


def test_login_attempts_are_limited_in_redis_across_app_processes(strict_app, tmp_path, redis_url):
    add_operator(strict_app, "ana@sanpedro.gob.mx")
    second_process = create_app(
        app_settings(tmp_path, redis_url, login_rate_limit="3 per minute")
    )  # same Redis, same DB

    def attempt(app, password="guess-guess-guess"):
        client = app.test_client()
        page = client.get("/dashboard/login")
        return client.post(
            "/dashboard/login",
            data={"email": "ana@sanpedro.gob.mx", "password": password, "csrf_token": Desk.token_from(page)},
        ).status_code

    assert [attempt(strict_app), attempt(second_process), attempt(strict_app)] == [401, 401, 401]
    assert attempt(second_process) == 429
    assert attempt(strict_app, PASSWORD) == 429  # even the right password waits: the guesser cannot tell
    second_process.extensions["ventanilla"].engine.dispose()


def test_pages_carry_headers_that_keep_residents_data_in_the_page(app):
    add_operator(app, "ana@sanpedro.gob.mx")
    response = Desk(app, "ana@sanpedro.gob.mx").login().get("/dashboard/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_behind_a_trusted_proxy_limits_count_the_residents_address_not_the_proxys(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url, login_rate_limit="2 per minute", trusted_proxies=1))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)

    def attempt(client_address: str, email: str):
        client = app.test_client()
        page = client.get("/dashboard/login")
        return client.post(
            "/dashboard/login",
            headers={"X-Forwarded-For": client_address},
            data={"email": email, "password": "guess-guess-guess", "csrf_token": Desk.token_from(page)},
        ).status_code

    assert [attempt("203.0.113.7", f"a{n}@x.mx") for n in range(3)] == [401, 401, 429]
    assert attempt("198.51.100.9", "b@x.mx") == 401  # another operator's office is not locked out
    app.extensions["ventanilla"].engine.dispose()


@pytest.mark.parametrize("email", ["ana\x00@sanpedro.gob.mx", "ana @sanpedro.gob.mx", "\u202eana@sanpedro.gob.mx"])
def test_an_email_with_control_characters_is_a_failed_sign_in_not_a_500(app, email):
    add_operator(app, "ana@sanpedro.gob.mx")
    client = app.test_client()
    page = client.get("/dashboard/login")
    response = client.post(
        "/dashboard/login", data={"email": email, "password": PASSWORD, "csrf_token": Desk.token_from(page)}
    )
    assert response.status_code == 401
    with pytest.raises(OperatorError, match="email"), transaction(app.extensions["ventanilla"].engine) as db:
        create_operator(db, email, PASSWORD, "operator", ["parques"])


def test_a_queue_left_open_polling_for_new_tickets_still_idles_out(app):
    add_operator(app, "ana@sanpedro.gob.mx")
    desk = Desk(app, "ana@sanpedro.gob.mx").login()
    idle = timedelta(minutes=app.extensions["ventanilla"].config.session_idle_minutes)
    last_seen_ago(app, idle - timedelta(minutes=2))
    assert desk.get("/dashboard/queue.json?since=0").status_code == 200  # still signed in...
    with Session(app.extensions["ventanilla"].engine) as db:
        seen = db.exec(select(OperatorSession)).one().last_seen_at
    assert utcnow().replace(tzinfo=None) - seen.replace(tzinfo=None) > idle - timedelta(
        minutes=3
    )  # ...but not kept alive
    last_seen_ago(app, idle + timedelta(minutes=1))
    assert desk.get("/dashboard/queue.json?since=0").status_code == 401
    assert desk.get("/dashboard/").status_code == 302
