"""Redis and RQ: one connection per process, passed in explicitly."""

from __future__ import annotations

from redis import Redis
from rq import Queue

__all__ = ["connect_redis", "make_queue", "QUEUE_NAME"]

QUEUE_NAME = "ventanilla"


def connect_redis(url: str) -> Redis:
    """Connect lazily to Redis, with short timeouts so a down Redis never stalls a webhook."""
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)


def make_queue(connection: Redis) -> Queue:
    """Return the queue every job of ours goes through."""
    return Queue(QUEUE_NAME, connection=connection)
