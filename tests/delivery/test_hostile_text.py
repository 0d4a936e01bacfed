"""Every delivery kind carries whatever residents type — line breaks, control characters, 100 KB — or records why it
could not: never a ticket stuck "received" with its outbox row pending, never a half-written record (issue 12, point 4).

Real systems where the kind allows it: an SMTP server (aiosmtpd on loopback) for email, `responses` for the
webhook and Open311 departments.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import responses

from bot.delivery.email import SUBJECT_LENGTH
from bot.delivery.open311 import ADDRESS_LENGTH, DESCRIPTION_LENGTH
from tests.support.app import Resident
from tests.support.outbox import HOSTILE, assert_settled, hostile_ticket, outbox_rows, settle, ticket_and_events
from tests.support.smtp import SMTP_PORT

WEBHOOK = "https://obras.example.mx/ventanilla/tickets"
OPEN311 = "https://311.example.mx/open311/v2"
TO = "obras.publicas@sanpedro.example.mx"

WEBHOOK_BLOCK = (
    f"      kind: webhook\n      url: {WEBHOOK}\n"
    "      secret: ${OBRAS_PUBLICAS_WEBHOOK_SECRET}\n      status_secret: ${OBRAS_PUBLICAS_STATUS_SECRET}\n"
)
OPEN311_BLOCK = f"      kind: open311\n      endpoint: {OPEN311}\n      api_key: llave-311\n"
EMAIL_BLOCK = (
    f"      kind: email\n      to: {TO}\n      from: ventanilla@sanpedro.example.mx\n"
    f"      smtp_host: 127.0.0.1\n      smtp_port: {SMTP_PORT}\n"
)
# What a header or a form field may not hold once it is on one line: line breaks and control characters.
NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
# What no body line may hold: control characters (tab and newline are layout).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@pytest.mark.parametrize("app_with_departments", [WEBHOOK_BLOCK], indirect=True)
def test_a_webhook_department_gets_every_field_exactly_as_typed(app_with_departments, no_network):
    app = app_with_departments
    bodies = []
    no_network.add_callback(
        responses.POST, WEBHOOK, callback=lambda request: bodies.append(json.loads(request.body)) or (201, {}, "{}")
    )
    folio = hostile_ticket(app)
    settle(app)
    assert assert_settled(app, folio) == "done"
    (body,) = bodies  # JSON carries anything: the department gets the resident's words whole, 100 KB included
    assert body["summary"] == body["category"] == body["location"]["address"] == HOSTILE
    assert body["answers"]["description"] == HOSTILE and body["answers"]["details"]["list"] == [HOSTILE, 3]


@pytest.mark.parametrize("app_with_departments", [EMAIL_BLOCK], indirect=True)
def test_an_email_department_gets_one_line_headers_and_a_clean_body(app_with_departments, smtp_server, no_network):
    app = app_with_departments
    media_dir = Path(app.extensions["ventanilla"].config.media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / "abc123.jpg").write_bytes(b"\xff\xd8\xff a photo")
    photo = {"stored": "abc123.jpg", "content_type": "image/jpeg\r\nBcc: intruso@example.com", "url": "x"}
    folio = hostile_ticket(app, media=[photo])
    settle(app)
    assert assert_settled(app, folio) == "done"
    ((recipients, message),) = smtp_server.messages
    assert recipients == [TO] and message["Bcc"] is None and message["Cc"] is None
    assert sorted(message.keys()) == ["Content-Type", "Date", "From", "MIME-Version", "Message-ID", "Subject", "To"]
    subject = str(message["Subject"])
    assert subject.startswith(f"[{folio}] Morelos 12 Bcc: intruso@example.com [2J fin") and "ñandú" in subject
    assert not NOT_ONE_LINE.search(subject) and len(subject) <= len(folio) + 3 + SUBJECT_LENGTH
    body = message.get_body(("plain",)).get_content()
    assert not CONTROL.search(body) and f"Folio: {folio}" in body
    # A second line of a value is indented under its label: nothing in the body reads as a header or a label.
    assert "Dirección: Morelos 12\n  Bcc: intruso@example.com\n" in body  # labelled in Spanish, the default
    assert not any(line.startswith("Bcc:") for line in body.splitlines())
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/octet-stream" and attachment.get_filename() == "abc123.jpg"


@pytest.mark.parametrize("app_with_departments", [EMAIL_BLOCK], indirect=True)
def test_an_address_typed_on_two_lines_is_delivered_by_email(app_with_departments, smtp_server, no_network):
    """The issue's case, through the conversation: it used to raise ValueError in the Subject ten times over."""
    app = app_with_departments
    resident = Resident(app.test_client())
    for text in ("bache", "Morelos 12\nBcc: intruso@example.com", "omitir", "sí"):
        resident.says(text)
    settle(app)
    ((recipients, message),) = smtp_server.messages
    (ticket, _) = ticket_and_events(app, message["Message-ID"].strip("<>").split("@")[0])
    assert recipients == [TO] and ticket.status == "delivered" and message["Bcc"] is None
    assert "\n" not in str(message["Subject"]) and "Bcc: intruso" in str(message["Subject"])


@pytest.mark.parametrize("app_with_departments", [OPEN311_BLOCK], indirect=True)
def test_an_open311_department_gets_a_bounded_description_and_a_one_line_address(app_with_departments, no_network):
    app = app_with_departments
    forms = []

    def create(request):
        forms.append({k: v[0] for k, v in parse_qs(request.body).items()})
        return (201, {}, '[{"service_request_id": "311-77"}]')

    no_network.add_callback(responses.POST, f"{OPEN311}/requests.json", callback=create)
    folio = hostile_ticket(app)
    settle(app)
    assert assert_settled(app, folio) == "done"
    (form,) = forms
    description, address = form["description"], form["address_string"]
    assert description.startswith(f"[{folio}] Morelos 12") and len(description) <= DESCRIPTION_LENGTH
    assert not CONTROL.search(description.replace("\r", "")) and "Bcc: intruso@example.com" in description
    assert address.startswith("Morelos 12 Bcc: intruso") and not NOT_ONE_LINE.search(address)
    assert len(address) <= ADDRESS_LENGTH and ticket_and_events(app, folio)[0].external_id == "311-77"


@pytest.mark.parametrize("app_with_departments", [OPEN311_BLOCK], indirect=True)
def test_an_open311_answer_without_an_id_is_a_recorded_failure_not_a_ticket_numbered_none(
    app_with_departments, no_network
):
    app = app_with_departments
    no_network.add(responses.POST, f"{OPEN311}/requests.json", status=201, body='[{"service_notice": "\x1b\n ok"}]')
    no_network.add(responses.GET, f"{OPEN311}/requests.json", json=[{"unrelated": True}, "not a request"])
    folio = hostile_ticket(app)
    settle(app)
    assert assert_settled(app, folio) == "failed"
    ticket, _ = ticket_and_events(app, folio)
    assert ticket.external_id is None
    (row,) = outbox_rows(app)
    assert row.last_error.startswith("Open311 answered without a service_request_id")


@pytest.mark.parametrize("app_with_departments", ["      kind: dashboard\n"], indirect=True)
def test_a_dashboard_department_keeps_the_ticket_waiting_whatever_it_says(app_with_departments, no_network):
    app = app_with_departments
    folio = hostile_ticket(app)
    settle(app)
    assert assert_settled(app, folio) == "done"
    ticket, events = ticket_and_events(app, folio)
    assert ticket.status == "received" and [e.kind for e in events] == ["received", "waiting_for_operators"]
