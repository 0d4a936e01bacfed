"""Tickets we send are signed with the v1 scheme (timestamp, method, path, body) and, for a transition,
the old body-only header; never unsigned."""

from __future__ import annotations

import json
import time

import pytest
import responses

from bot.delivery.base import Delivery, DeliveryError
from bot.delivery.webhook import SIGNATURE_HEADER, deliver, sign
from bot.messaging.signing import SIGNATURE_V1_HEADER, TIMESTAMP_HEADER, request_problem
from tests.support.app import DEPARTMENT_KEYS


def ticket_delivery(secret: str) -> Delivery:
    target = {"kind": "webhook", "url": "https://obras.example.mx/ventanilla/tickets?v=2", "secret": secret}
    return Delivery(target=target, ticket={"folio": "2611-ABC123", "summary": "Bache"}, folio="2611-ABC123")


def test_a_ticket_goes_out_signed_with_v1_and_the_old_header_for_the_transition(no_network):
    no_network.add(responses.POST, "https://obras.example.mx/ventanilla/tickets", status=201)
    key = DEPARTMENT_KEYS["OBRAS_PUBLICAS_WEBHOOK_SECRET"]
    deliver(ticket_delivery(key))
    sent = no_network.calls[0].request
    headers, body = sent.headers, sent.body
    assert abs(int(headers[TIMESTAMP_HEADER]) - time.time()) < 5
    path = "/ventanilla/tickets"  # the URL's path, without the query string
    assert (
        request_problem(key, headers[TIMESTAMP_HEADER], headers[SIGNATURE_V1_HEADER], "POST", path, body, time.time())
        is None
    )
    assert headers[SIGNATURE_HEADER] == sign(key, body)  # kept beside v1 until departments check v1
    assert json.loads(body)["folio"] == "2611-ABC123"


def test_a_ticket_is_never_sent_unsigned(no_network):
    with pytest.raises(DeliveryError, match="no secret"):
        deliver(ticket_delivery(""))
    assert len(no_network.calls) == 0
