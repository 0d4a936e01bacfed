"""A survey's QR cards on the dashboard: who sees them, the images and the PDF, and a card's code read by a phone
and sent through Twilio's webhook starts the survey at its park."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlmodel import select

from bot import create_app
from bot.db.database import create_tables, transaction
from bot.db.tables import SurveyResponse
from tests.support.app import PUBLIC_URL, Resident, app_settings
from tests.support.desks import Desk, add_operator
from tests.support.qr import decode, page_code, pdf_pages, whatsapp_message

QR = "/dashboard/surveys/park_evaluation/qr"


def test_a_parks_card_read_by_a_phone_and_sent_over_whatsapp_starts_the_survey_at_that_park(app, client, desk):
    page = desk("civica@parques.org", "viewer", ["parques"]).get(QR)
    assert page.status_code == 200
    rows = re.findall(r'<tr data-code="([^"]+)">', page.text)
    assert len(rows) == 230 and rows[:2] == ["P001", "P002"]
    assert "Hola, quiero evaluar Jardín Las Cumbres (P230)" in unescape(page.text)
    assert f'href="{QR}.pdf"' in page.text and f'href="{QR}/P230.svg?download=1"' in page.text

    image = desk("ana@parques.org", "operator", ["parques"]).get(f"{QR}/P230.png?download=1")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["Content-Disposition"] == 'attachment; filename="P230.png"'
    number, message = whatsapp_message(decode(image.data))
    assert number == "528187654321"  # the tests' TWILIO_WHATSAPP_FROM, whatsapp:+52 1 81 8765 4321

    resident = Resident(client)
    assert "Del 1 al 5, ¿qué tan *limpio* está Jardín Las Cumbres?" in resident.says(message)
    for answer in ("5", "4", "3"):
        resident.says(answer)
    assert "¡Gracias por evaluar Jardín Las Cumbres!" in resident.says("omitir")
    with transaction(app.extensions["ventanilla"].engine) as db:
        (response,) = db.exec(select(SurveyResponse)).all()
        assert response.answers["park"] == "P230" and response.answers["cleanliness"] == 5


def test_the_pdf_has_a_card_a_page_and_the_svg_is_a_drawing_with_no_script(desk):
    viewer = desk("civica@parques.org", "viewer", ["parques"])
    sheet = viewer.get(f"{QR}.pdf")
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    assert sheet.headers["Content-Disposition"] == 'attachment; filename="park_evaluation-qr.pdf"'
    pages = pdf_pages(sheet.data)
    assert len(pages) == 230 and pages[6].extract_text().startswith("Parque Alfonso Reyes")
    assert whatsapp_message(page_code(pages[6]))[1] == "Hola, quiero evaluar Parque Alfonso Reyes (P007)"
    drawing = viewer.get(f"{QR}/P007.svg")
    assert drawing.mimetype == "image/svg+xml" and b"<title>Parque Alfonso Reyes</title>" in drawing.data
    assert b"<script" not in drawing.data and "sandbox" in drawing.headers["Content-Security-Policy"]


def test_web_chat_cards_open_the_city_page_at_the_survey(desk):
    viewer = desk("civica@parques.org", "viewer", ["parques"])
    page = viewer.get(f"{QR}?channel=webchat")
    assert f"{PUBLIC_URL}/webchat/#ventanilla=P001" in page.text  # PUBLIC_URL's demo page, as WEBCHAT_PAGE_URL is unset
    assert decode(viewer.get(f"{QR}/P001.png?channel=webchat").data) == f"{PUBLIC_URL}/webchat/#ventanilla=P001"
    assert len(pdf_pages(viewer.get(f"{QR}.pdf?channel=webchat").data)) == 230
    assert viewer.get(f"{QR}?channel=sms").status_code == 404


def test_another_departments_operator_sees_no_cards_and_unknown_cards_are_not_found(desk):
    works = desk("obras@municipio.gob.mx", "operator", ["obras_publicas"])
    for path in (QR, f"{QR}/P001.png", f"{QR}/P001.svg", f"{QR}.pdf"):
        assert works.get(path).status_code == 404, path
    admin = desk("admin@municipio.gob.mx", "admin", [])
    assert admin.get(QR).status_code == 200
    for path in (f"{QR}/P999.png", f"{QR}/..%2Fflows.svg", "/dashboard/surveys/pothole/qr"):
        assert admin.get(path).status_code == 404, path


def test_the_survey_pages_link_their_cards(desk):
    viewer = desk("civica@parques.org", "viewer", ["parques"])
    assert f'href="{QR}"' in viewer.get("/dashboard/surveys").text
    assert f'href="{QR}"' in viewer.get("/dashboard/surveys/park_evaluation").text


@pytest.fixture
def city_without_whatsapp(tmp_path, redis_url):
    app = create_app(app_settings(tmp_path, redis_url, twilio_whatsapp_from="", public_url=""))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


def test_without_a_whatsapp_number_the_page_says_what_to_set_in_the_operators_language(city_without_whatsapp):
    email = add_operator(city_without_whatsapp, "admin@municipio.gob.mx", "admin", language="es")
    admin = Desk(city_without_whatsapp, email).login()
    page = admin.get(QR)
    assert page.status_code == 200
    assert "Falta el número de WhatsApp del municipio: define WHATSAPP_NUMBER" in unescape(page.text)
    assert "<table" not in page.text
    assert admin.get(f"{QR}.pdf").status_code == 404 and admin.get(f"{QR}/P001.png").status_code == 404
    webchat = admin.get(f"{QR}?channel=webchat")
    assert "http://localhost/webchat/#ventanilla=P001" in webchat.text  # no PUBLIC_URL: the address the admin used
