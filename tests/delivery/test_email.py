"""Email delivery against a real SMTP server (aiosmtpd on loopback), not a mock."""

from __future__ import annotations

import pytest

from bot.db.tables import Ticket
from tests.support.app import all_rows, twilio_fixture
from tests.support.departments import session_of, work
from tests.support.processes import free_port
from tests.support.smtp import SMTP_PORT
from tests.support.twilio_api import PHOTO, twilio_media

EMAIL_BLOCK = (
    "      kind: email\n      to: obras.publicas@sanpedro.example.mx\n      from: ventanilla@sanpedro.example.mx\n"
    f"      smtp_host: 127.0.0.1\n      smtp_port: {SMTP_PORT}\n"
)


@pytest.mark.parametrize("app_with_departments", [EMAIL_BLOCK], indirect=True)
def test_the_department_inbox_gets_the_ticket_with_map_link_and_photo(app_with_departments, smtp_server, no_network):
    from tests.support.app import Resident

    app = app_with_departments
    twilio_media(no_network, twilio_fixture("whatsapp_image")["MediaUrl0"])
    resident = Resident(app.test_client())
    resident.says("bache")
    resident.send("whatsapp_location")
    resident.send("whatsapp_image")
    work(app)  # the photo is copied first
    resident.says("sí")
    work(app)
    ((recipients, message),) = smtp_server.messages
    with session_of(app) as db:
        (ticket,) = all_rows(db, Ticket)
    assert recipients == ["obras.publicas@sanpedro.example.mx"] and ticket.status == "delivered"
    assert (
        message["Subject"] == f"[{ticket.folio}] {ticket.summary}"
        and message["Message-ID"] == f"<{ticket.folio}@ventanilla>"
    )
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "https://www.openstreetmap.org/?mlat=25.6581&mlon=-100.4025" in body and f"Folio: {ticket.folio}" in body
    (photo,) = [p for p in message.walk() if p.get_content_type() == "image/jpeg"]
    assert photo.get_payload(decode=True) == PHOTO


@pytest.mark.parametrize("app_with_departments", [EMAIL_BLOCK.replace(str(SMTP_PORT), str(free_port()))], indirect=True)
def test_an_unreachable_mail_server_is_retried_later(app_with_departments, no_network):
    from bot.db.tables import Outbox
    from tests.support.app import Resident

    app = app_with_departments
    resident = Resident(app.test_client())
    for text in ("bache", "Morelos 100", "omitir", "sí"):
        resident.says(text)
    work(app)
    with session_of(app) as db:
        (outbox,) = all_rows(db, Outbox)
        assert outbox.status == "pending" and outbox.attempts == 1 and "SMTP" in outbox.last_error


def composed(language: str | None) -> str:
    """The body of a department's email for one ticket, its delivery settings in `language` (None: unset)."""
    from bot.delivery.base import Delivery
    from bot.delivery.email import compose

    target = {"to": "obras@sanpedro.example.mx", **({"language": language} if language else {})}
    ticket = {
        "category": "bache",
        "summary": "Bache en Morelos",
        "department": {"name": "Obras Públicas"},
        "location": {"address": "Morelos 12", "latitude": 25.65, "longitude": -100.40},
        "contact": {"phone": "+528181234567"},
        "answers": {"size": "grande"},
    }
    delivery = Delivery(folio="2611-7K3M9Q", ticket=ticket, target=target, media_files=[])
    return compose(delivery).get_body(("plain",)).get_content()


def test_the_email_is_labelled_in_spanish_unless_the_department_asks_for_english():
    spanish = composed(None)
    assert "Dependencia: Obras Públicas" in spanish and "Categoría: bache" in spanish
    assert "Dirección: Morelos 12" in spanish and "Teléfono: +528181234567" in spanish and "Respuestas:" in spanish
    assert "Category" not in spanish and "Mapa: https://www.openstreetmap.org/" in spanish
    english = composed("en")
    assert "Department: Obras Públicas" in english and "Category: bache" in english and "Address: Morelos 12" in english
    assert "Categoría" not in english and composed("es") == spanish
