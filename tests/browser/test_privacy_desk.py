"""A privacy officer's morning in a real browser (Debian's Chromium through Playwright), against our app under gunicorn.

Two residents file ARCO requests by WhatsApp (Twilio's signed webhook); the officer, created with the CLI, signs
in, finds them in the queue, corrects one resident's name and fulfils the other's cancellation; an RQ worker in
this process tells that resident (Twilio's Messages API mocked) and then erases them.
"""

from __future__ import annotations

import re
import subprocess
import urllib.parse
import urllib.request
from types import SimpleNamespace

import pytest
from rq import SimpleWorker

from bot import create_app
from tests.support.app import ACCOUNT_SID, AUTH_TOKEN, query
from tests.support.browser import BIN, expect
from tests.support.processes import free_port, gunicorn, send_signed
from tests.support.twilio_api import twilio_api
from tests.support.webchat import web_environment

OFFICER, PASSWORD = "transparencia@sanpedro.gob.mx", "una clave para la unidad de transparencia"
FOLIO = re.compile(r"\*(\d{4}-[0-9A-Z]{6})\*")


@pytest.fixture
def city(tmp_path, redis_url):
    """gunicorn serving the app, a privacy officer created with the CLI, and a worker to run by hand."""
    port = free_port()
    env = web_environment(
        tmp_path,
        redis_url,
        port,
        SECRET_KEY="privacy-desk-secret",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_WHATSAPP_FROM="whatsapp:+5218187654321",
        SESSION_COOKIE_SECURE="0",  # the test server speaks plain http on loopback
    )
    worker_app = create_app(
        {
            "database_url": env["DATABASE_URL"],
            "redis_url": redis_url,
            "flows_path": env["FLOWS_PATH"],
            "public_url": env["PUBLIC_URL"],
            "twilio_auth_token": AUTH_TOKEN,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_whatsapp_from": env["TWILIO_WHATSAPP_FROM"],
            "media_dir": env["MEDIA_DIR"],
            "secret_key": env["SECRET_KEY"],
        }
    )
    try:
        with gunicorn(env, port, tmp_path / "gunicorn.log", "--workers", "1", "--threads", "4") as base:
            subprocess.run(
                [
                    BIN / "ventanilla",
                    "operators",
                    "add",
                    OFFICER,
                    "--role",
                    "privacy",
                    "--name",
                    "Unidad",
                    "--language",
                    "en",
                ],
                env={**env, "VENTANILLA_PASSWORD": PASSWORD},
                check=True,
                capture_output=True,
            )
            yield SimpleNamespace(base=base, database=env["DATABASE_URL"], worker_app=worker_app)
    finally:
        worker_app.extensions["ventanilla"].engine.dispose()


def resident_sends(city, sender: str, text: str) -> str:
    """One WhatsApp message as Twilio posts it (signed); return the bot's reply text."""
    status, reply = send_signed(city.base, sender, text)
    assert status == 200, reply
    return reply


def files_request(city, sender: str, *texts: str) -> str:
    """A resident writes an ARCO command and what it asks; return the folio the bot gives."""
    replies = [resident_sends(city, sender, text) for text in texts]
    found = FOLIO.search(replies[-1])
    assert found, replies
    return found[1]


def work(city) -> None:
    with city.worker_app.app_context():
        svc = city.worker_app.extensions["ventanilla"]
        SimpleWorker([svc.queue], connection=svc.redis).work(burst=True)


def landing_of(city, path: str) -> str:
    """Where a GET without the officer's cookies ends up (only the browser is signed in)."""
    with urllib.request.urlopen(city.base + path, timeout=10) as response:
        return urllib.parse.urlsplit(response.url).path


@pytest.fixture
def officer_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-MX")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.dialogs, page.errors, page.csp = [], [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.accept()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: "Content Security Policy" in message.text and page.csp.append(message.text))
    yield page
    context.close()


def test_a_privacy_officers_morning(city, officer_page, no_network):
    page = officer_page
    sent = twilio_api(no_network)
    erase_me = files_request(city, "+5218112345678", "borrar mis datos", "sí")
    rename_me = files_request(city, "+5218119990001", "corregir mis datos", "Me llamo Guadalupe, no Lupe")

    # Sign in: the home is the ARCO queue, and the menu has nothing else.
    page.goto(city.base + "/dashboard/")
    # The login page speaks the browser's Spanish; once signed in, the officer's own language (English).
    page.get_by_label("Correo electrónico").fill(OFFICER)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", name="ARCO requests")).to_be_visible()
    expect(page.locator("#privacy-requests tbody tr")).to_have_count(2)
    expect(page.locator("header nav a")).to_have_text(["ARCO requests"])
    assert "8112345678" not in page.content()

    # The rectification: the name is corrected and the resident told.
    page.get_by_role("link", name=rename_me).click()
    expect(page.locator("#request-facts")).to_contain_text("Me llamo Guadalupe, no Lupe")
    page.get_by_label("Answer to the resident").fill("Corregimos tu nombre.")
    page.get_by_label("Corrected name").fill("Guadalupe")
    page.get_by_role("button", name="Fulfil").click()
    expect(page.locator(".flash")).to_have_text("Fulfilled. The resident will be told.")
    expect(page.locator("#contact-name")).to_have_text("Guadalupe")
    expect(page.locator("#privacy-audit li").first).to_contain_text(OFFICER)

    # The cancellation: the number is masked; fulfilling asks first, then the worker tells and erases.
    page.goto(city.base + "/dashboard/privacy/requests")
    page.get_by_role("link", name=erase_me).click()
    expect(page.locator("#resident-facts")).to_contain_text("+5281••••5678")
    assert "8112345678" not in page.content()
    page.get_by_label("Answer to the resident").fill("Borraremos tus datos personales.")
    page.get_by_role("button", name="Fulfil").click()
    assert page.dialogs and "cannot be undone" in page.dialogs[-1]
    expect(page.locator("#request-status")).to_have_text("fulfilled")
    work(city)
    told = [m for m in sent if "Borraremos tus datos personales." in m.get("Body", "")]
    assert told and told[0]["To"] == "whatsapp:+528112345678"
    page.reload()
    expect(page.locator("#resident-facts")).to_contain_text("personal data erased")
    assert query(city.database, "SELECT count(*) FROM contactaddress WHERE address LIKE '%8112345678%'") == [(0,)]

    # Nothing of the tickets is theirs to see.
    response = page.goto(city.base + "/dashboard/map")
    assert response is not None and response.status == 403
    assert landing_of(city, "/dashboard/privacy/requests") == "/dashboard/login"  # nobody unsigned sees the queue
    assert page.errors == [] and page.csp == []
