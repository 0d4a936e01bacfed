"""The worker process: relays the outbox, then runs RQ jobs inside the app context.

It outlives Redis outages: when RQ's worker gives up on a lost connection, a new
one starts as soon as Redis answers again (the relay re-enqueues what Redis lost).
"""

import logging
import os
import signal
import sys
import time

from redis.exceptions import RedisError
from rq import Worker

from bot import create_app
from bot.flows.loader import FlowsInvalidError
from bot.jobs.outbox import relay
from bot.services import services

log = logging.getLogger("worker")
# A worker killed mid-job is noticed within a minute or two, not RQ's default quarter hour:
# its heartbeat key expires after WORKER_TTL and maintenance runs every MAINTENANCE_INTERVAL.
WORKER_TTL = int(os.environ.get("WORKER_TTL") or 60)
MAINTENANCE_INTERVAL = int(os.environ.get("WORKER_MAINTENANCE_INTERVAL") or 60)
RECONNECT_SECONDS = 2


def main() -> None:
    """Run RQ workers one after another until stopped (Ctrl-C or SIGTERM)."""
    try:
        app = create_app()
    except FlowsInvalidError as exc:
        print(f"refusing to start, the flows file has errors:\n{exc}", file=sys.stderr)
        raise SystemExit(1) from None
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
    worker = Worker(
        [svc.queue], connection=svc.redis, worker_ttl=WORKER_TTL, maintenance_interval=MAINTENANCE_INTERVAL,
        job_monitoring_interval=max(1, min(10, WORKER_TTL // 3)),
    )
    try:
        worker.work()  # no RQ scheduler: retry timing lives in the database (bot.jobs.attempts)
    finally:
        # RQ leaves its handlers installed; while waiting for Redis, Ctrl-C and SIGTERM must stop us.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return worker._shutdown_requested_date is not None  # set by its SIGINT/SIGTERM handler


if __name__ == "__main__":
    main()
