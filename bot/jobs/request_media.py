"""Copying a media URL an Open311 client sent into our media store, as a chat's photos are copied.

The URL is the outside world's: only https to a named host is fetched (no address literal of this
machine's networks, no credentials, redirects followed by hand and checked alike), at most MEDIA_MAX_BYTES
of a type MEDIA_TYPES keeps. A file refused or gone keeps the reason on the ticket's media item; a
network failure is tried again with backoff, and after the last try the item says why it was not copied.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from urllib.parse import urljoin, urlsplit

import requests

from bot.db.database import transaction
from bot.db.tables import Ticket
from bot.jobs.attempts import UNFINISHED, Attempt, describe_error, finish_attempt, record_failed_try, start_attempt
from bot.jobs.outbox import unit_of_work
from bot.jobs.registry import job
from bot.messaging.media import REDIRECT_STATUSES, MediaRefusedError, read_limited, store_media
from bot.messaging.sending import SendError, is_retryable_status, network_error
from bot.privacy.logs import error_head
from bot.services import services

__all__ = ["download_request_media", "public_host"]

log = logging.getLogger(__name__)
TIMEOUT = (5, 20)
MAX_REDIRECTS = 5
LOCAL_NAMES = re.compile(r"(^|\.)(localhost|local|internal|localdomain|home\.arpa)$", re.IGNORECASE)


@job("download_request_media")
def download_request_media(outbox_id: int) -> str:
    """Copy each media item of the row's ticket not yet stored; safe to run twice (stored items are kept)."""
    svc = services()
    attempt = start_attempt(svc.engine, outbox_id)
    if attempt is None:
        return "nothing to do"
    if attempt.overdue:
        return _failed(svc, attempt, UNFINISHED)
    try:
        with transaction(svc.engine) as session:
            ticket = session.get(Ticket, attempt.ticket_id)
            items = list(ticket.media) if ticket is not None else []
        copied = [item if item.get("stored") or item.get("refused") else _copy(svc.config, item) for item in items]
        with unit_of_work(svc) as session:
            ticket = session.get(Ticket, attempt.ticket_id)
            if ticket is not None:
                by_url = {m["url"]: m for m in copied}
                ticket.media = [by_url.get(m.get("url"), m) for m in ticket.media]
                session.add(ticket)
            finish_attempt(session, outbox_id)
    except Exception as exc:  # any failure is a recorded attempt, a bug included
        if not isinstance(exc, SendError):
            log.exception("copying the media of outbox %s raised", outbox_id)
        return _failed(svc, attempt, describe_error(exc, expected=(SendError,)))
    return f"stored {sum(1 for m in copied if m.get('stored'))} of {len(copied)}"


def _failed(svc, attempt: Attempt, error: str) -> str:
    """Record the failed try; after the last one each item not copied keeps the reason on the ticket."""

    def say_why_on_the_items(session) -> None:
        ticket = session.get(Ticket, attempt.ticket_id)
        if ticket is not None:
            ticket.media = [
                m if m.get("stored") else {**m, "error": m.get("error") or error[:200]} for m in ticket.media
            ]
            session.add(ticket)

    return record_failed_try(svc.engine, attempt, error, say_why_on_the_items)


def _copy(config, item: dict) -> dict:
    """One item copied ({"stored", "size", "content_type"} added), or refused for good with the reason."""
    try:
        response = _fetch(item["url"], config.media_max_bytes)
    except SendError as exc:
        if exc.retryable:
            raise
        return {**item, "refused": str(exc)[:200]}
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    try:
        content = read_limited(response, config.media_max_bytes)
        name = store_media(config, content, content_type)
    except MediaRefusedError as exc:
        log.info("media of an Open311 request refused: %s", error_head(exc))
        return {**item, "refused": str(exc)[:200]}
    finally:
        response.close()
    return {**item, "content_type": content_type, "stored": name, "size": len(content)}


def _fetch(url: str, limit: int) -> requests.Response:
    """GET url, following redirects by hand so that every hop is checked; a final SendError for a refusal."""
    for _ in range(MAX_REDIRECTS + 1):
        if not public_host(url):
            raise SendError("media_url refused: https to a public, named host only", retryable=False, code="media_url")
        try:
            response = requests.get(url, timeout=TIMEOUT, stream=True, allow_redirects=False)
        except requests.RequestException as exc:
            raise network_error(exc) from exc
        location = response.headers.get("Location")
        if response.status_code in REDIRECT_STATUSES and location:
            response.close()
            url = urljoin(url, location)
            continue
        if response.status_code != 200:
            response.close()
            retryable = is_retryable_status(response.status_code)
            raise SendError(f"media_url answered HTTP {response.status_code}", retryable=retryable, code="media_url")
        return response
    raise SendError(f"more than {MAX_REDIRECTS} redirects fetching media_url", retryable=False, code="media_url")


def public_host(url: str) -> bool:
    """Whether url is https to a host that names no machine of ours: no address literal, no local name."""
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname or "", parts.port
    except ValueError:
        return False
    if parts.scheme != "https" or not host or "@" in parts.netloc or re.search(r"[\\\s]", url):
        return False
    try:
        ipaddress.ip_address(host)
        return False  # an address literal: the internal network's, the cloud's metadata service…
    except ValueError:
        pass
    return "." in host and not LOCAL_NAMES.search(host.rstrip("."))
