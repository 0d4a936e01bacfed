"""Channel adapters: each module verifies, parses and replies for one provider."""

from __future__ import annotations

from flask import Blueprint

from . import twilio

__all__ = ["CHANNELS"]

# channel name -> its blueprint of webhooks
CHANNELS: dict[str, Blueprint] = {
    "twilio": twilio.bp,
}
