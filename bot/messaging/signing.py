"""HMAC-SHA256 signatures, in two schemes.

- **body** (`sha256=<hex>` over the raw body): what Meta sends us (`X-Hub-Signature-256`), and the old
  `X-Ventanilla-Signature` header our ticket webhook keeps sending for a transition.
- **v1** (`v1=<hex>` over `f"{timestamp}.{METHOD}.{path}.{body}"`): what the departments' status API
  requires and what our ticket webhook sends beside the old header. Binding the time, method and path
  means a captured request works for one URL only, and only for a few minutes.

Pure functions: the caller hands in the clock.
"""

from __future__ import annotations

import hashlib
import hmac
import re

__all__ = [
    "sign",
    "is_signed",
    "sign_request",
    "request_problem",
    "signed_message",
    "TIMESTAMP_HEADER",
    "SIGNATURE_V1_HEADER",
    "MAX_SKEW_SECONDS",
]

PREFIX = "sha256="
V1 = "v1="
TIMESTAMP_HEADER = "X-Ventanilla-Timestamp"  # unix seconds, as ASCII digits
SIGNATURE_V1_HEADER = "X-Ventanilla-Signature-V1"  # v1=<hex>
MAX_SKEW_SECONDS = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_V1_VALUE = re.compile(r"v1=([0-9a-fA-F]{64})")


def sign(secret: str, body: bytes) -> str:
    """Return the signature of a body: sha256=<hex HMAC-SHA256 with the secret>."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_signed(secret: str, body: bytes, signature: str) -> bool:
    """Tell whether signature is this body's, compared in constant time; never with an empty secret."""
    if not secret or not signature.startswith(PREFIX):
        return False
    given = PREFIX + signature.removeprefix(PREFIX).strip().lower()
    return hmac.compare_digest(sign(secret, body).encode(), given.encode(errors="replace"))


def signed_message(timestamp: int | str, method: str, path: str, body: bytes) -> bytes:
    """The bytes a v1 signature covers: `{timestamp}.{METHOD}.{path}.` followed by the raw body."""
    return f"{timestamp}.{method.upper()}.{path}.".encode() + body


def sign_request(secret: str, timestamp: int | str, method: str, path: str, body: bytes) -> str:
    """Return a request's v1 signature: v1=<hex HMAC-SHA256 of signed_message with the secret>."""
    digest = hmac.new(secret.encode(), signed_message(timestamp, method, path, body), hashlib.sha256)
    return V1 + digest.hexdigest()


def request_problem(
    secret: str, timestamp: str, signature: str, method: str, path: str, body: bytes, now: float
) -> str | None:
    """Why a v1-signed request is not to be trusted, or None when it is.

    The answers are "unsigned" (a header missing or malformed), "skew" (the timestamp is more than
    MAX_SKEW_SECONDS from now) and "signature" (it does not match, or there is no secret to check with),
    in that order, so the first two say nothing about the secret. Compared in constant time.
    """
    timestamp, signature = timestamp.strip(), signature.strip()
    match = _V1_VALUE.fullmatch(signature)
    if not _TIMESTAMP.fullmatch(timestamp) or match is None:
        return "unsigned"
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return "skew"
    if not secret:
        return "signature"
    expected = sign_request(secret, timestamp, method, path, body)
    if not hmac.compare_digest(expected.encode(), (V1 + match.group(1).lower()).encode()):
        return "signature"
    return None
