"""RQ jobs of residents' privacy: erasing a contact once they are told, and applying retention on a schedule.

`erase_contact` carries out an outbox row (a fulfilled ARCO cancellation): it first sends the messages
telling the resident (the send logic of bot.jobs.message_jobs; a provider's refusal is recorded on the
message), then erases. A retryable failure to send is tried again with the outbox's backoff; after the last
try the erasure goes ahead anyway, the audit entry saying the notice was not sent.

`apply_retention` is enqueued by the relay once per RETENTION_EVERY_HOURS slot (`schedule_retention`),
under a job id naming the slot, so several relays enqueue it once.
"""

from __future__ import annotations

import logging

from rq import Queue
from sqlmodel import select

from bot.db.database import transaction
from bot.db.tables import Message, utcnow
from bot.jobs.attempts import UNFINISHED, Attempt, describe_error, fail_attempt, finish_attempt, start_attempt
from bot.jobs.message_jobs import _send_one
from bot.jobs.outbox import unit_of_work
from bot.jobs.periodic import schedule_once, slot_of
from bot.jobs.registry import job
from bot.messaging.sending import SendError
from bot.privacy import erase, retention
from bot.services import services

__all__ = ["erase_contact", "apply_retention", "schedule_retention", "retention_slot", "RETENTION_TIMEOUT"]

log = logging.getLogger(__name__)
RETENTION_TIMEOUT = 6 * 3600  # a first run on years of messages takes a while; it works in short batches


@job("erase_contact")
def erase_contact(outbox_id: int) -> str:
    """Tell the resident (the payload's message_ids), then erase the contact; safe to run twice."""
    svc = services()
    attempt = start_attempt(svc.engine, outbox_id)
    if attempt is None:
        return "nothing to do"
    message_ids = [i for i in attempt.payload.get("message_ids") or [] if isinstance(i, int)]
    error = UNFINISHED if attempt.overdue else _tell(svc, message_ids)
    if error and not attempt.is_last and not attempt.overdue:
        with transaction(svc.engine, immediate=True) as session:
            fail_attempt(session, attempt, error)
        return f"attempt {attempt.number}: {error}; will retry"
    return _erase(svc, attempt, notice="sent" if not error and _all_sent(svc, message_ids) else "failed")


def _tell(svc, message_ids: list[int]) -> str:
    """Send the messages in order; the error that stopped them ("" when none did)."""
    try:
        for message_id in message_ids:
            _send_one(svc, message_id)
    except Exception as exc:  # any failure is a recorded attempt, a bug included
        if not isinstance(exc, SendError):
            log.exception("telling the resident before an erasure raised")
        return describe_error(exc, expected=(SendError,))
    return ""


def _all_sent(svc, message_ids: list[int]) -> bool:
    with transaction(svc.engine) as session:
        statuses = session.exec(select(Message.status).where(Message.id.in_(message_ids))).all()
    return all(status not in ("queued", "failed") for status in statuses)


def _erase(svc, attempt: Attempt, notice: str) -> str:
    payload = attempt.payload
    contact_id, request_id = payload.get("contact_id"), payload.get("request_id")
    try:
        with unit_of_work(svc) as session:
            counts = erase.erase_contact(
                session,
                svc.config,
                svc.flows,
                contact_id,
                actor="system",
                reason="arco_cancellation",
                request_id=request_id if isinstance(request_id, int) else None,
                redis=svc.redis,
                detail={"notice": notice},
            )
            finish_attempt(session, attempt.outbox_id)
    except Exception as exc:  # recorded and tried again; after the last try the row fails for all to see
        log.exception("erasing contact %s raised", contact_id)
        with transaction(svc.engine, immediate=True) as session:
            fail_attempt(session, attempt, describe_error(exc))
        return f"attempt {attempt.number}: erasure failed"
    return f"erased contact {contact_id} ({counts['messages']} messages, notice {notice})"


def apply_retention(slot: int = 0) -> str:
    """Apply flows.yaml's retention now (the relay enqueues it once per slot)."""
    svc = services()
    counts = retention.apply(svc.engine, svc.config, svc.flows, utcnow(), redis=svc.redis)
    return "retention: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing configured")


def retention_slot(every_hours: float, now: float | None = None) -> int:
    """The number of the RETENTION_EVERY_HOURS period holding now (Unix time)."""
    return slot_of(every_hours, now)


def schedule_retention(queue: Queue, every_hours: float, now: float | None = None) -> bool:
    """Enqueue apply_retention if no process did in this slot yet; tell whether this call did (bot.jobs.periodic)."""
    return schedule_once(queue, "retention", apply_retention, every_hours, RETENTION_TIMEOUT, now)
