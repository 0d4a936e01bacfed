"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives: email delivery tested for real."""

from __future__ import annotations

import email
import email.policy

import pytest
from aiosmtpd.controller import Controller

from tests.support.processes import free_port

SMTP_PORT = free_port()  # one port for the session: flows texts name it before the server starts


class Inbox:
    """An SMTP handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield inbox
    controller.stop()
