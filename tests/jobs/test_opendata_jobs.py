"""The open data's publication job: enqueued by the relay once per OPEN_DATA_EVERY_HOURS slot, run by a worker."""

from __future__ import annotations

import time

import pytest
from rq.job import Job

from bot.db.tables import OpenDataFile
from bot.jobs import outbox as outbox_module
from bot.jobs.opendata_jobs import publish_open_data, schedule_open_data
from bot.jobs.outbox import relay_forever
from bot.jobs.periodic import slot_of
from tests.support.app import all_rows
from tests.support.desks import seed_ticket


def test_the_publication_is_scheduled_once_per_slot(app):
    svc = app.extensions["ventanilla"]
    now = time.time()
    assert schedule_open_data(svc.queue, 1, now) is True
    assert schedule_open_data(svc.queue, 1, now + 1) is False  # another relay, or the next loop: same slot
    assert schedule_open_data(svc.queue, 1, now + 3600) is True
    assert schedule_open_data(svc.queue, 0, now) is False  # OPEN_DATA_EVERY_HOURS=0: never
    slots = [slot_of(1, now), slot_of(1, now + 3600)]
    assert sorted(svc.queue.job_ids) == sorted(f"opendata-{slot}" for slot in slots)
    job = Job.fetch(f"opendata-{slots[0]}", connection=svc.redis)
    assert (job.func_name, job.args) == ("bot.jobs.opendata_jobs.publish_open_data", (slots[0],))


def test_the_relay_schedules_it_and_a_worker_publishes(app, db, run_worker, monkeypatch):
    seed_ticket(app)
    svc = app.extensions["ventanilla"]

    def stop(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(outbox_module.time, "sleep", stop)
    with pytest.raises(KeyboardInterrupt):
        relay_forever(svc.engine, svc.queue, 1, open_data_every_hours=1)
    monkeypatch.undo()
    assert [j for j in svc.queue.job_ids if j.startswith("opendata-")]
    run_worker()
    published = {row.name: row for row in all_rows(db, OpenDataFile)}
    assert b"bache" in published["tickets-por-semana.csv"].body


def test_with_open_data_off_the_job_publishes_nothing(tmp_path, redis_url, db):
    from bot import create_app
    from bot.db.database import create_tables
    from tests.support.app import app_settings

    off = create_app(app_settings(tmp_path, redis_url, open_data=False))
    with off.app_context():
        create_tables(off.extensions["ventanilla"].engine)
        assert publish_open_data(0) == "open data: off (OPEN_DATA=0)"
    assert all_rows(db, OpenDataFile) == []
    off.extensions["ventanilla"].engine.dispose()
