"""Asking residents back after a ticket is resolved, through the Twilio webhook signed as Twilio signs: the question
goes out FOLLOWUP_DELAY_HOURS after the fix (a template outside WhatsApp's 24-hour window), "sí" and a rating are
kept for the overview, "no" reopens the ticket with the resident's words; nobody who opted out is asked."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from bot import create_app
from bot.db.database import create_tables, transaction
from bot.db.tables import Message, Outbox, Ticket, TicketEvent, TicketFollowup, as_utc
from bot.jobs.followup_jobs import ask_back
from tests.support.app import Resident, all_rows, app_settings
from tests.support.departments import OBRAS_URL, department_endpoint, post_status
from tests.support.desks import Tables, signed_in
from tests.support.twilio_api import twilio_api

QUESTION = "¿De verdad quedó resuelto? (sí / no)"


def resolved_report(client, db, run_worker, no_network) -> tuple[Resident, str]:
    """A pothole filed on WhatsApp, delivered, then resolved by its department; returns the resident and folio."""
    department_endpoint(no_network, OBRAS_URL)
    resident = Resident(client)
    for text in ("bache", "Morelos y 5 de Mayo", "omitir"):
        resident.says(text)
    assert "folio" in resident.says("sí")
    run_worker()
    folio = all_rows(db, Ticket)[0].folio
    assert post_status(client, folio, {"status": "resolved", "actor": "cuadrilla 3"}).status_code == 200
    run_worker()
    return resident, folio


def followups(db) -> list[tuple]:
    return [(f.status, f.reason, f.fixed, f.rating) for f in all_rows(db, TicketFollowup)]


def asked_rows(db) -> list[Outbox]:
    return [row for row in all_rows(db, Outbox) if row.kind == "ask_back"]


def test_the_resident_is_asked_a_day_after_the_fix_and_yes_and_5_are_kept(
    app, client, db, run_worker, retry_now, no_network
):
    calls = twilio_api(no_network)
    resident, folio = resolved_report(client, db, run_worker, no_network)
    (notice,) = calls  # told it is done; not asked yet
    assert notice["Body"].startswith("✅ ¡Listo!")
    (row,) = asked_rows(db)
    resolution = next(e for e in all_rows(db, TicketEvent) if e.detail.get("to") == "resolved")
    assert as_utc(row.available_at) - as_utc(resolution.created_at) == timedelta(hours=24)  # FOLLOWUP_DELAY_HOURS
    assert (row.status, row.payload["resolution_id"]) == ("pending", resolution.id)

    retry_now()  # a day later
    question = calls[-1]
    assert question["To"] == "whatsapp:+528112345678" and "ContentSid" not in question  # inside the window: text
    assert f"Marcamos como atendido tu reporte *{folio}* (Bache en" in question["Body"] and QUESTION in question["Body"]
    assert followups(db) == [("asked", "", None, None)]

    assert "Del 1 al 5, ¿qué tan satisfecho quedaste" in resident.says("sí ya quedó")
    assert "¡Gracias por tu respuesta!" in resident.says("5")
    assert followups(db) == [("answered", "", True, 5)]
    ticket = all_rows(db, Ticket)[0]
    assert ticket.status == "resolved"
    answered = [e for e in all_rows(db, TicketEvent) if e.kind == "followup_answered"]
    assert [(e.actor, e.detail) for e in answered] == [("resident", {"fixed": True, "rating": 5})]
    with app.app_context():
        assert ask_back(row.id) == "nothing to do"  # done: the same job run again asks nothing


def test_no_sigue_el_bache_reopens_the_ticket_with_the_residents_words(
    app, client, db, run_worker, retry_now, no_network
):
    twilio_api(no_network)
    resident, folio = resolved_report(client, db, run_worker, no_network)
    retry_now()
    reply = resident.says("no, sigue el bache")
    assert "¡Gracias por tu respuesta!" in reply and f"Reabrimos tu reporte *{folio}*" in reply
    ticket = all_rows(db, Ticket)[0]
    assert ticket.status == "in_progress"  # back in the operators' open queue
    reopened = [e for e in all_rows(db, TicketEvent) if e.kind == "status_changed"][-1]
    assert (reopened.actor, reopened.detail) == (
        "resident",
        {"from": "resolved", "to": "in_progress", "reason": "no, sigue el bache", "reopened": True},
    )
    assert followups(db) == [("answered", "", False, None)]
    page = signed_in(app, "ana@x.mx").get(f"/dashboard/tickets/{folio}").text
    assert "Reopened: the resident says it is not fixed." in page and "Reason: no, sigue el bache" in page
    assert page.count("no, sigue el bache") >= 2  # the audit trail and the conversation, where the question is too
    assert QUESTION in page


def test_outside_the_24_hour_window_the_approved_template_asks(app, client, db, run_worker, retry_now, no_network):
    calls = twilio_api(no_network)
    resident, folio = resolved_report(client, db, run_worker, no_network)
    with transaction(app.extensions["ventanilla"].engine) as session:  # the resident last wrote two days ago
        for message in session.exec(select(Message)).all():
            message.created_at -= timedelta(days=2)
            session.add(message)
    retry_now()
    question = calls[-1]
    assert question["ContentSid"] == "HX00000000000000000000000000000006"  # ticket_followup, es
    variables = json.loads(question["ContentVariables"])
    assert variables["1"] == folio and variables["2"].startswith("Bache en")
    assert "Reabrimos" in resident.says("nop")  # their answer comes hours later: the question still waits
    assert all_rows(db, Ticket)[0].status == "in_progress"


def test_a_resident_who_opted_out_is_not_asked(client, db, run_worker, retry_now, no_network):
    calls = twilio_api(no_network)
    resident, _ = resolved_report(client, db, run_worker, no_network)
    resident.says("baja")
    sent = len(calls)
    retry_now()
    assert len(calls) == sent  # nothing more went out
    assert followups(db) == [("not_asked", "opted_out", None, None)]
    assert [row.status for row in asked_rows(db)] == ["done"]


def test_one_question_per_resolution_and_only_about_the_latest(client, db, run_worker, retry_now, no_network):
    calls = twilio_api(no_network)
    _, folio = resolved_report(client, db, run_worker, no_network)
    for status in ("in_progress", "resolved"):  # reopened by mistake and resolved again before the day passed
        assert post_status(client, folio, {"status": status, "actor": "cuadrilla 4"}).status_code == 200
    assert len(asked_rows(db)) == 2
    retry_now()
    assert followups(db) == [("not_asked", "no_longer_resolved", None, None), ("asked", "", None, None)]
    assert sum(QUESTION in c["Body"] for c in calls if "Body" in c) == 1
    retry_now()
    assert len(followups(db)) == 2  # run again: still one question per resolution


def test_a_resident_in_another_conversation_is_asked_when_it_ends(app, client, db, run_worker, retry_now, no_network):
    calls = twilio_api(no_network)
    resident, _ = resolved_report(client, db, run_worker, no_network)
    resident.says("hay basura tirada")  # another report under way
    sent = len(calls)
    retry_now()
    (row,) = asked_rows(db)
    last_word = max(as_utc(m.created_at) for m in all_rows(db, Message) if m.direction == "in")
    assert row.status == "pending" and row.attempts == 0  # waiting, not failing
    assert timedelta(minutes=120) < as_utc(row.available_at) - last_word <= timedelta(minutes=122)
    assert len(calls) == sent and followups(db) == []


def test_a_new_report_is_not_held_by_the_question(client, db, run_worker, retry_now, no_network):
    twilio_api(no_network)
    resident, _ = resolved_report(client, db, run_worker, no_network)
    retry_now()
    assert "¿Dónde está el bache?" in resident.says("hay otro bache en mi calle")
    assert followups(db) == [("asked", "", None, None)]  # unanswered, and the ticket stays resolved
    assert all_rows(db, Ticket)[0].status == "resolved"


def test_with_followup_delay_hours_0_nobody_is_asked(tmp_path, redis_url, no_network):
    app = create_app(app_settings(tmp_path, redis_url, followup_delay_hours=0))
    engine = app.extensions["ventanilla"].engine
    create_tables(engine)
    department_endpoint(no_network, OBRAS_URL)
    twilio_api(no_network)
    resident = Resident(app.test_client())
    for text in ("bache", "Morelos y 5 de Mayo", "omitir", "sí"):
        resident.says(text)
    with transaction(engine) as db:
        folio = db.exec(select(Ticket.folio)).one()
    assert post_status(app.test_client(), folio, {"status": "resolved"}).status_code == 200
    with transaction(engine) as db:
        assert db.exec(select(Ticket.status)).one() == "resolved"
        assert [row.kind for row in db.exec(select(Outbox)).all()] == ["deliver_ticket", "send_messages"]
    engine.dispose()


def test_the_overview_shows_satisfaction_per_department(app, client, db, run_worker, retry_now, no_network):
    twilio_api(no_network)
    resident, _ = resolved_report(client, db, run_worker, no_network)
    retry_now()
    resident.says("si")
    resident.says("⭐⭐⭐⭐")
    html = signed_in(app, "ana@x.mx").get("/dashboard/overview").text
    assert Tables(html, "data-department")["satisfaction"] == {
        "obras_publicas": ["Obras Públicas", "1", "100%", "0", "4.0 / 5", "1"]
    }
    elsewhere = signed_in(app, "beto@x.mx", departments=("servicios_publicos",)).get("/dashboard/overview").text
    assert "No resident answered a follow-up in these weeks." in elsewhere
