"""HMAC-SHA256 signatures of raw bodies ("sha256=<hex>"): what Meta sends us and what we send departments."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["sign", "is_signed"]

PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """Return the signature of a body: sha256=<hex HMAC-SHA256 with the secret>."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_signed(secret: str, body: bytes, signature: str) -> bool:
    """Tell whether signature is this body's, compared in constant time; never with an empty secret."""
    if not secret or not signature.startswith(PREFIX):
        return False
    given = PREFIX + signature.removeprefix(PREFIX).strip().lower()
    return hmac.compare_digest(sign(secret, body).encode(), given.encode(errors="replace"))
