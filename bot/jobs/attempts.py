"""Tries of outbox work, counted in the database: when the next one is due, and when to give up.

Every job that talks to the outside world starts by counting its attempt and
writing when the next try is due; a worker killed half-way is thus retried by the
relay at that time, and retry timing never lives only in Redis.

Whatever goes wrong inside a try — the outside system refusing, or any exception
at all, a bug included — ends as a failed attempt whose message (the exception's
type and text, on one bounded line) is kept on the row; after the last try the row
fails for good. A try that never got to record its end (a killed worker, a
database gone at the wrong moment) is followed by one more run that only gives up
(Attempt.overdue), so no row stays pending for ever.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.database import transaction
from bot.db.tables import Outbox, as_utc, utcnow
from bot.messaging.text import single_line
from bot.privacy.logs import error_head

__all__ = [
    "Attempt",
    "start_attempt",
    "finish_attempt",
    "fail_attempt",
    "record_failed_try",
    "postpone",
    "describe_error",
    "BACKOFF_SECONDS",
    "MAX_ATTEMPTS",
    "ERROR_LENGTH",
    "UNFINISHED",
]

BACKOFF_SECONDS = (10, 30, 120, 600, 1800, 3600, 3600 * 3)  # then give up
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
ERROR_LENGTH = 500  # characters of an error kept on a row (Outbox.last_error, Message.error, an event's detail)
UNFINISHED = "the last try did not finish (the worker stopped or the database was unreachable); gave up"


@dataclass(frozen=True)
class Attempt:
    """One try of an outbox row: which, its number, and what the row carries."""

    outbox_id: int
    number: int
    payload: dict
    ticket_id: int | None

    @property
    def is_last(self) -> bool:
        return self.number >= MAX_ATTEMPTS

    @property
    def overdue(self) -> bool:
        """The last try already started and never recorded its end: this run only gives up (with UNFINISHED)."""
        return self.number > MAX_ATTEMPTS


def start_attempt(engine, outbox_id: int) -> Attempt | None:
    """Count a try and set the next one; None when the row is done, failed, or not due yet."""
    with transaction(engine, immediate=True) as session:
        outbox = session.get(Outbox, outbox_id)
        now = utcnow()
        if outbox is None or outbox.status != "pending" or _later(outbox.available_at, now):
            return None
        outbox.attempts += 1
        outbox.available_at = now + backoff(outbox.attempts)
        session.add(outbox)
        return Attempt(outbox.id, outbox.attempts, dict(outbox.payload), outbox.ticket_id)


def finish_attempt(session, outbox_id: int) -> None:
    """Mark the row done (inside the caller's transaction, with the work's own records)."""
    outbox = session.get(Outbox, outbox_id)
    outbox.status, outbox.done_at, outbox.last_error = "done", utcnow(), ""
    session.add(outbox)


def fail_attempt(session, attempt: Attempt, error: str) -> bool:
    """Record a failed try; on the last one the row fails for good. Tell whether it was the last."""
    outbox = session.get(Outbox, attempt.outbox_id)
    outbox.last_error = single_line(error, ERROR_LENGTH) or "failed without a message"
    if attempt.is_last:
        outbox.status = "failed"
    session.add(outbox)
    return attempt.is_last


def record_failed_try(engine, attempt: Attempt, error: str, on_give_up: Callable | None = None) -> str:
    """Record a failed try in a transaction of its own; after the last one, on_give_up(session) marks what
    the work was for as failed (the messages, the media items, the invitation) in that same transaction.

    Returns the job's one-line result. RQ logs it and keeps it in Redis, so it carries the error's head
    only: the whole error stays on the row.
    """
    with transaction(engine, immediate=True) as session:
        if fail_attempt(session, attempt, error) and on_give_up is not None:
            on_give_up(session)
    return f"attempt {attempt.number}: {error_head(error)}" + ("; given up" if attempt.is_last else "; will retry")


def postpone(session, outbox_id: int, until: datetime) -> None:
    """The work is not for now (a resident mid-conversation): the row waits until then, its try given back."""
    outbox = session.get(Outbox, outbox_id)
    outbox.available_at, outbox.attempts = until, max(0, outbox.attempts - 1)
    session.add(outbox)


def describe_error(exc: BaseException, expected: tuple[type[BaseException], ...] = ()) -> str:
    """What a failed try records: an expected failure's own words (DeliveryError, SendError say what the
    outside system answered); anything else by its type and text, so a bug is told from a refusal.
    Always one line, at most ERROR_LENGTH characters."""
    text = str(exc) if isinstance(exc, expected) else f"{type(exc).__name__}: {exc}"
    return single_line(text, ERROR_LENGTH) or type(exc).__name__


def backoff(attempt: int) -> timedelta:
    """The wait before the next try, with jitter so many retries spread out.

    BACKOFF_SCALE (default 1) shrinks every wait: for fault tests and demos, never production.
    """
    base = BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)]
    scale = float(os.environ.get("BACKOFF_SCALE") or 1)
    return timedelta(seconds=base * scale * random.uniform(1.0, 1.25))


def _later(moment: datetime | None, now: datetime) -> bool:
    if moment is None:
        return False
    return as_utc(moment) > now + timedelta(seconds=1)
