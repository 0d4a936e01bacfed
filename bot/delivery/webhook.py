"""Webhook delivery: a JSON POST of the ticket, signed with HMAC-SHA256 of the body."""

from __future__ import annotations

import hashlib
import hmac
import json

import requests

__all__ = ["deliver", "sign", "SIGNATURE_HEADER", "IDEMPOTENCY_HEADER", "DeliveryError"]

SIGNATURE_HEADER = "X-Ventanilla-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TIMEOUT = (5, 20)  # connect, read (seconds)


class DeliveryError(Exception):
    """The department did not accept the ticket (yet)."""


def sign(secret: str, body: bytes) -> str:
    """Return the signature header value for a body: sha256=<hex digest>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(target: dict, payload: dict, idempotency_key: str) -> dict:
    """POST the ticket; a 2xx answer is a delivery, anything else raises DeliveryError."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign(target.get("secret", ""), body),
        IDEMPOTENCY_HEADER: idempotency_key,
        "User-Agent": "Ventanilla",
    }
    try:
        response = requests.post(target["url"], data=body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    if not response.ok:
        raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}")
    return {"status_code": response.status_code}
