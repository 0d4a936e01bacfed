"""The RQ job of survey campaigns: one resident's invitation, when its paced outbox row comes due.

Like every job that reaches the outside world, any exception in a try is a recorded failed attempt; after the
last try the invitation is failed with the reason, shown in the campaign's figures."""

from __future__ import annotations

import logging

from bot.campaigns.campaigns import SEND_KIND
from bot.campaigns.invitations import invite
from bot.db.tables import CampaignSend, utcnow
from bot.jobs.attempts import (
    ERROR_LENGTH,
    UNFINISHED,
    Attempt,
    describe_error,
    finish_attempt,
    record_failed_try,
    start_attempt,
)
from bot.jobs.outbox import unit_of_work
from bot.jobs.registry import job
from bot.services import services

__all__ = ["send_invitation"]

log = logging.getLogger(__name__)


@job(SEND_KIND)
def send_invitation(outbox_id: int) -> str:
    """Send (or hold, or skip) one invitation and queue its message; safe to run twice."""
    svc = services()
    attempt = start_attempt(svc.engine, outbox_id)
    if attempt is None:
        return "nothing to do"
    if attempt.overdue:
        return _failed(svc, attempt, UNFINISHED)
    try:
        with unit_of_work(svc) as session:
            done = invite(session, svc, int(attempt.payload["send_id"]), utcnow())
            finish_attempt(session, outbox_id)
    except Exception as exc:  # any failure is a recorded attempt, a bug included
        log.exception("invitation of outbox %s raised", outbox_id)
        return _failed(svc, attempt, describe_error(exc))
    return done


def _failed(svc, attempt: Attempt, error: str) -> str:
    """Record the failed try; after the last one the invitation is failed with the reason."""

    def fail_the_invitation(session) -> None:
        send_id = attempt.payload.get("send_id")
        send = session.get(CampaignSend, send_id) if isinstance(send_id, int) else None
        if send is not None and send.status == "pending":
            send.status, send.reason = "failed", error[:ERROR_LENGTH]
            session.add(send)

    return record_failed_try(svc.engine, attempt, error, fail_the_invitation)
