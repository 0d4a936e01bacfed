"""gunicorn's settings file, read from the working folder: its logger, the Prometheus multiprocess hooks, and
freezing what a web process loaded so the garbage collector stops re-reading it.

The Procfile's command line says everything else. gunicorn's own logs (errors, the access log) are
written in LOG_FORMAT behind the privacy Redactor by bot.observability.gunicorn. With
PROMETHEUS_MULTIPROC_DIR set (README, "Health checks and metrics"), each web process writes its
metrics to files there and /metrics adds them up.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

logger_class = "bot.observability.gunicorn.GunicornLogger"


def on_starting(server) -> None:
    """Empty the folder before any process starts: files from a previous run would be added to this one's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink(missing_ok=True)


def child_exit(server, worker) -> None:
    """A web process ended: its live gauges (web chat polls open) stop counting; its counters stay."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """The app is loaded: move everything it made (flows, the streets of the gazetteer, modules: some 130,000
    objects) out of the collector's reach. Otherwise every full collection, which a request making a few
    thousand objects sets off every few requests, walks them all again — 40 to 150 ms added to whichever
    request happened to trigger it, the dashboard's slowest answers (bench/dashboard.py's p99)."""
    gc.collect()
    gc.freeze()
    worker.log.info("froze the %d objects the app loaded, out of the garbage collector's reach", gc.get_freeze_count())
