"""The terminal chat writes from a channel that carries what the real one does, at the city's time."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import simulator
from bot.cli.simulator import Simulator, chat, city_zone
from bot.config import ConfigError
from bot.flows.loader import load_flows
from bot.flows.messages import CARRIES_ALL

FLOWS = Path(__file__).parent.parent.parent / "flows.yaml"
# 9 p.m. on Thursday 26 November in Monterrey (UTC-6) is already Friday the 27th in UTC.
EVENING_IN_MONTERREY = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def flows():
    return load_flows(FLOWS)


@pytest.fixture
def engine_sees(monkeypatch) -> list:
    """The messages the engine is handed."""
    seen: list = []
    advance = simulator.advance
    monkeypatch.setattr(
        simulator, "advance", lambda flows, state, msg, *rest: seen.append(msg) or advance(flows, state, msg, *rest)
    )
    return seen


def test_sms_carries_text_only_and_a_photo_or_pin_cannot_be_sent(flows, engine_sees):
    out = io.StringIO()
    chat(flows, ["hola", "/photo", "/location 25.65,-100.40 Esquina"], out, channel="sms")
    text = out.getvalue()
    assert "Channel: sms, text only" in text
    assert "(sms carries no photos: a resident could not send one)" in text
    assert "(sms carries no location pins: a resident could not send one)" in text
    assert [(m.channel, m.carries, m.text) for m in engine_sees] == [("sms", frozenset(), "hola")]


def test_whatsapp_is_the_default_and_carries_everything(flows, engine_sees):
    out = io.StringIO()
    chat(flows, ["hola", "/photo"], out)
    assert "Channel: whatsapp, text, photos, location pins, buttons, voice notes" in out.getvalue()
    assert [(m.channel, m.carries) for m in engine_sees] == [("whatsapp", CARRIES_ALL)] * 2
    assert engine_sees[1].media[0].is_image()


def test_the_web_chat_carries_no_voice(flows, engine_sees):
    out = io.StringIO()
    chat(flows, ["hola"], out, channel="webchat")
    assert "Channel: webchat, text, photos, location pins, buttons" in out.getvalue()
    assert engine_sees[0].carries == frozenset({"photo", "location", "buttons"})


def test_an_unknown_channel_is_refused(flows):
    with pytest.raises(ValueError, match="unknown channel 'telegram'"):
        Simulator(flows, io.StringIO(), channel="telegram")


def test_ayer_is_the_citys_yesterday(flows):
    chat_ = Simulator(flows, io.StringIO(), clock=lambda: EVENING_IN_MONTERREY, zone=ZoneInfo("America/Monterrey"))
    chat_.start("trash")
    chat_.handle("1")
    chat_.handle("ayer")
    assert chat_.state.answers["missed_since"] == "2026-11-25"  # not the 26th, UTC's yesterday


def test_the_city_zone_is_read_as_the_app_reads_it():
    assert city_zone({}) == ZoneInfo("America/Mexico_City")
    assert city_zone({"CITY_TIMEZONE": ""}) == ZoneInfo("America/Mexico_City")
    assert city_zone({"CITY_TIMEZONE": "America/Monterrey"}) == ZoneInfo("America/Monterrey")
    with pytest.raises(ConfigError, match="CITY_TIMEZONE='Monterrey'"):
        city_zone({"CITY_TIMEZONE": "Monterrey"})
