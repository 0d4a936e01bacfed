"""RQ jobs that talk to residents' providers: sending stored messages, downloading their media.

Any exception in a try — the provider refusing, a bug, a message it cannot carry — is
recorded as a failed attempt with its message; after the last try the unsent messages
are "failed" (with the reason the dashboard shows) and undownloaded media says why.
"""

from __future__ import annotations

import logging

from sqlmodel import select

from bot.channels import media_fetcher, sender
from bot.db.database import transaction
from bot.db.tables import Message
from bot.flows.messages import OutboundMessage
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
from bot.messaging.media import MediaRefusedError, store_media
from bot.messaging.outbound import contact_address, contact_language, queue_message
from bot.messaging.pacing import interval_for, wait_for_turn
from bot.messaging.sending import Outgoing, SendError
from bot.messaging.stored_media import put_on_tickets
from bot.messaging.text import single_line
from bot.metrics import messages_sent
from bot.privacy.logs import error_head
from bot.services import services

__all__ = ["send_messages", "download_media"]

log = logging.getLogger(__name__)


@job("send_messages")
def send_messages(outbox_id: int) -> str:
    """Send the outbox row's messages in order; each one already sent is passed over (safe to run twice).

    A retryable error (429, 5xx, timeouts) leaves the rest for the next try, which the
    database schedules with backoff; after the last try the unsent messages are failed.
    """
    svc = services()
    attempt = start_attempt(svc.engine, outbox_id)
    if attempt is None:
        return "nothing to do"
    message_ids = list(attempt.payload.get("message_ids", []))
    if attempt.overdue:
        return _retry_later(svc, attempt, message_ids, UNFINISHED)
    try:
        for message_id in message_ids:
            _send_one(svc, message_id)
        with transaction(svc.engine, immediate=True) as session:
            finish_attempt(session, outbox_id)
    except Exception as exc:  # any failure is a recorded attempt, a bug included
        if not isinstance(exc, SendError):
            log.exception("sending outbox %s raised", outbox_id)
        return _retry_later(svc, attempt, message_ids, describe_error(exc, expected=(SendError,)))
    return f"sent {len(message_ids)}"


def _send_one(svc, message_id: int) -> None:
    with transaction(svc.engine) as session:
        row = session.get(Message, message_id)
        if row is None or row.provider_id or row.status not in ("queued",):
            return
        outgoing = Outgoing(
            channel=row.channel,
            to=contact_address(session, row.contact_id, row.channel),
            message=OutboundMessage.from_stored(row.text, row.data),
            template=row.data.get("template"),
            message_id=row.id,
        )
        provider = row.provider
    wait_for_turn(svc.redis, _sender_key(svc.config, provider, outgoing.channel), interval_for(outgoing.channel))
    try:
        provider_id = sender(provider)(svc, outgoing)
    except SendError as exc:
        _record_send_error(svc.engine, message_id, exc)
        if exc.retryable:
            raise  # the rest waits: messages to one resident go out in order
        messages_sent(outgoing.channel, "failed")
        return
    with transaction(svc.engine, immediate=True) as session:
        row = session.get(Message, message_id)
        row.provider_id, row.status = provider_id, "sent"
        session.add(row)
    messages_sent(outgoing.channel, "sent")


def _sender_key(config, provider: str, channel: str) -> str:
    """Which of our numbers sends: the pace is per sending number."""
    numbers = {
        ("twilio", "sms"): config.twilio_messaging_service_sid or config.twilio_sms_from,
        ("twilio", "whatsapp"): config.twilio_messaging_service_sid or config.twilio_whatsapp_from,
        ("meta", "whatsapp"): config.whatsapp_phone_number_id,
    }
    return f"{provider}:{channel}:{numbers.get((provider, channel), '')}"


def _retry_later(svc, attempt: Attempt, message_ids: list[int], error: str) -> str:
    failed: list[str] = []

    def fail_the_unsent(session) -> None:
        for row in session.exec(select(Message).where(Message.id.in_(message_ids), Message.status == "queued")):
            row.status, row.error = "failed", row.error or error[:ERROR_LENGTH]
            session.add(row)
            failed.append(row.channel)

    result = record_failed_try(svc.engine, attempt, error, fail_the_unsent)
    for channel in failed:  # counted once the failure is committed
        messages_sent(channel, "failed")
    return result


def _record_send_error(engine, message_id: int, exc: SendError) -> None:
    # The provider's words stay on the message (they may name the number): the log has their head and code.
    retry = "will retry" if exc.retryable else "final"
    log.warning("sending message %s failed (%s): %s %s", message_id, retry, exc.code or "", error_head(exc))
    with transaction(engine, immediate=True) as session:
        row = session.get(Message, message_id)
        row.error = single_line(f"{exc.code} {exc}", ERROR_LENGTH)
        if not exc.retryable:
            row.status = "failed"
        session.add(row)


@job("download_media")
def download_media(outbox_id: int) -> str:
    """Copy a message's media from the provider into our media store (provider URLs expire)."""
    svc = services()
    attempt = start_attempt(svc.engine, outbox_id)
    if attempt is None:
        return "nothing to do"
    if attempt.overdue:
        return _download_failed(svc, attempt, UNFINISHED)
    try:
        message_id = attempt.payload["message_id"]
        with transaction(svc.engine) as session:
            message = session.get(Message, message_id)
            items, provider = list(message.data.get("media", [])), message.provider
        stored = [_download_one(svc, provider, item) if not item.get("stored") else item for item in items]
        with unit_of_work(svc) as session:
            message = session.get(Message, message_id)
            message.data = {**message.data, "media": stored}
            session.add(message)
            put_on_tickets(session, message.contact_id, stored)
            if any(m.get("refused") for m in stored):
                _tell_media_refused(session, svc, message.contact_id)
            finish_attempt(session, outbox_id)
    except Exception as exc:  # any failure is a recorded attempt, a bug included
        if not isinstance(exc, SendError):
            log.exception("downloading media of outbox %s raised", outbox_id)
        return _download_failed(svc, attempt, describe_error(exc, expected=(SendError,)))
    return f"stored {sum(1 for m in stored if m.get('stored'))} of {len(stored)}"


def _download_failed(svc, attempt: Attempt, error: str) -> str:
    """Record the failed try; after the last one each item not copied keeps the reason on its message."""

    def say_why_on_the_items(session) -> None:
        message_id = attempt.payload.get("message_id")
        message = session.get(Message, message_id) if isinstance(message_id, int) else None
        if message is not None:
            media = [
                m if not isinstance(m, dict) or m.get("stored") else {**m, "error": m.get("error") or error[:200]}
                for m in message.data.get("media", [])
            ]
            message.data = {**message.data, "media": media}
            session.add(message)

    return record_failed_try(svc.engine, attempt, error, say_why_on_the_items)


def _download_one(svc, provider: str, item: dict) -> dict:
    try:
        content, content_type = media_fetcher(provider)(svc, item)
    except SendError as exc:
        if exc.retryable:
            raise  # tried again later, with backoff
        log.info("media of a message cannot be fetched (%s): %s", exc.code or "gone", error_head(exc))
        return {**item, "error": exc.code or str(exc)[:100]}  # gone for good (expired): recorded, not retried
    try:
        name = store_media(svc.config, content, content_type or item.get("content_type", ""))
    except MediaRefusedError as exc:
        log.info("media refused: %s", error_head(exc))
        return {**item, "refused": str(exc)}
    return {**item, "stored": name, "size": len(content)}


def _tell_media_refused(session, svc, contact_id: int) -> None:
    flows = svc.flows
    lang = contact_language(session, contact_id) or flows.default_language
    notice = OutboundMessage(flows.message("media_refused", lang)) if "media_refused" in flows.messages else None
    if notice:
        queue_message(session, flows, contact_id, "media_refused", notice, lang=lang)
