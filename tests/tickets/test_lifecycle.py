"""A ticket's life after delivery: departments update it through the signed API, residents are told,
reports made twice are linked, a delivery that never succeeds ends in "delivery failed" and can be retried."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import responses
from click.testing import CliRunner
from sqlmodel import select

from bot.db.database import transaction
from bot.db.tables import Outbox, Ticket, TicketEvent
from bot.delivery.webhook import SIGNATURE_HEADER, sign
from bot.jobs.outbox import relay
from bot.jobs.ticket_jobs import MAX_DELIVERY_ATTEMPTS
from bot.messaging.signing import SIGNATURE_V1_HEADER, TIMESTAMP_HEADER
from bot.tickets.lifecycle import change_status
from tests.support.app import Resident, all_rows
from tests.support.departments import (
    OBRAS_URL,
    SECRET,
    department_endpoint,
    post_status,
    status_headers,
)
from tests.support.twilio_api import twilio_api


def file_report(client, sender="whatsapp:+5218112345678", location_fixture="whatsapp_location") -> str:
    resident = Resident(client, From=sender)
    resident.says("bache")
    resident.send(location_fixture)
    resident.says("omitir")
    return resident.says("sí")


def the_ticket(db) -> Ticket:
    return all_rows(db, Ticket)[0]


def test_department_moves_the_ticket_and_the_resident_is_told_when_resolved(client, run_worker, db, no_network):
    department_endpoint(no_network, OBRAS_URL)
    calls = twilio_api(no_network)
    file_report(client)
    run_worker()
    folio = the_ticket(db).folio
    for status in ("acknowledged", "in_progress"):
        assert post_status(client, folio, {"status": status, "actor": "cuadrilla 3"}).json["status"] == status
    assert calls == []  # nothing to tell the resident yet
    assert post_status(client, folio, {"status": "resolved", "actor": "cuadrilla 3"}).status_code == 200
    run_worker()
    (notice,) = calls
    assert notice["To"] == "whatsapp:+528112345678"
    assert notice["Body"].startswith(f"✅ ¡Listo! Tu reporte *{folio}* (Bache en Parque Clouthier")
    changes = [
        (e.detail["from"], e.detail["to"], e.actor) for e in all_rows(db, TicketEvent) if e.kind == "status_changed"
    ]
    assert changes[1:] == [
        ("delivered", "acknowledged", "obras_publicas:cuadrilla 3"),
        ("acknowledged", "in_progress", "obras_publicas:cuadrilla 3"),
        ("in_progress", "resolved", "obras_publicas:cuadrilla 3"),
    ]


def test_a_rejection_needs_a_reason_and_tells_it(client, run_worker, db, no_network):
    department_endpoint(no_network, OBRAS_URL)
    calls = twilio_api(no_network)
    file_report(client)
    folio = the_ticket(db).folio
    assert post_status(client, folio, {"status": "rejected"}).status_code == 409
    assert post_status(client, folio, {"status": "rejected", "reason": "es propiedad privada"}).status_code == 200
    run_worker()
    assert [c["Body"] for c in calls if "no procede" in c["Body"]] == [
        f"Tu reporte *{folio}* (Bache en Parque Clouthier, Av. José Vasconcelos 356, Del Valle, San Pedro Garza García, N.L.) no procede: es propiedad privada"
    ]
    assert post_status(client, folio, {"status": "in_progress"}).status_code == 409  # rejected is final


def test_the_status_api_refuses_bad_signatures_unknown_folios_and_bad_bodies(client, db, no_network):
    department_endpoint(no_network, OBRAS_URL)
    file_report(client)
    folio = the_ticket(db).folio
    assert post_status(client, folio, {"status": "resolved"}, secret="otro" * 10).status_code == 403
    assert post_status(client, "2611-NOPE00", {"status": "resolved"}).status_code == 403
    raw = b"{not json"
    assert (
        client.post(f"/api/v1/tickets/{folio}/status", data=raw, headers=status_headers(folio, raw)).status_code == 400
    )
    assert post_status(client, folio, {"status": "fixed"}).status_code == 409
    assert post_status(client, folio, {"state": "resolved"}).status_code == 400
    assert the_ticket(db).status == "received"


def filed_folio(client, db, no_network) -> str:
    department_endpoint(no_network, OBRAS_URL)
    file_report(client)
    return the_ticket(db).folio


def test_an_update_forged_with_the_old_public_default_is_refused(client, db, no_network):
    """Issue 12: flows.yaml shipped `dev-secret-change-me`; a rejection signed with it, either way, changes nothing."""
    folio = filed_folio(client, db, no_network)
    update = {"folio": folio, "status": "rejected", "reason": "texto del atacante"}
    raw = json.dumps(update).encode()
    old_way = {SIGNATURE_HEADER: sign("dev-secret-change-me", raw), "Content-Type": "application/json"}
    assert client.post(f"/api/v1/tickets/{folio}/status", data=raw, headers=old_way).status_code == 403
    assert post_status(client, folio, update, secret="dev-secret-change-me").status_code == 403
    assert the_ticket(db).status == "received"
    assert not [e for e in all_rows(db, TicketEvent) if e.kind == "status_changed" and e.detail["to"] == "rejected"]


def test_the_ticket_signing_key_does_not_sign_status_updates(client, db, no_network):
    folio = filed_folio(client, db, no_network)
    response = post_status(client, folio, {"status": "resolved"}, secret=SECRET)  # the key we sign tickets with
    assert response.status_code == 403 and response.json == {"error": "invalid signature or unknown folio"}
    assert post_status(client, folio, {"status": "resolved"}).status_code == 200  # its status_secret


def test_an_old_or_replayed_update_is_refused(client, db, no_network):
    folio = filed_folio(client, db, no_network)
    stale = post_status(client, folio, {"status": "resolved"}, timestamp=time.time() - 6 * 60)
    assert stale.status_code == 403 and "more than 5 minutes from our clock" in stale.json["error"]
    early = post_status(client, folio, {"status": "resolved"}, timestamp=time.time() + 6 * 60)
    assert early.status_code == 403
    assert the_ticket(db).status == "received"
    raw = json.dumps({"folio": folio, "status": "acknowledged"}).encode()
    headers = status_headers(folio, raw)
    assert client.post(f"/api/v1/tickets/{folio}/status", data=raw, headers=headers).status_code == 200
    assert post_status(client, folio, {"status": "in_progress"}).status_code == 200
    replayed = client.post(f"/api/v1/tickets/{folio}/status", data=raw, headers=headers)  # within the 5 minutes
    assert replayed.status_code == 409 and "already applied" in replayed.json["error"]
    assert the_ticket(db).status == "in_progress"


def test_an_unsigned_update_is_told_how_to_sign(client, db, no_network):
    folio = filed_folio(client, db, no_network)
    response = client.post(f"/api/v1/tickets/{folio}/status", json={"folio": folio, "status": "resolved"})
    assert response.status_code == 403
    assert TIMESTAMP_HEADER in response.json["error"] and SIGNATURE_V1_HEADER in response.json["error"]


def test_an_update_for_one_folio_does_not_move_another(client, db, no_network):
    department_endpoint(no_network, OBRAS_URL)
    file_report(client, sender="whatsapp:+5218110000001")
    far = Resident(client, From="whatsapp:+5218110000002")
    far.says("bache")
    far.send("whatsapp_location", Latitude="25.6700", Longitude="-100.4100")  # not a duplicate of the first
    far.says("omitir")
    far.says("sí")
    first, second = (t.folio for t in all_rows(db, Ticket))
    raw = json.dumps({"folio": first, "status": "resolved"}).encode()
    signed_for_first = status_headers(first, raw)
    moved = client.post(f"/api/v1/tickets/{second}/status", data=raw, headers=signed_for_first)
    assert moved.status_code == 403  # the URL's path is signed
    relabelled = client.post(f"/api/v1/tickets/{second}/status", data=raw, headers=status_headers(second, raw))
    assert relabelled.status_code == 400 and second in relabelled.json["error"]  # the body names another folio
    no_folio = json.dumps({"status": "resolved"}).encode()
    missing = client.post(f"/api/v1/tickets/{second}/status", data=no_folio, headers=status_headers(second, no_folio))
    assert missing.status_code == 400 and "'folio' is required" in missing.json["error"]
    assert [t.status for t in all_rows(db, Ticket)] == ["received", "received"]


def test_a_report_near_an_open_one_is_linked_and_its_resident_told_too(client, run_worker, db, no_network):
    received = department_endpoint(no_network, OBRAS_URL)
    calls = twilio_api(no_network)
    file_report(client, sender="whatsapp:+5218110000001")
    reply = file_report(client, sender="whatsapp:+5218110000002")  # the same pin: a few meters at most
    first, second = all_rows(db, Ticket)
    assert f"folio *{second.folio}*" in reply and "también te avisaremos" in reply
    assert first.folio not in reply  # the open report is another resident's: its folio is never shown
    assert second.duplicate_of == first.id
    run_worker()
    assert len(received) == 1  # the department gets the report once
    post_status(client, first.folio, {"status": "resolved"})
    run_worker()
    assert sorted(c["To"] for c in calls) == ["whatsapp:+528110000001", "whatsapp:+528110000002"]


def test_a_linked_residents_notice_repeats_their_own_words_not_the_other_report(client, run_worker, db, no_network):
    department_endpoint(no_network, OBRAS_URL)
    calls = twilio_api(no_network)
    file_report(client, sender="whatsapp:+5218110000001")
    second = Resident(client, From="whatsapp:+5218110000002")
    second.says("bache")
    second.send("whatsapp_location", Label="Frente a mi casa")  # the same pin, named by the second resident
    second.says("omitir")
    second.says("sí")
    first, linked = all_rows(db, Ticket)
    assert linked.duplicate_of == first.id and linked.summary != first.summary
    run_worker()
    post_status(client, first.folio, {"status": "resolved"})
    run_worker()
    to_linked = [c["Body"] for c in calls if c["To"] == "whatsapp:+528110000002"]
    assert to_linked and linked.summary in to_linked[-1] and first.summary not in to_linked[-1]


def test_a_report_far_away_is_its_own_ticket(client, db, no_network):
    department_endpoint(no_network, OBRAS_URL)
    file_report(client, sender="whatsapp:+5218110000001")
    resident = Resident(client, From="whatsapp:+5218110000002")
    resident.says("bache")
    resident.send("whatsapp_location", Latitude="25.6700", Longitude="-100.4100")  # about 1.5 km away
    resident.says("omitir")
    resident.says("sí")
    assert [t.duplicate_of for t in all_rows(db, Ticket)] == [None, None]


def test_a_department_that_never_recovers_ends_in_delivery_failed_and_can_be_retried(
    app, client, run_worker, db, no_network
):
    no_network.add(responses.POST, OBRAS_URL, status=500)
    file_report(client)
    svc = app.extensions["ventanilla"]
    for _ in range(MAX_DELIVERY_ATTEMPTS):
        with transaction(svc.engine, immediate=True) as session:
            for row in session.exec(select(Outbox)).all():
                row.available_at = None  # as if every backoff had passed
        relay(svc.engine, svc.queue, timedelta(0))
        run_worker()
    ticket = the_ticket(db)
    assert ticket.status == "delivery_failed" and all_rows(db, Outbox)[0].status == "failed"
    assert all_rows(db, Outbox)[0].attempts == MAX_DELIVERY_ATTEMPTS

    no_network.replace(responses.POST, OBRAS_URL, json={"ok": True})
    from bot.cli.main import main

    with app.app_context():
        runner = CliRunner()
        env = {
            "DATABASE_URL": svc.config.database_url,
            "REDIS_URL": svc.config.redis_url,
            "FLOWS_PATH": svc.config.flows_path,
        }
        result = runner.invoke(main, ["tickets", "retry", ticket.folio.lower()], env=env)
    assert result.exit_code == 0, result.output
    run_worker()
    assert the_ticket(db).status == "delivered"


def test_a_ticket_an_operator_closed_while_its_delivery_failed_stays_closed(app, client, run_worker, db, no_network):
    no_network.add(responses.POST, OBRAS_URL, status=500)
    file_report(client)
    svc = app.extensions["ventanilla"]
    folio = the_ticket(db).folio
    with transaction(svc.engine, immediate=True) as session:
        ticket = session.exec(select(Ticket).where(Ticket.folio == folio)).one()
        change_status(
            session, svc.flows, ticket, "closed", actor="ana@sanpedro.gob.mx", reason="duplicate of 2611-AAAAAA"
        )
    for _ in range(MAX_DELIVERY_ATTEMPTS):
        with transaction(svc.engine, immediate=True) as session:
            for row in session.exec(select(Outbox)).all():
                row.available_at = None
        relay(svc.engine, svc.queue, timedelta(0))
        run_worker()
    assert (
        the_ticket(db).status == "closed" and all_rows(db, Outbox)[0].status == "failed"
    )  # given up, not retried forever
    assert "delivery_failed" in [e.kind for e in all_rows(db, TicketEvent)]
