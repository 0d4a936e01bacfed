"""Departments get only what they need (issue 13, point 5): the fields flows.yaml `shares` lists, the folio always,
and the resident's phone number and name only where a department lists contact_phone or contact_name."""

from __future__ import annotations

import json
import typing
from urllib.parse import parse_qs

import pytest
import responses

from bot.db.tables import Ticket
from bot.flows import schema
from bot.flows.model import DEFAULT_SHARES, SHARED_FIELDS
from bot.jobs.ticket_jobs import ticket_payload
from tests.support.app import Resident, all_rows, twilio_fixture
from tests.support.departments import OBRAS_URL, department_endpoint, session_of, work
from tests.support.smtp import SMTP_PORT
from tests.support.twilio_api import twilio_media

PHONE = "+528112345678"  # the fixtures' resident (whatsapp:+5218112345678), as the database keeps the number
NAME = "Lupita"  # the fixtures' ProfileName
OPEN311 = "https://311.example.mx/open311/v2"
WEBHOOK = f"      kind: webhook\n      url: {OBRAS_URL}\n      secret: ${{OBRAS_PUBLICAS_WEBHOOK_SECRET}}\n"
OPEN311_BLOCK = f"      kind: open311\n      endpoint: {OPEN311}\n      api_key: llave-311\n"
EMAIL = (
    "      kind: email\n      to: obras.publicas@sanpedro.example.mx\n      from: ventanilla@sanpedro.example.mx\n"
    f"      smtp_host: 127.0.0.1\n      smtp_port: {SMTP_PORT}\n"
)


def sharing(delivery: str, *fields: str) -> str:
    """A department block's delivery followed by its `shares:` list."""
    return delivery + f"    shares: [{', '.join(fields)}]\n"


def report_pothole(app, no_network, photo: bool = False) -> None:
    """The fixtures' resident reports a pothole at a pin (with a photo, copied before the ticket leaves)."""
    resident = Resident(app.test_client())
    resident.says("bache")
    resident.send("whatsapp_location")
    if photo:
        twilio_media(no_network, twilio_fixture("whatsapp_image")["MediaUrl0"])
        resident.send("whatsapp_image")
        work(app)
    else:
        resident.says("omitir")
    assert "folio" in resident.says("sí")


def the_ticket(app) -> Ticket:
    with session_of(app) as db:
        (ticket,) = all_rows(db, Ticket)
    return ticket


def assert_no_contact(text: str) -> None:
    assert PHONE[3:] not in text and NAME not in text


# Webhook


@pytest.mark.parametrize("app_with_departments", [WEBHOOK], indirect=True)
def test_a_webhook_department_gets_neither_phone_nor_name_by_default(app_with_departments, no_network):
    received = department_endpoint(no_network, OBRAS_URL)
    report_pothole(app_with_departments, no_network)
    work(app_with_departments)
    ((_, body),) = received
    assert set(body) == {"folio", *DEFAULT_SHARES} and "contact" not in body
    assert_no_contact(json.dumps(body, ensure_ascii=False))


@pytest.mark.parametrize(
    "app_with_departments", [sharing(WEBHOOK, "category", "summary", "location", "contact_phone")], indirect=True
)
def test_a_webhook_department_sharing_the_phone_gets_it_and_only_what_it_lists(app_with_departments, no_network):
    received = department_endpoint(no_network, OBRAS_URL)
    report_pothole(app_with_departments, no_network)
    work(app_with_departments)
    ((folio, body),) = received
    assert set(body) == {"folio", "category", "summary", "location", "contact"} and body["folio"] == folio
    assert body["contact"] == {"phone": PHONE} and NAME not in json.dumps(body)
    assert the_ticket(app_with_departments).status == "delivered"


# Open311


def open311_endpoint(no_network) -> list[dict]:
    posted = []

    def create(request):
        posted.append({k: v[0] for k, v in parse_qs(request.body).items()})
        return (201, {}, '[{"service_request_id": "311-1"}]')

    no_network.add_callback(responses.POST, f"{OPEN311}/requests.json", callback=create)
    return posted


@pytest.mark.parametrize("app_with_departments", [OPEN311_BLOCK], indirect=True)
def test_an_open311_department_gets_neither_phone_nor_name_by_default(app_with_departments, no_network):
    posted = open311_endpoint(no_network)
    report_pothole(app_with_departments, no_network)
    work(app_with_departments)
    (form,) = posted
    assert not {"phone", "first_name", "last_name", "email"} & set(form)
    assert_no_contact(json.dumps(form, ensure_ascii=False))
    assert form["description"].startswith(f"[{the_ticket(app_with_departments).folio}] Bache en")


@pytest.mark.parametrize(
    "app_with_departments",
    [sharing(OPEN311_BLOCK, "summary", "location", "contact_phone", "contact_name")],
    indirect=True,
)
def test_an_open311_department_sharing_contact_gets_phone_and_first_name(app_with_departments, no_network):
    posted = open311_endpoint(no_network)
    report_pothole(app_with_departments, no_network)
    work(app_with_departments)
    (form,) = posted
    assert (form["phone"], form["first_name"]) == (PHONE, NAME) and "last_name" not in form  # one word: a first name
    assert form["service_code"] == "pothole"  # the flow's, though the category is not shared


# Email


def email_text(smtp_server) -> tuple[object, str]:
    ((_, message),) = smtp_server.messages
    body = message.get_body(("plain",)).get_content()
    return message, body


@pytest.mark.parametrize("app_with_departments", [EMAIL], indirect=True)
def test_an_email_department_gets_neither_phone_nor_name_by_default(app_with_departments, smtp_server, no_network):
    report_pothole(app_with_departments, no_network, photo=True)
    work(app_with_departments)
    message, body = email_text(smtp_server)
    assert "Teléfono:" not in body and "Nombre:" not in body
    assert_no_contact(message.as_string())
    assert [p.get_content_type() for p in message.walk() if p.get_content_maintype() == "image"] == ["image/jpeg"]


@pytest.mark.parametrize("app_with_departments", [sharing(EMAIL, "summary", "contact_phone")], indirect=True)
def test_an_email_department_sharing_the_phone_gets_it_and_no_more(app_with_departments, smtp_server, no_network):
    report_pothole(app_with_departments, no_network, photo=True)
    work(app_with_departments)
    message, body = email_text(smtp_server)
    ticket = the_ticket(app_with_departments)
    assert f"Teléfono: {PHONE}" in body and NAME not in message.as_string()
    assert message["Subject"] == f"[{ticket.folio}] {ticket.summary}"
    assert "Categoría" not in body and "openstreetmap" not in body and "Respuestas" not in body
    assert not [p for p in message.walk() if p.get_content_maintype() == "image"]  # media is not shared


# The payload itself, and the two lists of fields


def test_the_payload_has_the_folio_and_only_the_listed_fields():
    ticket = Ticket(folio="2611-ABCDEF", contact_id=1, channel="sms", flow="pothole", department="obras_publicas")
    ticket.category, ticket.summary = "bache", "Bache en Juárez"
    contact = {"phone": PHONE, "name": NAME}
    assert ticket_payload(ticket, "Obras", shares=("summary",), contact=contact) == {
        "folio": "2611-ABCDEF",
        "summary": "Bache en Juárez",
    }
    shared = ticket_payload(ticket, "Obras", shares=("category", "contact_name"), contact=contact)
    assert shared == {"folio": "2611-ABCDEF", "category": "bache", "contact": {"name": NAME}}
    assert "contact" not in ticket_payload(ticket, "Obras", contact=contact)  # DEFAULT_SHARES
    assert ticket_payload(ticket, "Obras", shares=("contact_phone",))["contact"] == {"phone": None}  # none kept


def test_the_schema_and_the_model_list_the_same_shared_fields():
    assert typing.get_args(schema.SharedField) == SHARED_FIELDS
    assert set(DEFAULT_SHARES) == set(SHARED_FIELDS) - {"contact_phone", "contact_name"}
