"""The web chat's later messages on Redis: published to a session's channel, kept in a short backlog,
and read back by the widget's polls (it may have been closed, or lost its connection, in between)."""

from __future__ import annotations

import json
import time

from redis import Redis

__all__ = ["channel_name", "publish", "kept_after", "wait_for", "as_seq", "BACKLOG"]

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


def kept_after(redis: Redis, session: str, after: int) -> list[dict]:
    """The session's kept messages numbered after `after`, oldest first (RedisError passes)."""
    kept = [json.loads(_text(data)) for data in redis.lrange(_backlog_key(session), 0, -1)]
    return [message for message in kept if as_seq(message.get("seq")) > after]


def wait_for(redis: Redis, session: str, after: int, seconds: float) -> list[dict]:
    """The session's messages after seq `after`: those kept, else the first to come within `seconds` (maybe none).

    RedisError passes: the caller answers that it cannot tell now."""
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(channel_name(session))  # before reading the backlog: nothing falls in between
        found, deadline = kept_after(redis, session, after), time.monotonic() + seconds
        while not found and (left := deadline - time.monotonic()) > 0:
            message = pubsub.get_message(timeout=min(1.0, left))
            if message and message["type"] == "message":
                found = kept_after(redis, session, after)  # the backlog: every message since, in order
        return found
    finally:
        pubsub.close()


def as_seq(value) -> int:
    """A sequence number from a header or query (0 for anything that is not one)."""
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _text(data) -> str:
    return data.decode() if isinstance(data, bytes) else data
