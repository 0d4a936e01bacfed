"""Jobs register themselves by outbox kind; a unit of work enqueues its outbox rows only once it commits."""

from __future__ import annotations

import pytest
from rq.job import Job
from sqlmodel import select

from bot.db.tables import Outbox
from bot.jobs import registry
from bot.jobs.outbox import job_id, unit_of_work
from bot.jobs.registry import JobRegistryError, job, job_for, load_jobs


def test_every_outbox_kind_the_code_writes_has_its_job():
    jobs = load_jobs()
    assert {kind: f"{f.__module__}.{f.__name__}" for kind, f in jobs.items()} == {
        "deliver_ticket": "bot.jobs.ticket_jobs.deliver_ticket",
        "send_messages": "bot.jobs.message_jobs.send_messages",
        "download_media": "bot.jobs.message_jobs.download_media",
        "erase_contact": "bot.jobs.privacy_jobs.erase_contact",
        "download_request_media": "bot.jobs.request_media.download_request_media",
        "ask_back": "bot.jobs.followup_jobs.ask_back",
        "send_invitation": "bot.jobs.campaign_jobs.send_invitation",
    }


def test_registering_a_kind_twice_is_an_error(monkeypatch):
    monkeypatch.setattr(registry, "JOBS", {})

    @job("tell_mayor")
    def first(outbox_id: int) -> str:
        return "told"

    with pytest.raises(JobRegistryError, match=r"tell_mayor.*first"):

        @job("tell_mayor")
        def second(outbox_id: int) -> str:
            return "told again"

    assert list(registry.JOBS.items()) == [("tell_mayor", first)]


def test_an_unknown_kind_is_named_in_the_error():
    with pytest.raises(JobRegistryError, match="'tell_mayor'"):
        job_for("tell_mayor")


def test_a_unit_of_work_enqueues_its_outbox_rows_after_commit(app):
    svc = app.extensions["ventanilla"]
    with unit_of_work(svc) as session:
        row = Outbox(kind="send_messages", payload={"message_ids": []})
        session.add(row)
        session.flush()
        assert svc.queue.count == 0  # not before the commit
    queued = Job.fetch(job_id(row.id), connection=svc.redis)
    assert (queued.func_name, queued.args) == ("bot.jobs.message_jobs.send_messages", (row.id,))


def test_a_rolled_back_unit_of_work_enqueues_nothing(app):
    svc = app.extensions["ventanilla"]
    with pytest.raises(RuntimeError), unit_of_work(svc) as session:
        session.add(Outbox(kind="send_messages", payload={"message_ids": []}))
        session.flush()
        raise RuntimeError("the use case refused")
    assert svc.queue.count == 0
    with unit_of_work(svc) as session:
        assert session.exec(select(Outbox)).all() == []
