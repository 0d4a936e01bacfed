"""Prometheus metrics: what the service counts as it works, the figures read at scrape time, and /metrics' text.

Counters, histograms and the polls gauge live in prometheus_client's default registry; under gunicorn
(several processes) set PROMETHEUS_MULTIPROC_DIR to an empty folder before the processes start, and each
process writes its values there for MultiProcessCollector to add up at scrape (README, "Metrics").
The outbox backlog, the age of its oldest pending row and RQ's queue depth are read when Prometheus
scrapes, one cheap query each, so they are right whichever process asks.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from bot.db.tables import Outbox, as_utc, utcnow

__all__ = [
    "CONTENT_TYPE",
    "exposition",
    "message_received",
    "messages_sent",
    "ticket_opened",
    "delivery_attempted",
    "delivery_failed",
    "timed_webhook",
    "timed_job",
    "poll_open",
    "one_file_set_per_worker",
]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
F = TypeVar("F", bound=Callable[..., Any])

MESSAGES_IN = Counter("ventanilla_messages_in_total", "Messages residents sent us, by channel", ["channel"])
MESSAGES_OUT = Counter(
    "ventanilla_messages_out_total",
    "Messages to residents, by channel and what became of them (replied_inline, sent, failed)",
    ["channel", "status"],
)
WEBHOOK_SECONDS = Histogram(
    "ventanilla_webhook_seconds", "Time to answer a provider's webhook (the engine run included)", ["provider"]
)
TICKETS_OPENED = Counter("ventanilla_tickets_opened_total", "Tickets filed, by department", ["department"])
DELIVERY_ATTEMPTS = Counter(
    "ventanilla_delivery_attempts_total", "Tries at delivering a ticket, by department and kind", ["department", "kind"]
)
DELIVERY_FAILURES = Counter(
    "ventanilla_delivery_failures_total",
    "Failed tries at delivering a ticket, by department and kind",
    ["department", "kind"],
)
JOB_SECONDS = Histogram(
    "ventanilla_job_seconds",
    "Time an RQ job ran, by job",
    ["job"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
WEBCHAT_POLLS = Gauge(
    "ventanilla_webchat_polls_open", "Web chat polls waiting now (held threads)", multiprocess_mode="livesum"
)


def message_received(channel: str) -> None:
    """A resident's message, counted once (a provider's retry is not counted again)."""
    MESSAGES_IN.labels(channel).inc()


def messages_sent(channel: str, status: str, count: int = 1) -> None:
    """Messages to residents that reached a status: replied_inline, sent, failed."""
    if count:
        MESSAGES_OUT.labels(channel, status).inc(count)


def ticket_opened(department: str) -> None:
    """A ticket filed for a department (counted once its transaction committed)."""
    TICKETS_OPENED.labels(department).inc()


def delivery_attempted(department: str, kind: str) -> None:
    DELIVERY_ATTEMPTS.labels(department, kind).inc()


def delivery_failed(department: str, kind: str) -> None:
    DELIVERY_FAILURES.labels(department, kind).inc()


def timed_webhook(provider: str) -> Callable[[F], F]:
    """Decorate a webhook view: how long it took to answer goes into the latency histogram for provider."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def timed(*args, **kwargs):
            with WEBHOOK_SECONDS.labels(provider).time():
                return view(*args, **kwargs)

        return timed  # type: ignore[return-value]

    return decorate


def timed_job(name: str, job: F) -> F:
    """Wrap a job so its run time goes into the job durations histogram (RQ finds it by the same name)."""

    @functools.wraps(job)
    def timed(*args, **kwargs):
        with JOB_SECONDS.labels(name).time():
            return job(*args, **kwargs)

    return timed  # type: ignore[return-value]


def one_file_set_per_worker() -> None:
    """Call in the worker before any job runs: RQ forks a process per job, and each would leave files of its own
    in PROMETHEUS_MULTIPROC_DIR; its jobs (one at a time) write this worker's files instead, read afresh by each."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        ident = f"worker{os.getpid()}"
        values.ValueClass = values.MultiProcessValue(lambda: ident)


@contextmanager
def poll_open() -> Iterator[None]:
    """Count a web chat poll as open while it waits."""
    WEBCHAT_POLLS.inc()
    try:
        yield
    finally:
        WEBCHAT_POLLS.dec()


class ScrapeTime(Collector):
    """Figures read when Prometheus asks: the outbox backlog, its oldest pending row's age, RQ's queue depth."""

    def __init__(self, engine: Engine, queue: Queue):
        self.engine, self.queue = engine, queue

    def collect(self) -> Iterable[Metric]:
        backlog = GaugeMetricFamily("ventanilla_outbox_pending", "Outbox rows not yet done (work waiting)")
        oldest = GaugeMetricFamily(
            "ventanilla_outbox_oldest_pending_seconds", "Age of the oldest pending outbox row (0 when none)"
        )
        depth = GaugeMetricFamily("ventanilla_rq_queue_depth", "Jobs waiting in RQ's queue", labels=["queue"])
        try:
            with Session(self.engine) as session:  # both read the outbox's status index
                pending = session.exec(select(func.count()).select_from(Outbox).where(Outbox.status == "pending")).one()
                first = session.exec(
                    select(Outbox.created_at).where(Outbox.status == "pending").order_by(col(Outbox.id)).limit(1)
                ).first()
        except SQLAlchemyError:  # the database down: these are left out, the rest still answers (/readyz says why)
            pass
        else:
            backlog.add_metric([], pending)
            oldest.add_metric([], (utcnow() - as_utc(first)).total_seconds() if first else 0.0)
            yield backlog
            yield oldest
        try:
            depth.add_metric([self.queue.name], self.queue.count)
        except RedisError:  # Redis down: the queue's depth is left out
            return
        yield depth


class _Default(Collector):
    """This process's own metrics (the default registry), when it runs alone."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def exposition(engine: Engine, queue: Queue) -> bytes:
    """The text Prometheus scrapes: every process's metrics (PROMETHEUS_MULTIPROC_DIR) or this one's, and the
    figures read now."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Default())
    registry.register(ScrapeTime(engine, queue))
    return generate_latest(registry)
