"""The worker process: relays the outbox, then runs RQ jobs inside the app context.

It outlives Redis outages: when RQ's worker gives up on a lost connection, a new
one starts as soon as Redis answers again (the relay re-enqueues what Redis lost).
"""

import logging
import signal
import time

from redis.exceptions import RedisError
from rq import Worker

from bot import create_app_or_exit
from bot.jobs.outbox import relay
from bot.metrics import one_file_set_per_worker
from bot.observability.context import bound, set_process_role
from bot.services import services

log = logging.getLogger("worker")
RECONNECT_SECONDS = 2


class StoppableWorker(Worker):
    """RQ's worker, remembering whether it was asked to stop (SIGINT, SIGTERM or `rq shutdown`)."""

    stop_was_requested = False

    def request_stop(self, signum, frame):
        """Note the request, then stop as RQ does (after the job under way)."""
        self.stop_was_requested = True  # before RQ's handler, which raises to leave its loop
        super().request_stop(signum, frame)

    def perform_job(self, job, queue):
        """Run the job with its id and its request's id on every log line, RQ's own included."""
        with bound(request_id=job.meta.get("request_id"), job_id=job.id):
            return super().perform_job(job, queue)


def main() -> None:
    """Run RQ workers one after another until stopped (Ctrl-C or SIGTERM)."""
    set_process_role("worker")
    one_file_set_per_worker()  # before any job counts: the jobs' metrics go to this worker's files
    app = create_app_or_exit()
    with app.app_context():
        svc = services()
        while True:
            try:
                relay(svc.engine, svc.queue)
                svc.engine.dispose()  # forked job processes must not share SQLite connections
                if _work(svc):
                    return  # stopped on purpose
            except RedisError as exc:
                log.warning("Redis is not answering (%s); trying again in %s s", exc, RECONNECT_SECONDS)
            time.sleep(RECONNECT_SECONDS)


def _work(svc) -> bool:
    """Run one RQ worker; tell whether it stopped on purpose (rather than losing Redis)."""
    # A worker killed mid-job is noticed within a minute or two, not RQ's default quarter hour:
    # its heartbeat key expires after worker_ttl and maintenance runs every worker_maintenance_interval.
    ttl = svc.config.worker_ttl
    worker = StoppableWorker(
        [svc.queue],
        connection=svc.redis,
        worker_ttl=ttl,
        maintenance_interval=svc.config.worker_maintenance_interval,
        job_monitoring_interval=max(1, min(10, ttl // 3)),
    )
    try:
        worker.work()  # no RQ scheduler: retry timing lives in the database (bot.jobs.attempts)
    finally:
        # RQ leaves its handlers installed; while waiting for Redis, Ctrl-C and SIGTERM must stop us.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return worker.stop_was_requested


if __name__ == "__main__":
    main()
