"""The RQ job that asks a resident, some time after their ticket was resolved, whether it is really fixed.

`ask_back` carries out the outbox row a resolution scheduled (bot/tickets/lifecycle.py), due FOLLOWUP_DELAY_HOURS
after it: in one transaction it starts the follow-up flow in the resident's conversation, stores the question and
its send job, and records the follow-up (or why the resident is not asked; bot/tickets/followup.py). A resident in
the middle of another conversation is asked when it ends: the row waits, its try given back. Any exception is a
recorded failed attempt, retried with the outbox's backoff; after the last try the row fails for all to see.
"""

from __future__ import annotations

import logging

from bot.db.tables import utcnow
from bot.jobs.attempts import UNFINISHED, describe_error, finish_attempt, postpone, record_failed_try, start_attempt
from bot.jobs.outbox import unit_of_work
from bot.jobs.registry import job
from bot.services import services
from bot.tickets import followup
from bot.tickets.lifecycle import FOLLOWUP_JOB

__all__ = ["ask_back"]

log = logging.getLogger(__name__)


@job(FOLLOWUP_JOB)
def ask_back(outbox_id: int) -> str:
    """Ask the resident about one resolution of their ticket, or record why not; safe to run twice."""
    svc = services()
    attempt = start_attempt(svc.engine, outbox_id)
    if attempt is None:
        return "nothing to do"
    error = UNFINISHED if attempt.overdue else ""
    if not error:
        try:
            with unit_of_work(svc) as session:
                resolution_id = attempt.payload.get("resolution_id")
                if attempt.ticket_id is None or not isinstance(resolution_id, int):
                    raise ValueError(f"outbox {outbox_id} names no ticket and resolution: {attempt.payload}")
                asked = followup.ask(session, svc.flows, attempt.ticket_id, resolution_id, utcnow())
                if asked.retry_at is None:
                    finish_attempt(session, outbox_id)
                else:
                    postpone(session, outbox_id, asked.retry_at)
            return asked.outcome
        except Exception as exc:  # any failure is a recorded attempt, a bug included
            log.exception("asking back about outbox %s raised", outbox_id)
            error = describe_error(exc)
    return record_failed_try(svc.engine, attempt, error)
