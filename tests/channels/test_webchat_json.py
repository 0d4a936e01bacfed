"""Absurd JSON posted to the web chat is a 400, never a 500: nesting deep enough to overflow the stack
of a request (the issue's `[` x 900) is refused where the body is decoded."""

from __future__ import annotations

import json

import pytest

from tests.support.webchat import Chat


def nested(depth: int, inner: bytes = b"1") -> bytes:
    return b"[" * depth + inner + b"]" * depth


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 900,  # the payload: unbalanced
        nested(900),  # parses, then overflowed the stack while checked (a 500)
        b'{"a":' * 900 + b"1" + b"}" * 900,
        nested(5000),
    ],
    ids=["open-900", "balanced-900", "objects-900", "balanced-5000"],
)
def test_deeply_nested_json_is_400_never_500(client, body):
    response = client.post("/webchat/api/messages", data=body, content_type="text/plain")
    assert response.status_code == 400, response.data
    assert response.json["error"] == "bad_request"


def test_deep_nesting_inside_a_message_field_is_400(client):
    token = Chat(client).token
    body = b'{"token": ' + json.dumps(token).encode() + b', "id": "m1", "text": ' + nested(900) + b"}"
    response = client.post("/webchat/api/messages", data=body, content_type="text/plain")
    assert response.status_code == 400 and response.json["error"] == "bad_request"
