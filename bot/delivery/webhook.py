"""Webhook delivery: a JSON POST of the ticket, signed with HMAC-SHA256 of the body."""

from __future__ import annotations

import json

import requests

from bot.delivery.base import Delivery, DeliveryError
from bot.messaging.sending import describe_failure
from bot.messaging.signing import sign

__all__ = ["deliver", "sign", "SIGNATURE_HEADER", "IDEMPOTENCY_HEADER", "DeliveryError"]

SIGNATURE_HEADER = "X-Ventanilla-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TIMEOUT = (5, 20)  # connect, read (seconds)


def deliver(delivery: Delivery) -> dict:
    """POST the ticket; a 2xx answer is a delivery, anything else raises DeliveryError.

    The folio travels as the Idempotency-Key, so a department that already has it ignores a repeat.
    """
    body = json.dumps(delivery.ticket, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign(delivery.target.get("secret", ""), body),
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
