"""The web chat's later messages on Redis: published to a session's channel, kept in a short backlog,
and read back as server-sent events (the widget may have been closed, or reconnects after a drop)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

from redis import Redis
from redis.exceptions import RedisError

__all__ = ["channel_name", "publish", "events", "STREAM_SECONDS", "HEARTBEAT_SECONDS", "BACKLOG"]

log = logging.getLogger(__name__)
STREAM_SECONDS = 300  # an SSE answer holds a thread: end it, EventSource reconnects by itself
HEARTBEAT_SECONDS = 15
RETRY_MILLISECONDS = 3000
BACKLOG = 50  # later messages kept per session, for a widget that was not listening


def channel_name(session: str) -> str:
    """The Redis channel a session's later messages are published on."""
    return f"webchat:{session}"


def _backlog_key(session: str) -> str:
    return f"webchat:{session}:backlog"


def publish(redis: Redis, session: str, message: dict, keep_seconds: int) -> None:
    """Number a message in its session, keep it in the backlog for keep_seconds and publish it (RedisError passes)."""
    seq = redis.incr(f"webchat:{session}:seq")
    data = json.dumps({"seq": seq, **message}, ensure_ascii=False)
    with redis.pipeline() as pipe:
        pipe.rpush(_backlog_key(session), data).ltrim(_backlog_key(session), -BACKLOG, -1)
        pipe.expire(_backlog_key(session), keep_seconds).expire(f"webchat:{session}:seq", keep_seconds)
        pipe.publish(channel_name(session), data)
        pipe.execute()


def events(redis: Redis, session: str, after: int, seconds: float, heartbeat: float) -> Iterator[str]:
    """Server-sent events: the backlog after seq `after`, then live messages and heartbeats, then a goodbye."""
    last, deadline = after, time.monotonic() + seconds
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(channel_name(session))  # before reading the backlog: nothing falls in between
        yield f"retry: {RETRY_MILLISECONDS}\n: connected\n\n"
        for data in [_text(d) for d in redis.lrange(_backlog_key(session), 0, -1)]:
            if seq_of(data) > last:
                last = seq_of(data)
                yield _event(data)
        beat = time.monotonic()
        while (left := deadline - time.monotonic()) > 0:
            message = pubsub.get_message(timeout=min(1.0, left))
            if message and message["type"] == "message" and seq_of(_text(message["data"])) > last:
                last, beat = seq_of(_text(message["data"])), time.monotonic()
                yield _event(_text(message["data"]))
            elif time.monotonic() - beat >= heartbeat:
                beat = time.monotonic()
                yield ": heartbeat\n\n"
        yield "event: bye\ndata: {}\n\n"  # the widget decides whether to reconnect
    except RedisError as exc:
        log.warning("web chat stream for %s ended: %s", session, exc)
    finally:
        pubsub.close()


def as_seq(value) -> int:
    """A sequence number from a header or query (0 for anything that is not one)."""
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def seq_of(data: str) -> int:
    return as_seq(json.loads(data).get("seq"))


def _event(data: str) -> str:
    return f"id: {seq_of(data)}\ndata: {data}\n\n"


def _text(data) -> str:
    return data.decode() if isinstance(data, bytes) else data
