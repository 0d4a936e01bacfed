"""Writing to residents later: their channel, their opt-out, WhatsApp's 24-hour window, Twilio's REST API
and its status callbacks, retries on 429, and media copied into our store."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import responses
from sqlmodel import select

from bot.db.database import transaction
from bot.db.tables import Message, Outbox, Ticket
from bot.flows.messages import OutboundMessage
from bot.jobs.outbox import unit_of_work
from bot.messaging.outbound import queue_message
from tests.support.app import (
    ACCOUNT_SID,
    PUBLIC_URL,
    all_rows,
    twilio_fixture,
    twilio_signature,
)
from tests.support.twilio_api import PHOTO, twilio_api, twilio_media

NOTICE = OutboundMessage("✅ Tu reporte 2611-ABCDEF quedó atendido.")


def notify(app, contact_id: int, kind: str = "ticket_update", values=None, lang="es") -> Message | None:
    svc = app.extensions["ventanilla"]
    with unit_of_work(svc) as session:
        return queue_message(
            session, svc.flows, contact_id, kind, NOTICE, values or {"folio": "2611-ABCDEF", "status": "resuelto"}, lang
        )


def age_messages(app, hours: float) -> None:
    """Move every stored message back in time (as if the resident wrote hours ago)."""
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine, immediate=True) as session:
        for row in session.exec(select(Message)).all():
            row.created_at = row.created_at - timedelta(hours=hours)


def test_inside_the_window_free_text_goes_through_twilio(app, resident, run_worker, db, no_network):
    calls = twilio_api(no_network)
    resident.says("hola")
    message = notify(app, contact_id=1)
    run_worker()
    (form,) = calls
    assert form["To"] == "whatsapp:+528112345678" and form["From"] == "whatsapp:+5218187654321"
    assert form["Body"] == NOTICE.text and form["StatusCallback"] == f"{PUBLIC_URL}/webhooks/twilio/status"
    sent = next(m for m in all_rows(db, Message) if m.id == message.id)
    assert (sent.status, sent.provider_id) == ("sent", "SMa" + "0" * 30 + "1")


def test_outside_the_window_whatsapp_gets_the_approved_template(app, resident, run_worker, db, no_network):
    calls = twilio_api(no_network)
    resident.says("hola")
    age_messages(app, hours=25)
    notify(app, contact_id=1)
    run_worker()
    (form,) = calls
    assert form["ContentSid"] == "HX00000000000000000000000000000000" and "Body" not in form
    assert form["ContentVariables"] == '{"1": "2611-ABCDEF", "2": "resuelto"}'


def test_outside_the_window_without_a_template_nothing_is_sent_and_the_reason_is_kept(
    app, resident, run_worker, db, no_network
):
    calls = twilio_api(no_network)
    resident.says("hola")
    age_messages(app, hours=30)
    message = notify(app, contact_id=1, kind="town_hall_notice")  # a kind flows.yaml has no template for
    run_worker()
    assert calls == []
    assert message.status == "failed" and "24-hour window" in message.error
    assert [o.kind for o in all_rows(db, Outbox)] == []


def test_sms_has_no_window(app, sms_resident, run_worker, db, no_network):
    calls = twilio_api(no_network)
    sms_resident.says("hola")
    age_messages(app, hours=72)
    notify(app, contact_id=1)
    run_worker()
    (form,) = calls
    assert form["To"] == "+528112345678" and form["From"] == "+528187654321" and form["Body"] == NOTICE.text


def test_opted_out_residents_are_not_written_to(app, resident, run_worker, db, no_network):
    calls = twilio_api(no_network)
    resident.says("BAJA")
    assert notify(app, contact_id=1) is None
    run_worker()
    assert calls == []


def test_a_429_is_retried_with_backoff_never_dropped(app, resident, run_worker, retry_now, db, no_network):
    calls = twilio_api(no_network, statuses=(429, 201))
    resident.says("hola")
    message = notify(app, contact_id=1)
    run_worker()
    stored = next(m for m in all_rows(db, Message) if m.id == message.id)
    assert stored.status == "queued" and "20429" in stored.error  # waiting for its retry
    (outbox,) = [o for o in all_rows(db, Outbox) if o.kind == "send_messages"]
    assert outbox.status == "pending" and outbox.attempts == 1 and outbox.available_at is not None
    assert retry_now() == 1
    assert len(calls) == 2
    stored = next(m for m in all_rows(db, Message) if m.id == message.id)
    assert stored.status == "sent"


def status_callback(client, sid: str, status: str, error: str = "", signature: str | None = None):
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01"}
    if error:
        form["ErrorCode"] = error
    url = PUBLIC_URL + "/webhooks/twilio/status"
    return client.post(
        "/webhooks/twilio/status", data=form, headers={"X-Twilio-Signature": signature or twilio_signature(url, form)}
    )


def test_status_callbacks_move_a_message_forward_only(app, client, resident, run_worker, db, no_network):
    twilio_api(no_network)
    resident.says("hola")
    message = notify(app, contact_id=1)
    run_worker()
    sid = "SMa" + "0" * 30 + "1"
    assert status_callback(client, sid, "delivered").status_code == 204
    assert status_callback(client, sid, "read").status_code == 204
    assert status_callback(client, sid, "sent").status_code == 204  # late, out of order
    assert next(m for m in all_rows(db, Message) if m.id == message.id).status == "read"


def test_a_failed_status_keeps_the_error_code(app, client, resident, run_worker, db, no_network):
    twilio_api(no_network)
    resident.says("hola")
    message = notify(app, contact_id=1)
    run_worker()
    status_callback(client, "SMa" + "0" * 30 + "1", "undelivered", error="30008")
    stored = next(m for m in all_rows(db, Message) if m.id == message.id)
    assert (stored.status, stored.error) == ("undelivered", "30008")


def test_status_callback_needs_twilios_signature(client, db):
    assert status_callback(client, "SM1", "delivered", signature="bm9wZQ==").status_code == 403


def test_status_for_an_unknown_message_is_acknowledged(client, db):
    assert status_callback(client, "SMunknown", "delivered").status_code == 204


def test_media_downloaded_after_the_ticket_updates_the_ticket(app, resident, run_worker, db, no_network):
    twilio_media(no_network, twilio_fixture("whatsapp_image")["MediaUrl0"])
    no_network.add(responses.POST, "http://127.0.0.1:5000/demo/inbox/obras_publicas", json={"ok": True})
    resident.says("bache")
    resident.says("Morelos 100")
    resident.send("whatsapp_image")
    resident.says("sí")
    run_worker()
    (ticket,) = all_rows(db, Ticket)
    assert ticket.media[0]["stored"].endswith(".jpg") and ticket.media[0]["size"] == len(PHOTO)


@pytest.mark.parametrize(
    "content_type, body",
    [("image/jpeg", b"\xff\xd8" + b"x" * 2048), ("application/x-msdownload", b"MZ-not-a-photo")],
    ids=["too-large", "wrong-type"],
)
def test_refused_media_is_not_kept_and_the_resident_is_told(
    app, resident, run_worker, db, no_network, content_type, body
):
    svc = app.extensions["ventanilla"]
    svc.config = svc.config.replace(media_max_bytes=1024)
    calls = twilio_api(no_network)
    url = twilio_fixture("whatsapp_image")["MediaUrl0"]
    no_network.add(responses.GET, url, body=body, content_type=content_type)
    resident.says("bache")
    resident.says("Morelos 100")
    resident.send("whatsapp_image")
    run_worker()
    photo_message = next(m for m in all_rows(db, Message) if m.direction == "in" and m.data.get("media"))
    assert "refused" in photo_message.data["media"][0] and "stored" not in photo_message.data["media"][0]
    assert [c["Body"] for c in calls] == [
        "No pude guardar tu archivo 😕 Solo acepto fotos, audios y PDF de hasta 10 MB."
    ]


def test_a_long_code_sends_one_sms_per_second(app, client, run_worker, db, no_network):
    """Three residents notified at once through one SMS number: the sends are a second apart."""
    from tests.support.app import Resident

    calls = twilio_api(no_network)
    for n in range(3):
        Resident(client, "sms_text", From=f"+52811000000{n}").says("hola")
    for contact_id in (1, 2, 3):
        notify(app, contact_id)
    run_worker()
    moments = [call["_at"] for call in calls]
    assert len(moments) == 3
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    assert all(gap >= 0.95 for gap in gaps), gaps
