"""Handling one message: in order and exactly once even when another message slips in between."""

from __future__ import annotations

import pytest

from bot.conversation.handler import (
    ConversationMovedError,
    _decide,
    _write,
    handle_inbound,
)
from bot.conversation.rows import read_conversation
from bot.db.database import connection_transaction
from bot.db.tables import Conversation, Message, utcnow
from bot.flows import InboundMessage
from tests.support.app import all_rows


def whatsapp(text: str, sid: str) -> InboundMessage:
    return InboundMessage("whatsapp", "+528112345678", provider="twilio", provider_id=sid, text=text)


def test_a_write_based_on_a_stale_read_is_refused_and_nothing_is_stored(app, db):
    svc = app.extensions["ventanilla"]
    handle_inbound(svc, whatsapp("hola", "SM1"))
    first = whatsapp("bache", "SM2")
    with connection_transaction(svc.engine) as connection:
        snapshot = read_conversation(connection, first)
        flows, turn = _decide(svc, connection, snapshot, first, utcnow())
    handle_inbound(svc, whatsapp("basura", "SM3"))  # slips in between the read and the write
    with pytest.raises(ConversationMovedError), connection_transaction(svc.engine, immediate=True) as connection:
        _write(svc, connection, first, snapshot, flows, turn, utcnow())
    assert [m.provider_id for m in all_rows(db, Message) if m.direction == "in"] == ["SM1", "SM3"]


def test_each_message_moves_the_conversation_on_and_bumps_its_seq(app, db):
    svc = app.extensions["ventanilla"]
    handle_inbound(svc, whatsapp("hola", "SM1"))
    handle_inbound(svc, whatsapp("basura", "SM2"))
    reply = handle_inbound(svc, whatsapp("2", "SM3")).replies  # illegal dumping: no date step
    assert "¿Aceptas?" in reply[0].text  # the privacy notice, before the place
    reply = handle_inbound(svc, whatsapp("sí", "SM4")).replies
    assert "¿Dónde?" in reply[0].text
    (conversation,) = all_rows(db, Conversation)
    assert conversation.seq == 4 and conversation.state["step"] == "location"


def test_a_retry_arriving_after_the_first_is_answered_from_storage(app, db):
    svc = app.extensions["ventanilla"]
    first = handle_inbound(svc, whatsapp("hola", "SM1"))
    again = handle_inbound(svc, whatsapp("hola", "SM1"))
    assert again.duplicate and again.replies == first.replies
    assert len([m for m in all_rows(db, Message) if m.direction == "in"]) == 1
