"""Each kind of department system receives the ticket: Open311, email (a real SMTP server), dashboard."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import requests
import responses

from bot.db.tables import Outbox, Ticket, TicketEvent
from bot.delivery.base import Delivery
from bot.delivery.open311 import deliver as open311_deliver
from tests.support.app import Resident, all_rows
from tests.support.departments import session_of, work

OPEN311 = "https://311.example.mx/open311/v2"
OPEN311_BLOCK = (
    f"      kind: open311\n      endpoint: {OPEN311}\n      api_key: llave-311\n      jurisdiction: sanpedro.gob.mx\n"
)


def report_pothole(app) -> None:
    resident = Resident(app.test_client())
    resident.says("bache")
    resident.send("whatsapp_location")
    resident.says("omitir")
    assert "folio" in resident.says("sí")


@pytest.mark.parametrize("app_with_departments", [OPEN311_BLOCK], indirect=True)
def test_open311_gets_a_service_request_and_we_keep_its_id(app_with_departments, no_network):
    app = app_with_departments
    posted = []

    def create(request):
        posted.append({k: v[0] for k, v in parse_qs(request.body).items()})
        return (201, {}, '[{"service_request_id": "311-2026-000123", "service_notice": "Gracias"}]')

    no_network.add_callback(responses.POST, f"{OPEN311}/requests.json", callback=create)
    report_pothole(app)
    work(app)
    (form,) = posted
    assert form["api_key"] == "llave-311" and form["jurisdiction_id"] == "sanpedro.gob.mx"
    assert form["service_code"] == "pothole" and (form["lat"], form["long"]) == ("25.6581", "-100.4025")
    with session_of(app) as db:
        (ticket,) = all_rows(db, Ticket)
        assert form["description"] == f"[{ticket.folio}] {ticket.summary}" and form["attribute[folio]"] == ticket.folio
        assert (ticket.status, ticket.external_id) == ("delivered", "311-2026-000123")


@pytest.mark.parametrize("app_with_departments", [OPEN311_BLOCK], indirect=True)
def test_open311_after_an_ambiguous_timeout_looks_up_before_posting_again(app_with_departments, no_network):
    app = app_with_departments
    posts = []

    def create(request):
        posts.append(request.body)
        if len(posts) == 1:
            raise requests.exceptions.ReadTimeout("the 311 system took the request but did not answer in time")
        return (201, {}, '[{"service_request_id": "second-copy"}]')

    def search(request):
        folio = all_folios(app)[0]
        return (200, {}, '[{"service_request_id": "311-first", "description": "[%s] Bache en ..."}]' % folio)

    no_network.add_callback(responses.POST, f"{OPEN311}/requests.json", callback=create)
    no_network.add_callback(responses.GET, f"{OPEN311}/requests.json", callback=search)
    report_pothole(app)
    work(app)  # the POST times out: maybe it went out
    make_due(app)
    work(app)
    assert len(posts) == 1  # found by the lookup: not posted twice
    with session_of(app) as db:
        (ticket,) = all_rows(db, Ticket)
        assert (ticket.status, ticket.external_id) == ("delivered", "311-first")


def all_folios(app) -> list[str]:
    with session_of(app) as db:
        return [t.folio for t in all_rows(db, Ticket)]


def make_due(app) -> None:
    """Let the next try happen now (as if the backoff had passed) and relay it."""
    from datetime import timedelta

    from bot.db.database import transaction
    from bot.jobs.outbox import relay

    svc = app.extensions["ventanilla"]
    with transaction(svc.engine, immediate=True) as session:
        for row in session.exec(__import__("sqlmodel").select(Outbox)).all():
            row.available_at = None
            session.add(row)
    relay(svc.engine, svc.queue, timedelta(0))


@pytest.mark.parametrize("app_with_departments", ["      kind: dashboard\n"], indirect=True)
def test_dashboard_only_leaves_the_ticket_waiting_for_operators(app_with_departments, no_network):
    app = app_with_departments
    report_pothole(app)
    work(app)
    with session_of(app) as db:
        (ticket,) = all_rows(db, Ticket)
        assert ticket.status == "received"
        assert [e.kind for e in all_rows(db, TicketEvent)] == ["received", "waiting_for_operators"]
        assert [o.status for o in all_rows(db, Outbox)] == ["done"]


def test_open311_form_without_coordinates_sends_the_address():
    delivery = Delivery(
        target={"endpoint": OPEN311},
        folio="2611-ABCDEF",
        options={},
        ticket={
            "category": "bache",
            "summary": "Bache en Morelos",
            "location": {"address": "Morelos 100"},
            "media": [{"public_url": "https://v.example.mx/media/abc.jpg"}],
        },
    )
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, f"{OPEN311}/requests.json", json=[{"service_request_id": "9"}])
        assert open311_deliver(delivery) == {"external_id": "9"}
        form = parse_qs(mock.calls[0].request.body)
    assert form["address_string"] == ["Morelos 100"] and "lat" not in form
    assert form["media_url"] == ["https://v.example.mx/media/abc.jpg"] and form["service_code"] == ["bache"]
