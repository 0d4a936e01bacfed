"""QR cards in a real browser (Debian's Chromium through Playwright), against our app under gunicorn.

A park volunteer signs in, opens the park survey's QR cards and downloads one park's code; the code is read as a
phone would (zxing-cpp) and its message sent through Twilio's signed webhook: the survey starts at that park.
A resident who scans a web chat card lands on the city's page with the chat open, already at the survey.
"""

from __future__ import annotations

import json
import subprocess
from types import SimpleNamespace

import pytest

from tests.support.app import query
from tests.support.browser import BIN, expect
from tests.support.processes import free_port, gunicorn, send_signed
from tests.support.qr import decode, pdf_pages, whatsapp_message
from tests.support.webchat import web_environment

VOLUNTEER, PASSWORD = "voluntarios@parques.org", "una clave para los parques"


@pytest.fixture
def city(tmp_path, redis_url):
    """gunicorn serving the app with the city's WhatsApp number, and a parks volunteer added with the CLI."""
    port = free_port()
    env = web_environment(
        tmp_path,
        redis_url,
        port,
        SECRET_KEY="qr-cards-secret",
        TWILIO_WHATSAPP_FROM="whatsapp:+5218187654321",
        SESSION_COOKIE_SECURE="0",  # the test server speaks plain http on loopback
    )
    command = [BIN / "ventanilla", "operators", "add", VOLUNTEER, "--role", "viewer", "--department", "parques"]
    subprocess.run(command, env={**env, "VENTANILLA_PASSWORD": PASSWORD}, check=True, capture_output=True)
    options = ("--workers", "1", "--worker-class", "gthread", "--threads", "4", "--graceful-timeout", "3")
    with gunicorn(env, port, tmp_path / "gunicorn.log", *options) as base:
        yield SimpleNamespace(base=base, database=env["DATABASE_URL"], log=tmp_path / "gunicorn.log")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-MX", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def test_a_volunteer_downloads_a_parks_card_and_its_code_starts_the_survey_there(city, page, tmp_path):
    page.goto(city.base + "/dashboard/login")
    page.get_by_label("Correo electrónico").fill(VOLUNTEER)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.get_by_role("link", name="Encuestas").click()
    page.get_by_role("link", name="Tarjetas QR").click()
    expect(page.get_by_role("heading", name="Tarjetas QR: Evaluar un parque")).to_be_visible()
    row = page.locator("tr[data-code=P042]")
    row.scroll_into_view_if_needed()  # the thumbnails load as they come into view
    expect(row.get_by_role("img")).to_have_js_property("complete", True)
    assert row.get_by_role("img").evaluate("img => img.naturalWidth") > 0  # the thumbnail drew

    with page.expect_download() as download:
        row.get_by_role("link", name="PNG").click()
    assert download.value.suggested_filename == "P042.png"
    link = decode(download.value.path().read_bytes())
    number, message = whatsapp_message(link)
    name = row.locator("td").nth(1).text_content()
    assert number == "528187654321" and message == f"Hola, quiero evaluar {name} (P042)"

    status, reply = send_signed(city.base, "+5218110002233", message)  # the resident sends what the card wrote
    assert status == 200 and f"Del 1 al 5, ¿qué tan *limpio* está {name}?" in reply
    for answer in ("5", "4", "4"):
        send_signed(city.base, "+5218110002233", answer)
    status, reply = send_signed(city.base, "+5218110002233", "omitir")
    assert f"¡Gracias por evaluar {name}!" in reply
    ((answers,),) = query(city.database, "SELECT answers FROM surveyresponse")
    answers = answers if isinstance(answers, dict) else json.loads(answers)  # PostgreSQL's driver parses JSON
    assert answers["park"] == "P042"

    with page.expect_download() as sheet:
        page.get_by_role("link", name="Descargar el PDF para imprimir (230 tarjetas)").click()
    assert len(pdf_pages(sheet.value.path().read_bytes())) == 230
    assert page.errors == [] and "Traceback" not in city.log.read_text()


def test_a_web_chat_card_opens_the_chat_at_the_survey_with_the_park_chosen(city, page):
    page.goto(f"{city.base}/dashboard/login")  # the volunteer's page lists the web chat cards' links
    page.get_by_label("Correo electrónico").fill(VOLUNTEER)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.goto(f"{city.base}/dashboard/surveys/park_evaluation/qr?channel=webchat")
    card = page.locator("tr[data-code=P001] img")
    expect(card).to_have_js_property("complete", True)
    link = decode(card.screenshot())  # read off the screen, as a phone's camera would
    assert link == f"{city.base}/webchat/#ventanilla=P001"

    resident = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="es-MX")
    phone = resident.new_page()
    phone.errors = []
    phone.on("pageerror", lambda error: phone.errors.append(str(error)))
    phone.goto(link)
    chat = phone.get_by_role("region", name="Conversación")
    expect(phone.get_by_role("dialog", name="Ventanilla · Reportes al municipio")).to_be_visible()
    expect(chat.get_by_text("Código QR P001")).to_be_visible()
    expect(chat.get_by_text("Del 1 al 5, ¿qué tan limpio está Parque Clouthier?")).to_be_visible()
    assert "#" not in phone.url  # the fragment is dropped: a reload does not start the survey again
    box = phone.get_by_label("Tu mensaje")
    box.fill("5")
    box.press("Enter")
    expect(chat.get_by_text("¿qué tan seguro te sientes ahí?")).to_be_visible()
    phone.reload()
    phone.get_by_role("button", name="Abrir chat con el municipio").click()
    expect(chat.get_by_text("Código QR P001")).to_have_count(1)
    assert phone.errors == [] and page.errors == []
    resident.close()
