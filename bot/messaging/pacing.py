"""Sending at the pace providers allow: a long code sends 1 SMS per second, a WhatsApp number tens per second.

Workers share the pace through Redis, so several workers on several hosts stay under the limit
together; a provider's 429 is still retried with backoff if the limit is hit anyway.
"""

from __future__ import annotations

import os
import time
from typing import cast

from redis import Redis

__all__ = ["wait_for_turn", "interval_for"]

DEFAULT_PER_SECOND = {"sms": 1.0, "whatsapp": 20.0}
MAX_WAIT_SECONDS = 60


def interval_for(channel: str) -> float:
    """Seconds between two messages from one sender on a channel (SMS_PER_SECOND, WHATSAPP_PER_SECOND)."""
    per_second = float(os.environ.get(f"{channel.upper()}_PER_SECOND") or DEFAULT_PER_SECOND.get(channel, 0) or 0)
    return 1 / per_second if per_second > 0 else 0.0


def wait_for_turn(redis: Redis, sender_key: str, interval: float) -> None:
    """Block until this sender may send again (at most MAX_WAIT_SECONDS)."""
    if interval <= 0:
        return
    deadline = time.monotonic() + MAX_WAIT_SECONDS
    key = f"ventanilla:pace:{sender_key}"
    while not redis.set(key, 1, nx=True, px=max(1, int(interval * 1000))):
        if time.monotonic() > deadline:
            return  # the provider's own limit (and our retry on 429) takes over
        # redis-py types a command for its sync and asyncio clients at once; the sync client returns an int.
        remaining_ms = cast(int, redis.pttl(key))
        time.sleep(max(remaining_ms, 5) / 1000)
