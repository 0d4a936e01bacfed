"""The outbox relay: committed work reaches RQ even if Redis was down at commit time."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import cast

from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import event, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db.database import transaction
from bot.db.tables import Outbox, as_utc, utcnow
from bot.jobs.registry import job_for
from bot.observability.context import current_request_id

__all__ = [
    "enqueue",
    "unit_of_work",
    "relay",
    "relay_forever",
    "job_id",
    "last_relay_run",
    "LAST_RUN_KEY",
    "ORIGIN_KEY",
]

log = logging.getLogger(__name__)

JOB_TIMEOUT = 60
RESULT_TTL = 3600  # bounded, so Redis memory stays flat
FAILURE_TTL = 7 * 24 * 3600
LIVE_STATUSES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}
LAST_RUN_KEY = "ventanilla:relay:last_run"  # when a relay last read the outbox and reached Redis (/readyz)
# The payload key naming the web request (X-Request-ID) whose work a row is, so that the worker's log
# lines for its job carry that request's id however late the relay enqueues it (no column: a log concern).
ORIGIN_KEY = "http_request_id"


def job_id(row_id: int) -> str:
    """Return the RQ job id of an outbox row: one job per row, never two."""
    return f"outbox-{row_id}"


def enqueue(
    queue: Queue, rows: list[tuple[int, str]], skip_live: bool = False, origins: dict[int, str] | None = None
) -> int:
    """Enqueue (id, kind) outbox rows; return how many went in. A down Redis is logged, not raised.

    Each job's meta names the web request the row came from (origins, by row id; else the request
    under way), which the worker puts on its log lines (bot.jobs.registry)."""
    count = 0
    for row_id, kind in rows:
        request_id = origins.get(row_id) if origins is not None else current_request_id()
        try:
            if skip_live and _is_live(queue, job_id(row_id)):
                continue
            # No RQ retry: every job counts its tries in the database (bot.jobs.attempts) and the relay re-enqueues.
            queue.enqueue(
                job_for(kind),
                row_id,
                job_id=job_id(row_id),
                job_timeout=JOB_TIMEOUT,
                result_ttl=RESULT_TTL,
                failure_ttl=FAILURE_TTL,
                meta={"request_id": request_id},  # always written: a job id reused keeps no earlier meta
            )
            count += 1
        except RedisError as exc:
            log.warning("outbox %s not enqueued yet (%s); the relay will retry", row_id, exc)
            break
    return count


def _is_live(queue: Queue, jid: str) -> bool:
    """Queued, scheduled, or running on a worker that is still alive (a killed worker's job is not)."""
    try:
        job = Job.fetch(jid, connection=queue.connection)
    except NoSuchJobError:
        return False
    status = job.get_status()
    if status == JobStatus.STARTED and job.worker_name:
        worker_key = Worker.redis_worker_namespace_prefix + job.worker_name  # its heartbeat key expires with it
        return bool(queue.connection.exists(worker_key))
    return status in LIVE_STATUSES


def relay(engine: Engine, queue: Queue, older_than: timedelta = timedelta(seconds=30)) -> int:
    """Enqueue the pending outbox rows that are due: not just committed (their enqueue is under way),
    and past their retry time. A row whose job is still queued or running is left alone."""
    now = utcnow()
    with transaction(engine) as session:
        rows = session.exec(
            select(Outbox.id, Outbox.kind, Outbox.payload)
            .where(
                Outbox.status == "pending",
                Outbox.created_at <= now - older_than,
                or_(Outbox.available_at.is_(None), Outbox.available_at <= now),
            )
            .order_by(Outbox.id)
        ).all()
    # Stored rows always have an id; sqlmodel types it Optional only for rows not yet inserted.
    due = [(cast(int, row_id), kind) for row_id, kind, _ in rows]
    origins = {cast(int, row_id): payload.get(ORIGIN_KEY) for row_id, _, payload in rows if payload.get(ORIGIN_KEY)}
    count = enqueue(queue, due, skip_live=True, origins=origins)
    _mark_run(queue)
    return count


def _mark_run(queue: Queue) -> None:
    """Record that a relay ran now (the database read and Redis answered); a down Redis is logged, not raised."""
    try:
        queue.connection.set(LAST_RUN_KEY, repr(time.time()))
    except RedisError as exc:
        log.warning("relay ran but could not record it (%s)", exc)


def last_relay_run(redis) -> float | None:
    """When a relay last ran (seconds since the epoch), or None if none has; RedisError passes."""
    value = redis.get(LAST_RUN_KEY)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def relay_forever(
    engine: Engine,
    queue: Queue,
    every: float,
    older_than: timedelta = timedelta(seconds=30),
    retention_every_hours: float = 0,
    open_data_every_hours: float = 0,
) -> None:
    """Run the relay on a schedule (the Procfile's relay process), and have retention applied and the open data
    published once per period of each."""
    from bot.jobs.opendata_jobs import schedule_open_data  # the job modules import this one
    from bot.jobs.privacy_jobs import schedule_retention

    while True:
        try:
            count = relay(engine, queue, older_than)
            if count:
                log.info("relay enqueued %s outbox rows", count)
            if schedule_retention(queue, retention_every_hours):
                log.info("relay enqueued retention (every %g h)", retention_every_hours)
            if schedule_open_data(queue, open_data_every_hours):
                log.info("relay enqueued the open data's publication (every %g h)", open_data_every_hours)
        except Exception:  # a relay outlives a database or Redis hiccup
            log.exception("relay failed; trying again in %s s", every)
        time.sleep(every)


@event.listens_for(Outbox, "before_insert")
def _carry_request_id(mapper, connection, row: Outbox) -> None:
    """A new row names the request (or the job's request) it is work for; a copied row drops its original's."""
    request_id = current_request_id()
    if row.payload.get(ORIGIN_KEY) != request_id:
        payload = {key: value for key, value in row.payload.items() if key != ORIGIN_KEY}
        row.payload = {**payload, ORIGIN_KEY: request_id} if request_id else payload


def _later(row: Outbox) -> bool:
    """A row due later (a question asked days after a resolution) is left to the relay, which enqueues it when due."""
    return row.available_at is not None and as_utc(row.available_at) > utcnow()


def _enqueue_after_commit(session, queue: Queue) -> None:
    """Relay every outbox row this session adds to RQ once (and only if) its transaction commits; one due later
    is enqueued by the relay when it is due."""
    added: list[Outbox] = []

    def collect(session_, flush_context):
        added.extend(obj for obj in session_.new if isinstance(obj, Outbox) and not _later(obj))

    def relay_added(session_):
        now = utcnow()
        # A row due later (a campaign's paced invitation) is left to the relay, which enqueues it when due.
        rows = [(row.id, row.kind) for row in added if row.available_at is None or as_utc(row.available_at) <= now]
        origins = {row.id: row.payload[ORIGIN_KEY] for row in added if row.payload.get(ORIGIN_KEY)}
        added.clear()
        if rows:
            enqueue(queue, rows, origins=origins)

    event.listen(session, "before_flush", lambda s, ctx, instances: collect(s, ctx))
    event.listen(session, "after_commit", relay_added)
    event.listen(session, "after_rollback", lambda s: added.clear())


@contextmanager
def unit_of_work(svc) -> Iterator[Session]:
    """Yield a session in one write transaction whose new outbox rows reach RQ after it commits."""
    with transaction(svc.engine, immediate=True) as session:
        _enqueue_after_commit(session, svc.queue)
        yield session
