"""Twilio's REST API and media URLs, mocked with `responses` (the outside world only)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

import responses

from tests.support.app import (
    ACCOUNT_SID,
)

PHOTO = b"\xff\xd8\xff\xe0 a JPEG from a resident's phone"


def twilio_media(no_network, url: str) -> None:
    """Twilio's media URL: it wants the account's credentials (HTTP basic auth)."""
    import base64

    from tests.support.app import ACCOUNT_SID, AUTH_TOKEN

    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

    def serve(request):
        if request.headers.get("Authorization") != expected:
            return (401, {}, "")
        return (200, {"Content-Type": "image/jpeg"}, PHOTO)

    no_network.add_callback(responses.GET, url, callback=serve)


TWILIO_MESSAGES = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def twilio_api(no_network, statuses=(201,)) -> list[dict]:
    """Twilio's Messages API; answers with the given HTTP statuses in turn; returns the forms it got."""
    calls, answers = [], list(statuses)

    def create(request):
        calls.append({k: v[0] for k, v in parse_qs(request.body).items()} | {"_at": time.monotonic()})
        status = answers.pop(0) if answers else 201
        if status != 201:
            return (
                status,
                {},
                '{"code": 20429, "message": "Too Many Requests", "status": %d}' % status,
            )
        return (201, {}, '{"sid": "SMa%031d", "status": "queued"}' % len(calls))

    no_network.add_callback(responses.POST, TWILIO_MESSAGES, callback=create)
    return calls
