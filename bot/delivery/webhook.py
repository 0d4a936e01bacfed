"""Webhook delivery: a JSON POST of the ticket, signed with the department's `secret`.

Two signatures travel (bot/messaging/signing.py): X-Ventanilla-Timestamp with X-Ventanilla-Signature-V1
(v1, over timestamp, method, path and body: what departments should check), and, for a transition, the
old X-Ventanilla-Signature (sha256= over the body only), to be dropped once departments check v1.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import requests

from bot.delivery.base import Delivery, DeliveryError
from bot.messaging.sending import describe_failure
from bot.messaging.signing import SIGNATURE_V1_HEADER, TIMESTAMP_HEADER, sign, sign_request

__all__ = [
    "deliver",
    "sign",
    "signed_headers",
    "SIGNATURE_HEADER",
    "SIGNATURE_V1_HEADER",
    "TIMESTAMP_HEADER",
    "IDEMPOTENCY_HEADER",
    "DeliveryError",
]

SIGNATURE_HEADER = "X-Ventanilla-Signature"  # the old body-only signature, kept beside v1 for a transition
IDEMPOTENCY_HEADER = "Idempotency-Key"
TIMEOUT = (5, 20)  # connect, read (seconds)


def deliver(delivery: Delivery) -> dict:
    """POST the ticket; a 2xx answer is a delivery, anything else raises DeliveryError.

    The folio travels as the Idempotency-Key, so a department that already has it ignores a repeat.
    """
    body = json.dumps(delivery.ticket, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    secret = delivery.target.get("secret") or ""
    if not secret:  # the app refuses to start without one; a flows.yaml edited since must not send unsigned
        raise DeliveryError("the department has no secret to sign with (its variable is unset)")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        **signed_headers(secret, delivery.target["url"], body, time.time()),
        IDEMPOTENCY_HEADER: delivery.folio,
        "User-Agent": "Ventanilla",
    }
    try:
        timeout = (TIMEOUT[0], float(delivery.target["timeout"])) if delivery.target.get("timeout") else TIMEOUT
        response = requests.post(delivery.target["url"], data=body, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise DeliveryError(describe_failure(exc)) from exc
    if not response.ok:
        raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}")
    return {"status_code": response.status_code}


def signed_headers(secret: str, url: str, body: bytes, now: float) -> dict[str, str]:
    """The signature headers of a POST of body to url: v1 (timestamp, method, path, body) and the old one."""
    timestamp = str(int(now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_V1_HEADER: sign_request(secret, timestamp, "POST", urlsplit(url).path or "/", body),
        SIGNATURE_HEADER: sign(secret, body),
    }
