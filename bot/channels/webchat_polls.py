"""How many web chat polls may wait at once: a few per web process, per conversation and per address.

A poll that waits holds one of gunicorn's threads (the Procfile's gthread workers). The per-process
cap keeps most of a process's threads for the webhooks and the dashboard whatever the widgets do;
it is counted in memory, so it holds even with Redis down. The per-conversation and per-address caps
are counted in Redis, shared by every process, so one address cannot take every process's share.
A poll over any cap is refused at once (Busy: the view answers 503 with Retry-After).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis

from bot.metrics import poll_open

__all__ = ["Busy", "hold", "process_cap", "holding_here"]

DEFAULT_WEB_THREADS = 16  # the Procfile's --threads when WEB_THREADS is unset
COUNTER_SLACK = 30  # seconds a counter outlives the longest poll, should a process die while holding

_lock = threading.Lock()
_held = 0  # polls this process holds now


class Busy(Exception):
    """Too many polls wait already; `reason` says which cap (process, address, session)."""

    def __init__(self, reason: str):
        super().__init__(f"too many web chat polls waiting ({reason})")
        self.reason = reason


def process_cap(config) -> int:
    """Polls one process may hold: WEBCHAT_POLLS_PER_PROCESS, else a quarter of WEB_THREADS (at least 1)."""
    if config.webchat_polls_per_process:
        return config.webchat_polls_per_process
    try:
        threads = int(os.environ.get("WEB_THREADS") or DEFAULT_WEB_THREADS)
    except ValueError:
        threads = DEFAULT_WEB_THREADS
    return max(1, threads // 4)


def holding_here() -> int:
    """How many polls this process holds now."""
    return _held


@contextmanager
def _process_slot(cap: int) -> Iterator[None]:
    global _held
    with _lock:
        if _held >= cap:
            raise Busy("process")
        _held += 1
    try:
        with poll_open():  # the metrics' gauge of polls open, every process's summed
            yield
    finally:
        with _lock:
            _held -= 1


def _keys(session: str, address: str) -> tuple[str, str]:
    return f"webchat:polls:session:{session}", f"webchat:polls:address:{address}"


@contextmanager
def hold(redis: Redis, session: str, address: str, config) -> Iterator[None]:
    """A place to wait in, within every cap, given back on leaving; Busy when a cap is reached (RedisError passes)."""
    with _process_slot(process_cap(config)):
        session_key, address_key = _keys(session, address)
        ttl = int(config.webchat_poll_seconds) + COUNTER_SLACK
        with redis.pipeline() as pipe:
            pipe.incr(session_key).expire(session_key, ttl).incr(address_key).expire(address_key, ttl)
            in_session, _, at_address, _ = pipe.execute()
        try:
            if at_address > config.webchat_polls_per_address:
                raise Busy("address")
            if in_session > config.webchat_polls_per_session:
                raise Busy("session")
            yield
        finally:
            with redis.pipeline() as pipe:
                pipe.decr(session_key).decr(address_key).execute()
