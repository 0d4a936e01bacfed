"""Nothing stuck (issue 12, point 4): any exception in any job that talks to the outside world — a bug included — is
a recorded failed attempt with its message; after the last try the ticket is delivery_failed (or the message failed)
and operators see it in the dashboard, as they see a department that refuses."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import responses
from rq.registry import FailedJobRegistry
from sqlmodel import Session, select

from bot.db.database import transaction
from bot.db.tables import Conversation, Message, Outbox, Ticket, TicketFollowup
from bot.delivery import DELIVERY
from bot.jobs import ticket_jobs
from bot.jobs.attempts import MAX_ATTEMPTS, UNFINISHED
from bot.jobs.outbox import unit_of_work
from bot.jobs.registry import load_jobs
from bot.tickets.lifecycle import change_status
from tests.support.app import ACCOUNT_SID
from tests.support.desks import Desk, add_operator
from tests.support.outbox import (
    CONTROLS,
    HOSTILE,
    assert_settled,
    hostile_ticket,
    outbox_rows,
    resident_on_whatsapp,
    settle,
    ticket_and_events,
    work,
)

TWILIO_MESSAGES = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
BLOCKS = {
    "webhook": (
        "      kind: webhook\n      url: https://obras.example.mx/tickets\n"
        "      secret: ${OBRAS_PUBLICAS_WEBHOOK_SECRET}\n      status_secret: ${OBRAS_PUBLICAS_STATUS_SECRET}\n"
    ),
    "email": "      kind: email\n      to: obras@sanpedro.example.mx\n      smtp_host: 127.0.0.1\n      smtp_port: 9\n",
    "open311": "      kind: open311\n      endpoint: https://311.example.mx/v2\n      api_key: llave\n",
    "dashboard": "      kind: dashboard\n",
}


def bug(*args, **kwargs):
    """What a bug in a delivery or a provider looks like from the job: an exception nobody expected."""
    raise KeyError("service_code")


def test_every_job_that_talks_to_the_outside_world_is_covered_here():
    """A new outbox kind gets its own 'a bug is recorded' test below (or in its own module) before this passes.

    erase_contact's are in tests/jobs/test_privacy_jobs.py, download_request_media's in tests/open311/test_server.py;
    send_invitation's in tests/jobs/test_campaign_jobs.py; ask_back's (which sends through send_messages) below."""
    assert set(load_jobs()) == {
        "deliver_ticket",
        "send_messages",
        "download_media",
        "erase_contact",
        "download_request_media",
        "ask_back",
        "send_invitation",
    }
    assert set(DELIVERY) == set(BLOCKS)


@pytest.mark.parametrize(
    ("app_with_departments", "kind"),
    [(block, kind) for kind, block in BLOCKS.items()],
    ids=list(BLOCKS),
    indirect=["app_with_departments"],
)
def test_a_bug_in_any_delivery_kind_ends_as_delivery_failed_with_its_message(app_with_departments, kind, monkeypatch):
    app = app_with_departments
    monkeypatch.setitem(DELIVERY, kind, bug)
    folio = hostile_ticket(app, text="Bache en Morelos 12")
    work(app)
    (row,) = outbox_rows(app)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "KeyError: 'service_code'")
    assert ticket_and_events(app, folio)[0].status == "received"  # tries are left
    settle(app)
    assert assert_settled(app, folio) == "failed"
    (row,) = outbox_rows(app)
    assert (row.attempts, row.last_error) == (MAX_ATTEMPTS, "KeyError: 'service_code'")
    svc = app.extensions["ventanilla"]
    assert FailedJobRegistry(queue=svc.queue).count == 0  # recorded by us, never left to RQ alone
    seen_by_an_operator(app, folio, "KeyError: &#39;service_code&#39;")


def seen_by_an_operator(app, folio: str, error: str) -> None:
    """The failure is where operators find today's: the queue's delivery_failed filter, the page, its Retry button."""
    desk = Desk(app, add_operator(app, "ana@sanpedro.example.mx")).login()
    assert folio in desk.get("/dashboard/?status=delivery_failed").text
    page = desk.get(f"/dashboard/tickets/{folio}").text
    assert error in page and f"/dashboard/tickets/{folio}/retry" in page


@pytest.mark.parametrize("app_with_departments", [BLOCKS["dashboard"]], indirect=True)
def test_a_failure_while_recording_a_delivery_writes_nothing_half_way(app_with_departments, monkeypatch):
    app = app_with_departments
    real_finish = ticket_jobs.finish_attempt

    def finish_then_break(session, outbox_id):
        real_finish(session, outbox_id)
        raise RuntimeError("database went away\nmid-commit")

    monkeypatch.setattr(ticket_jobs, "finish_attempt", finish_then_break)
    folio = hostile_ticket(app, text="Bache en Morelos 12")
    work(app)
    (row,) = outbox_rows(app)
    ticket, events = ticket_and_events(app, folio)
    assert (row.status, row.last_error) == ("pending", "RuntimeError: database went away mid-commit")
    assert ticket.status == "received" and [e.kind for e in events] == ["received"]  # rolled back, all of it


@pytest.mark.parametrize("app_with_departments", [BLOCKS["dashboard"]], indirect=True)
def test_a_last_try_that_never_finished_gives_up_instead_of_retrying_for_ever(app_with_departments):
    app = app_with_departments
    folio = hostile_ticket(app, text="Bache en Morelos 12")
    as_if_the_last_try_was_killed(app)
    settle(app)
    assert assert_settled(app, folio) == "failed"
    (row,) = outbox_rows(app)
    assert row.last_error == UNFINISHED and row.attempts == MAX_ATTEMPTS + 1


def as_if_the_last_try_was_killed(app) -> None:
    """The worker died during the last try: the row counted it and stayed pending, nothing recorded."""
    with transaction(app.extensions["ventanilla"].engine, immediate=True) as session:
        for row in session.exec(select(Outbox)).all():
            row.attempts, row.available_at = MAX_ATTEMPTS, None
            session.add(row)


def rejected_with(app, reason: str) -> str:
    """A ticket an operator rejects with this reason: the resident's notice is queued for Twilio. Returns the folio."""
    svc, folio = app.extensions["ventanilla"], "2611-RJCT01"
    with unit_of_work(svc) as session:
        contact = resident_on_whatsapp(session, name=HOSTILE)
        ticket = Ticket(
            folio=folio,
            contact_id=contact.id,
            channel="whatsapp",
            flow="pothole",
            department="obras_publicas",
            category="bache",
            summary="Bache en Morelos 12",
            status="delivered",
        )
        session.add(ticket)
        session.flush()
        change_status(session, svc.flows, ticket, "rejected", actor="ana@sanpedro.example.mx", reason=reason)
    return folio


def twilio_refusing_long_bodies(no_network) -> list[str]:
    """Twilio's Messages API as it is: a body over 1,600 characters is refused (21617), anything else is taken."""
    bodies = []

    def create(request):
        body = {k: v[0] for k, v in parse_qs(request.body).items()}.get("Body", "")
        bodies.append(body)
        if len(body) > 1600:
            return (
                400,
                {},
                '{"code": 21617, "message": "The concatenated message body exceeds the 1600 character limit", "status": 400}',
            )
        return (201, {}, '{"sid": "SM%032d", "status": "queued"}' % len(bodies))

    no_network.add_callback(responses.POST, TWILIO_MESSAGES, callback=create)
    return bodies


def notices(app) -> list[Message]:
    with Session(app.extensions["ventanilla"].engine) as session:
        return list(session.exec(select(Message).where(Message.direction == "out")).all())


def test_a_reason_with_line_breaks_and_control_characters_reaches_the_resident(app, no_network):
    bodies = twilio_refusing_long_bodies(no_network)
    rejected_with(app, "No es\r\nbache:\n" + CONTROLS + " es una coladera")
    settle(app)
    (notice,) = notices(app)
    assert notice.status == "sent" and "coladera" in bodies[0]
    assert all(row.status == "done" for row in outbox_rows(app))


def test_a_reason_of_100_kb_is_a_failed_notice_with_twilios_words(app, no_network):
    twilio_refusing_long_bodies(no_network)
    rejected_with(app, HOSTILE)
    settle(app)
    (notice,) = notices(app)
    assert notice.status == "failed" and notice.error.startswith("21617 ")
    assert all(row.status == "done" for row in outbox_rows(app))  # refused for good: nothing left to retry


def test_a_bug_while_sending_ends_as_a_failed_message_operators_see(app, no_network, monkeypatch):
    monkeypatch.setattr("bot.jobs.message_jobs.sender", lambda provider: bug)
    folio = rejected_with(app, "No es un bache")
    work(app)
    (row,) = outbox_rows(app)
    assert (row.status, row.last_error) == ("pending", "KeyError: 'service_code'") and notices(app)[
        0
    ].status == "queued"
    settle(app)
    (row,), (notice,) = outbox_rows(app), notices(app)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert (notice.status, notice.error) == ("failed", "KeyError: 'service_code'")
    desk = Desk(app, add_operator(app, "ana@sanpedro.example.mx")).login()
    assert "Not sent: KeyError: &#39;service_code&#39;" in desk.get(f"/dashboard/tickets/{folio}").text


def test_a_send_whose_last_try_never_finished_gives_up(app, no_network):
    twilio_refusing_long_bodies(no_network)
    rejected_with(app, "No es un bache")
    as_if_the_last_try_was_killed(app)
    settle(app)
    (row,), (notice,) = outbox_rows(app), notices(app)
    assert (row.status, row.last_error) == ("failed", UNFINISHED) and (notice.status, notice.error) == (
        "failed",
        UNFINISHED,
    )


def photo_to_download(app) -> None:
    svc = app.extensions["ventanilla"]
    with unit_of_work(svc) as session:
        contact = resident_on_whatsapp(session)
        media = [
            {"url": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Media/ME1", "content_type": "image/jpeg"}
        ]
        message = Message(
            contact_id=contact.id, direction="in", channel="whatsapp", provider="twilio", data={"media": media}
        )
        session.add(message)
        session.flush()
        session.add(Outbox(kind="download_media", payload={"message_id": message.id}))


def test_a_bug_while_downloading_media_is_recorded_and_the_photo_says_why(app, no_network, monkeypatch):
    monkeypatch.setattr("bot.jobs.message_jobs.media_fetcher", lambda provider: bug)
    photo_to_download(app)
    settle(app)
    (row,) = outbox_rows(app)
    assert (row.status, row.attempts, row.last_error) == ("failed", MAX_ATTEMPTS, "KeyError: 'service_code'")
    with Session(app.extensions["ventanilla"].engine) as session:
        message = session.exec(select(Message).where(Message.data["media"].is_not(None))).all()
        (item,) = [m for row_ in message for m in row_.data.get("media", [])]
    assert item["error"] == "KeyError: 'service_code'" and "stored" not in item


def resolved_and_due_to_ask(app) -> str:
    """A ticket its department resolved, whose question to the resident is due now. Returns the folio."""
    svc, folio = app.extensions["ventanilla"], "2611-ASKB01"
    with unit_of_work(svc) as session:
        contact = resident_on_whatsapp(session)
        ticket = Ticket(
            folio=folio, contact_id=contact.id, channel="whatsapp", flow="pothole", department="obras_publicas",
            category="bache", summary="Bache en Morelos", status="in_progress",
        )  # fmt: skip
        session.add(ticket)
        session.flush()
        change_status(session, svc.flows, ticket, "resolved", actor="ana@x.mx", ask_back_after=timedelta(0))
    with transaction(svc.engine, immediate=True) as session:  # the resolution's notice is not this test's
        for row in session.exec(select(Outbox).where(Outbox.kind == "send_messages")).all():
            row.status = "done"
            session.add(row)
    return folio


def test_a_bug_while_asking_back_is_recorded_and_nothing_is_half_written(app, no_network, monkeypatch):
    monkeypatch.setattr("bot.tickets.followup.queue_message", bug)
    resolved_and_due_to_ask(app)
    settle(app)
    (row,) = [row for row in outbox_rows(app) if row.kind == "ask_back"]
    assert (row.status, row.attempts, row.last_error) == ("failed", MAX_ATTEMPTS, "KeyError: 'service_code'")
    with Session(app.extensions["ventanilla"].engine) as session:
        assert session.exec(select(TicketFollowup)).all() == []  # no follow-up recorded
        assert not any(session.exec(select(Conversation.state)).all())  # the conversation was not moved


def test_an_ask_back_whose_last_try_never_finished_gives_up(app, no_network):
    resolved_and_due_to_ask(app)
    as_if_the_last_try_was_killed(app)
    settle(app)
    (row,) = [row for row in outbox_rows(app) if row.kind == "ask_back"]
    assert (row.status, row.last_error) == ("failed", UNFINISHED)
