"""The privacy jobs: a fulfilled cancellation tells the resident, then erases them; retention runs once per period."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from rq.job import Job
from rq.registry import FailedJobRegistry

from bot.db.database import transaction
from bot.db.tables import Contact, ContactAddress, Conversation, Message, Outbox, PrivacyEvent, PrivacyRequest, utcnow
from bot.jobs import outbox as outbox_module
from bot.jobs.attempts import MAX_ATTEMPTS
from bot.jobs.outbox import relay_forever, unit_of_work
from bot.jobs.privacy_jobs import retention_slot, schedule_retention
from tests.support.app import all_rows
from tests.support.twilio_api import twilio_api

PHONE = "+528135792468"
TOLD = "✅ Tu solicitud de cancelación (folio *ARCO-0001*) quedó atendida."


def a_cancellation(app) -> tuple[int, int]:
    """A contact who wrote by WhatsApp, a fulfilled cancellation and its erase_contact row; (contact, outbox) ids."""
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine, immediate=True) as session:
        contact = Contact(name="Xochiquetzal")
        session.add(contact)
        session.flush()
        assert contact.id is not None
        session.add(ContactAddress(contact_id=contact.id, kind="phone", address=PHONE))
        session.add(Conversation(contact_id=contact.id))
        session.add(
            Message(
                contact_id=contact.id, direction="in", channel="whatsapp", provider="twilio", text="borrar mis datos"
            )
        )
        request = PrivacyRequest(
            folio="ARCO-0001", contact_id=contact.id, right="cancellation", status="fulfilled", due_on=utcnow().date()
        )
        told = Message(
            contact_id=contact.id, direction="out", channel="whatsapp", provider="twilio", text=TOLD, status="queued"
        )
        session.add_all([request, told])
        session.flush()
        payload = {"contact_id": contact.id, "request_id": request.id, "message_ids": [told.id]}
        contact_id = contact.id
    with unit_of_work(svc) as session:
        row = Outbox(kind="erase_contact", payload=payload)
        session.add(row)
        session.flush()
        assert row.id is not None
        return contact_id, row.id


def erased_event(db) -> PrivacyEvent:
    (event,) = [e for e in all_rows(db, PrivacyEvent) if e.kind == "contact_erased"]
    return event


def test_the_resident_is_told_then_erased(app, db, run_worker, no_network):
    calls = twilio_api(no_network)
    contact_id, outbox_id = a_cancellation(app)
    run_worker()
    assert [(c["To"], c["Body"]) for c in calls] == [(f"whatsapp:{PHONE}", TOLD)]
    assert db.get(Contact, contact_id).anonymised_at is not None
    assert all_rows(db, ContactAddress) == []
    assert {m.text for m in all_rows(db, Message)} == {""}
    assert db.get(Outbox, outbox_id).status == "done"
    event = erased_event(db)
    assert event.detail["notice"] == "sent" and event.detail["reason"] == "arco_cancellation"
    assert event.request_id is not None and event.contact_id == contact_id


def test_a_provider_down_delays_the_erasure_until_the_last_try(app, db, run_worker, retry_now, no_network):
    calls = twilio_api(no_network, statuses=(503,) * 20)
    contact_id, outbox_id = a_cancellation(app)
    run_worker()
    row = db.get(Outbox, outbox_id)
    assert row.status == "pending" and row.attempts == 1 and "Too Many Requests" in row.last_error
    assert db.get(Contact, contact_id).anonymised_at is None  # tried again later: the resident is still there

    svc = app.extensions["ventanilla"]
    with transaction(svc.engine, immediate=True) as session:
        session.get(Outbox, outbox_id).attempts = MAX_ATTEMPTS - 1
    retry_now()

    assert len(calls) == 2
    db.rollback()  # a fresh read: SQLite readers keep their snapshot
    assert db.get(Outbox, outbox_id).status == "done" and db.get(Outbox, outbox_id).last_error == ""
    assert db.get(Contact, contact_id).anonymised_at is not None
    assert erased_event(db).detail["notice"] == "failed"
    (told,) = [m for m in all_rows(db, Message) if m.direction == "out"]
    assert (told.status, told.text) == ("failed", "")


def test_a_refused_notice_does_not_stop_the_erasure(app, db, run_worker, no_network):
    twilio_api(no_network, statuses=(400,))
    contact_id, outbox_id = a_cancellation(app)
    run_worker()
    assert db.get(Outbox, outbox_id).status == "done"
    assert db.get(Contact, contact_id).anonymised_at is not None
    assert erased_event(db).detail["notice"] == "failed"


def test_a_second_run_does_nothing(app, db, run_worker, no_network):
    from bot.jobs.privacy_jobs import erase_contact

    twilio_api(no_network)
    _, outbox_id = a_cancellation(app)
    run_worker()
    with app.app_context():
        assert erase_contact(outbox_id) == "nothing to do"
    assert len([e for e in all_rows(db, PrivacyEvent) if e.kind == "contact_erased"]) == 1


def test_retention_is_scheduled_once_per_slot(app):
    svc = app.extensions["ventanilla"]
    now = time.time()
    assert schedule_retention(svc.queue, 24, now) is True
    assert schedule_retention(svc.queue, 24, now + 60) is False  # another relay, or the next loop: same slot
    assert schedule_retention(svc.queue, 24, now + 86400) is True
    assert schedule_retention(svc.queue, 0, now) is False  # RETENTION_EVERY_HOURS=0: never
    slots = [retention_slot(24, now), retention_slot(24, now + 86400)]
    assert sorted(svc.queue.job_ids) == sorted(f"retention-{slot}" for slot in slots)
    job = Job.fetch(f"retention-{slots[0]}", connection=svc.redis)
    assert (job.func_name, job.args) == ("bot.jobs.privacy_jobs.apply_retention", (slots[0],))


def test_the_relay_schedules_retention_and_a_worker_applies_it(app, db, run_worker, monkeypatch):
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine, immediate=True) as session:
        contact = Contact(name="Lupita", created_at=utcnow() - timedelta(days=800))
        session.add(contact)
        session.flush()
        assert contact.id is not None
        session.add(
            Message(
                contact_id=contact.id,
                direction="in",
                channel="sms",
                text="hace mucho",
                created_at=utcnow() - timedelta(days=700),
            )
        )
        session.add(
            Message(
                contact_id=contact.id,
                direction="in",
                channel="sms",
                text="ayer",
                created_at=utcnow() - timedelta(days=1),
            )
        )

    def stop(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(outbox_module.time, "sleep", stop)
    with pytest.raises(KeyboardInterrupt):
        relay_forever(svc.engine, svc.queue, 1, retention_every_hours=24)
    monkeypatch.undo()
    assert [j for j in svc.queue.job_ids if j.startswith("retention-")]
    run_worker()
    assert sorted(m.text for m in all_rows(db, Message)) == ["", "ayer"]
    assert [e.kind for e in all_rows(db, PrivacyEvent)] == ["retention_applied"]


def bug(*args, **kwargs):
    """What a bug looks like from the job: an exception nobody expected."""
    raise KeyError("service_code")


def test_a_bug_while_telling_is_recorded_and_the_erasure_still_comes(app, db, run_worker, retry_now, monkeypatch):
    from bot.jobs import message_jobs

    monkeypatch.setattr(message_jobs, "sender", lambda provider: bug)
    contact_id, outbox_id = a_cancellation(app)
    run_worker()
    row = db.get(Outbox, outbox_id)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "KeyError: 'service_code'")
    settle(app, outbox_id, retry_now)
    db.rollback()
    assert db.get(Outbox, outbox_id).status == "done" and db.get(Contact, contact_id).anonymised_at is not None
    assert erased_event(db).detail["notice"] == "failed"
    assert FailedJobRegistry(queue=app.extensions["ventanilla"].queue).count == 0  # recorded by us, not by RQ


def test_a_bug_in_the_erasure_is_recorded_and_fails_the_row_after_the_last_try(
    app, db, run_worker, retry_now, monkeypatch, no_network
):
    from bot.privacy import erase

    twilio_api(no_network)
    monkeypatch.setattr(erase, "erase_contact", bug)
    contact_id, outbox_id = a_cancellation(app)
    run_worker()
    assert db.get(Outbox, outbox_id).last_error == "KeyError: 'service_code'"
    settle(app, outbox_id, retry_now)
    db.rollback()
    row = db.get(Outbox, outbox_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", MAX_ATTEMPTS, "KeyError: 'service_code'")
    assert db.get(Contact, contact_id).anonymised_at is None
    assert FailedJobRegistry(queue=app.extensions["ventanilla"].queue).count == 0


def test_a_last_try_that_never_finished_erases_instead_of_retrying_for_ever(app, db, retry_now, no_network):
    calls = twilio_api(no_network)
    contact_id, outbox_id = a_cancellation(app)
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine, immediate=True) as session:
        session.get(Outbox, outbox_id).attempts = MAX_ATTEMPTS  # the last try counted itself, then its worker died
    retry_now()
    db.rollback()
    assert calls == [] and db.get(Outbox, outbox_id).status == "done"
    assert db.get(Contact, contact_id).anonymised_at is not None
    assert erased_event(db).detail["notice"] == "failed"


def settle(app, outbox_id: int, retry_now) -> None:
    """Run the row's tries until it is done or failed, each as soon as it is due."""
    svc = app.extensions["ventanilla"]
    for _ in range(MAX_ATTEMPTS + 1):
        with transaction(svc.engine) as session:
            if session.get(Outbox, outbox_id).status != "pending":
                return
        retry_now()
    raise AssertionError("the row never settled")
