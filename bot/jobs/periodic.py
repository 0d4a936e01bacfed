"""Jobs the relay enqueues on a schedule: once per period ("slot") of so many hours, however many relays run.

Each relay loop asks `schedule_once(...)`; the slot's Redis key is taken with SET NX, so of several relays (and
several loops) one enqueues, under a job id naming the slot. A down Redis is logged and tried on the next loop.
Retention (bot/jobs/privacy_jobs.py) and the open data's publication (bot/jobs/opendata_jobs.py) run this way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import suppress

from redis.exceptions import RedisError
from rq import Queue

from bot.jobs.outbox import FAILURE_TTL, RESULT_TTL

__all__ = ["slot_of", "schedule_once"]

log = logging.getLogger(__name__)
SLOT_KEY = "ventanilla:{name}:slot:{slot}"


def slot_of(every_hours: float, now: float | None = None) -> int:
    """The number of the period of every_hours holding now (Unix time)."""
    return int((time.time() if now is None else now) // (every_hours * 3600))


def schedule_once(
    queue: Queue, name: str, func: Callable[[int], str], every_hours: float, timeout: int, now: float | None = None
) -> bool:
    """Enqueue func(slot) as job `<name>-<slot>` if no process did in this slot yet; tell whether this call did.

    every_hours <= 0: never."""
    if every_hours <= 0:
        return False
    slot = slot_of(every_hours, now)
    key = SLOT_KEY.format(name=name, slot=slot)
    try:
        if not queue.connection.set(key, "1", nx=True, ex=2 * int(every_hours * 3600) + 60):
            return False
    except RedisError as exc:
        log.warning("%s not scheduled (%s); the relay tries again", name, exc)
        return False
    try:
        queue.enqueue(
            func, slot, job_id=f"{name}-{slot}", job_timeout=timeout, result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL
        )
    except RedisError as exc:
        log.warning("%s not scheduled (%s); the relay tries again", name, exc)
        with suppress(RedisError):  # free the slot for the next try (if Redis answers again)
            queue.connection.delete(key)
        return False
    return True
