"""Errors shared by channel adapters."""

__all__ = ["PayloadError"]


class PayloadError(ValueError):
    """A webhook payload is malformed or lacks what the channel requires (answered 400)."""
