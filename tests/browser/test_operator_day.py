"""An operator's day in a real browser (Debian's Chromium through Playwright), against our app under gunicorn.

The operator reads the dashboard in Spanish (es-MX), as the city's staff do: she is added with the CLI's
default language, and every label, button and message she meets below is the Spanish catalogue's.

Residents write through Twilio's signed webhook; an RQ worker in this process delivers, downloads
photos and sends replies, with only Twilio's and the department's HTTP APIs mocked (responses).
Screenshots land in docs/img/ for the README.
"""

from __future__ import annotations

import re
import subprocess
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime
from types import SimpleNamespace
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
import responses
from babel.dates import format_datetime
from rq import SimpleWorker

from bot import create_app
from tests.support.app import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    ROOT,
    accepting_notice,
    query,
    twilio_fixture,
    twilio_signature,
)
from tests.support.browser import BIN, expect, small_jpeg
from tests.support.processes import free_port, gunicorn
from tests.support.webchat import web_environment

IMG = ROOT / "docs" / "img"
DEPARTMENT_HOOK = "https://obras.example.mx/ventanilla"
TWILIO_MESSAGES = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
OPERATOR, PASSWORD = "ana@sanpedro.gob.mx", "una clave de operadora"
DESK = {"width": 1440, "height": 900}
MEDIA_URL = re.compile(r"https://api\.twilio\.com/2010-04-01/Accounts/\w+/Messages/\w+/Media/\w+")


def server_env(tmp_path, redis_url, port: int) -> dict:
    return web_environment(
        tmp_path,
        redis_url,
        port,
        SECRET_KEY="operator-day-secret",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_WHATSAPP_FROM="whatsapp:+5218187654321",
        TWILIO_SMS_FROM="+528187654321",
        OBRAS_PUBLICAS_WEBHOOK_URL=DEPARTMENT_HOOK,
        SESSION_COOKIE_SECURE="0",  # the test server speaks plain http on loopback
    )


@pytest.fixture
def city(tmp_path, redis_url, monkeypatch):
    """gunicorn serving the app, an operator of Obras Públicas created with the CLI, and a worker to run by hand."""
    port = free_port()
    env = server_env(tmp_path, redis_url, port)
    subprocess.run(
        [
            BIN / "ventanilla",
            "operators",
            "add",
            OPERATOR,
            "--name",
            "Ana",
            "--department",
            "obras_publicas",
            "--department",
            "parques",
            "--language",
            "es",
        ],
        env={**env, "VENTANILLA_PASSWORD": PASSWORD},
        check=True,
        capture_output=True,
    )
    for name in ("OBRAS_PUBLICAS_WEBHOOK_URL",):  # flows.yaml reads it (the keys are the tests' own, conftest.py)
        monkeypatch.setenv(name, env[name])
    worker_app = create_app(
        {
            "database_url": env["DATABASE_URL"],
            "redis_url": redis_url,
            "flows_path": env["FLOWS_PATH"],
            "public_url": env["PUBLIC_URL"],
            "twilio_auth_token": AUTH_TOKEN,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_whatsapp_from": env["TWILIO_WHATSAPP_FROM"],
            "twilio_sms_from": env["TWILIO_SMS_FROM"],
            "media_dir": env["MEDIA_DIR"],
            "secret_key": env["SECRET_KEY"],
        }
    )
    options = ("--workers", "2", "--worker-class", "gthread", "--threads", "4", "--graceful-timeout", "3")
    try:
        with gunicorn(env, port, tmp_path / "gunicorn.log", *options) as base:
            yield SimpleNamespace(
                base=base, database=env["DATABASE_URL"], worker_app=worker_app, log=tmp_path / "gunicorn.log"
            )
    finally:
        worker_app.extensions["ventanilla"].engine.dispose()


class Outside:
    """The outside world the worker talks to: the department's endpoint, Twilio's media and Messages APIs."""

    def __init__(self, mock: responses.RequestsMock, photo: bytes):
        self.sent: list[dict] = []
        self.delivered: list[bytes] = []
        mock.add_callback(responses.POST, DEPARTMENT_HOOK, callback=self._deliver)
        mock.add(responses.GET, MEDIA_URL, body=photo, content_type="image/jpeg")
        mock.add_callback(responses.POST, TWILIO_MESSAGES, callback=self._send)

    def _deliver(self, request):
        self.delivered.append(request.body)
        return (200, {}, '{"ok": true}')

    def _send(self, request):
        self.sent.append({k: v[0] for k, v in parse_qs(request.body).items()})
        return (201, {}, '{"sid": "SMb%031d", "status": "queued"}' % len(self.sent))


def work(city) -> None:
    """Run every queued job (deliveries, downloads, sends) once, as the RQ worker would."""
    with city.worker_app.app_context():
        svc = city.worker_app.extensions["ventanilla"]
        SimpleWorker([svc.queue], connection=svc.redis).work(burst=True)


def resident_sends(city, sender: str, fixture: str = "whatsapp_text", **fields) -> str:
    """One message as Twilio posts it (signed); return the bot's reply text (after accepting the privacy notice)."""
    sid = f"SM{time.time_ns():032x}"[:34]
    form = {
        **twilio_fixture(fixture),
        "From": f"whatsapp:{sender}",
        "WaId": sender.lstrip("+"),
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        **fields,
    }
    url = city.base + "/webhooks/twilio"
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST")
    request.add_header("X-Twilio-Signature", twilio_signature(url, form))
    with urllib.request.urlopen(request, timeout=30) as response:
        reply = "\n".join("".join(m.itertext()) for m in ET.fromstring(response.read()).iter("Message"))
    accepting = accepting_notice(reply)
    return resident_sends(city, sender, Body=accepting) if accepting else reply


def report_pothole(city, sender: str, where: str, photo: bool) -> str:
    """A resident reports a pothole at a typed address (with a photo or not); return the folio."""
    for text in ("hola", "bache", where):
        resident_sends(city, sender, Body=text)
    if photo:
        resident_sends(city, sender, "whatsapp_image")
    else:
        resident_sends(city, sender, Body="omitir")
    reply = resident_sends(city, sender, Body="sí")
    folio = next(
        word.strip("*.,") for word in reply.split() if len(word.strip("*.,")) == 11 and word.strip("*.,")[4] == "-"
    )
    return folio


def pin_pothole(city, sender: str) -> str:
    """A resident shares a location pin and a photo; return the folio."""
    resident_sends(city, sender, Body="hola")
    resident_sends(city, sender, Body="bache")
    resident_sends(city, sender, "whatsapp_location")
    resident_sends(city, sender, "whatsapp_image")
    reply = resident_sends(city, sender, Body="sí")
    return next(
        word.strip("*.,") for word in reply.split() if len(word.strip("*.,")) == 11 and word.strip("*.,")[4] == "-"
    )


def rate_park(city, sender: str, park: str, ratings: tuple[int, int, int], comment: str) -> None:
    for text in ("hola", "evaluar parque", park, *map(str, ratings), comment):
        resident_sends(city, sender, Body=text)


@pytest.fixture
def desk_page(browser):
    context = browser.new_context(viewport=DESK, locale="es-MX", timezone_id="America/Monterrey")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.dialogs, page.errors, page.csp = [], [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    # Chromium reports on the console whatever the Content-Security-Policy refused (an inline style, a script).
    page.on("console", lambda message: "Content Security Policy" in message.text and page.csp.append(message.text))
    yield page
    context.close()


def test_an_operators_day(city, desk_page, no_network):
    page = desk_page
    page.goto(city.base + "/healthz")
    outside = Outside(no_network, small_jpeg(page))

    # Morning: residents write in. One shares a pin and a photo; one types an address with markup in it;
    # one reports trash (another department's); three rate parks.
    pinned = pin_pothole(city, "+5218112345678")
    hostile = report_pothole(city, "+5218119990001", "<script>alert(1)</script> Morelos y Padre Mier", photo=False)
    for n, (park, ratings) in enumerate(
        [("rufino", (4, 5, 3)), ("parke clutier", (2, 3, 1)), ("rufino tamayo", (5, 4, 4))]
    ):
        rate_park(city, f"+521811777000{n}", park, ratings, ["Faltan botes de basura", "omitir", "Muy bonito"][n])
    work(city)  # deliveries to Obras Públicas, the photo copied from Twilio
    assert len(outside.delivered) == 2

    # Sign in.
    page.goto(city.base + "/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", "es-MX")  # the browser asks for es-MX
    page.get_by_label("Correo electrónico").fill(OPERATOR)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", name="Bandeja")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es-MX")  # her account's language from now on
    rows = page.locator("#queue-rows tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#queue-rows")).to_contain_text("<script>alert(1)</script>")  # shown as text
    assert "8112345678" not in page.content()  # numbers are masked in the list

    # A new report arrives while she looks: it appears without a reload.
    third = report_pothole(city, "+5218119990002", "Vasconcelos y Gómez Morín", photo=False)
    expect(rows).to_have_count(3, timeout=20_000)
    expect(page.locator("#queue-rows")).to_contain_text(third)
    expect(page.locator("#queue-live")).to_have_text("· los reportes nuevos aparecen aquí solos")

    # Filter: search a street, then the keyboard opens the first match.
    page.get_by_label("Buscar").fill("vasconcelos")
    page.get_by_role("button", name="Aplicar").click()
    expect(rows).to_have_count(2)  # the pin's address and the new one are both on Vasconcelos
    page.get_by_label("Buscar").fill(pinned)
    page.get_by_role("button", name="Aplicar").click()
    expect(rows).to_have_count(1)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    page.keyboard.press("Enter")

    # The ticket: the photo, the map, the full number (this view is audited).
    expect(page.get_by_role("heading", name="Conversación")).to_be_visible()
    photo = page.locator("img[src^='/media/']").first
    expect(photo).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", photo.element_handle())
    expect(page.locator("#ticket-map .leaflet-marker-icon")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("+528112345678")  # E.164, Mexico's old mobile "1" dropped
    received = page.locator("dd time").first  # on the city's clock (CITY_TIMEZONE: Mexico City, UTC-6 as Monterrey)
    moment = datetime.fromisoformat(received.get_attribute("datetime"))
    local = moment.astimezone(ZoneInfo("America/Mexico_City"))
    assert " ".join(received.get_attribute("title").split()) == " ".join(
        format_datetime(moment, "short", tzinfo=local.tzinfo, locale="es_MX").split()
    )  # the server's text (Babel, es-MX), kept as the title
    assert (
        received.text_content()
        == f"{local:%d/%m/%y}, {local.hour % 12 or 12}:{local:%M} {'a.m.' if local.hour < 12 else 'p.m.'}"
    )  # the browser's, in the page's language (es-MX), whatever its own locale

    # Change its status, with a reason, and reply to the resident.
    page.get_by_label("Estado").select_option("in_progress")
    page.get_by_label("Motivo").fill("Cuadrilla asignada")
    page.get_by_role("button", name="Cambiar estado").click()
    expect(page.locator(".badge.status-in_progress").first).to_have_text("en proceso")
    expect(page.locator(".flash").first).to_have_text("Estado cambiado a en proceso.")
    page.get_by_label("Responder al ciudadano").fill("Hola, ya va la cuadrilla a tapar el bache 🚧")
    page.get_by_role("button", name="Enviar respuesta").click()
    expect(page.locator(".flash").first).to_have_text("Respuesta en cola para el ciudadano.")
    page.screenshot(path=str(IMG / "dashboard-ticket.png"), full_page=True)
    work(city)
    reply = [m for m in outside.sent if "cuadrilla" in m.get("Body", "")]
    assert reply and reply[0]["To"] in ("whatsapp:+5218112345678", "whatsapp:+528112345678")
    events = query(
        city.database, "SELECT kind, actor FROM ticketevent WHERE kind IN ('viewed', 'status_changed', 'replied')"
    )
    assert {("viewed", OPERATOR), ("status_changed", OPERATOR), ("replied", OPERATOR)} <= set(events)

    # The map of open tickets works with no internet (tiles fail to load; markers and popups do not need them).
    page.goto(city.base + "/dashboard/map")
    expect(page.locator("#map-list li")).to_have_count(1)  # only the pin has coordinates
    expect(page.locator("#map-status")).to_have_text("1 reporte con ubicación.")
    page.locator("#map-list li button").first.click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text(pinned)

    # The hostile address is text on its ticket page too.
    page.goto(f"{city.base}/dashboard/tickets/{hostile}")
    expect(page.locator("main")).to_contain_text("<script>alert(1)</script>")

    # The parks, as a civic group would look at them.
    page.goto(city.base + "/dashboard/surveys")
    page.get_by_role("link", name="Evaluar un parque").first.click()
    expect(page.locator("#response-total")).to_have_text("3")
    expect(page.locator("#subjects-table")).to_contain_text("Parque Rufino Tamayo")
    expect(page.locator("canvas").first).to_be_visible()
    page.wait_for_function("() => [...document.querySelectorAll('canvas')].every(c => c.width > 0)")
    page.screenshot(path=str(IMG / "dashboard-survey.png"), full_page=True)

    # The overview of her departments: three potholes this week, all on WhatsApp, none overdue.
    page.goto(city.base + "/dashboard/overview")
    expect(page.locator("#overdue")).to_have_text("0")
    expect(page.locator('#per-week tr[data-category="bache"] td').last).to_have_text("3")  # this week's total
    page.wait_for_function(
        "() => document.querySelectorAll('canvas').length >= 2 && "
        "[...document.querySelectorAll('canvas')].every(c => c.width > 0)"
    )

    # The queue, for the README, then sign out: the page is gone for this browser.
    page.goto(city.base + "/dashboard/?status=all")
    page.screenshot(path=str(IMG / "dashboard-queue.png"))
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()
    page.goto(city.base + "/dashboard/")
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()
    assert page.dialogs == [] and page.errors == []
    assert page.csp == []  # every page of the day worked under the CSP without it refusing anything
