"""The worker process: relays the outbox, then runs RQ jobs inside the app context."""

import os
import sys

from rq import Worker

from bot import create_app
from bot.flows.loader import FlowsInvalidError
from bot.outbox import relay
from bot.services import services


WORKER_TTL = int(os.environ.get("WORKER_TTL") or 60)
MAINTENANCE_INTERVAL = int(os.environ.get("WORKER_MAINTENANCE_INTERVAL") or 60)


def main() -> None:
    """Start one RQ worker (with its scheduler, which runs retries)."""
    try:
        app = create_app()
    except FlowsInvalidError as exc:
        print(f"refusing to start, the flows file has errors:\n{exc}", file=sys.stderr)
        raise SystemExit(1) from None
    with app.app_context():
        svc = services()
        relay(svc.engine, svc.queue)
        svc.engine.dispose()  # forked job processes must not share SQLite connections
        Worker(
            [svc.queue], connection=svc.redis,
            # A worker killed mid-job is noticed within a minute or two, not RQ's default quarter hour:
            # its heartbeat expires after worker_ttl and maintenance runs every maintenance_interval.
            worker_ttl=WORKER_TTL, maintenance_interval=MAINTENANCE_INTERVAL,
            job_monitoring_interval=max(1, min(10, WORKER_TTL // 3)),
        ).work(with_scheduler=True)


if __name__ == "__main__":
    main()
