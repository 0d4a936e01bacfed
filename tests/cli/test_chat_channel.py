"""`ventanilla chat --channel`: the resident writes from SMS, WhatsApp (the default) or the web chat."""

from __future__ import annotations

from pathlib import Path

from bot.cli.main import main
from bot.cli.simulator import CHANNELS

FLOWS = Path(__file__).parent.parent.parent / "flows.yaml"


def test_chat_on_sms_carries_text_only(runner):
    result = runner.invoke(
        main,
        ["chat", "--channel", "sms", "--flows", str(FLOWS)],
        input="hola\nbache\nsí\n/photo\n/location 25.65,-100.40\n",
    )
    assert result.exit_code == 0, result.output
    assert "Channel: sms, text only" in result.output
    assert "(sms carries no photos: a resident could not send one)" in result.output
    assert "(sms carries no location pins: a resident could not send one)" in result.output
    assert "¿Dónde está el bache?" in result.output


def test_chat_is_on_whatsapp_unless_told(runner):
    result = runner.invoke(main, ["chat", "--flows", str(FLOWS)], input="hola\n")
    assert result.exit_code == 0, result.output
    assert "Channel: whatsapp, text, photos, location pins, buttons, voice notes" in result.output


def test_chat_offers_the_simulators_channels(runner):
    result = runner.invoke(main, ["chat", "--channel", "telegram", "--flows", str(FLOWS)], input="")
    assert result.exit_code == 2
    assert all(f"'{channel}'" in result.output for channel in CHANNELS)


def test_chat_refuses_a_city_time_zone_that_is_none(runner, monkeypatch):
    monkeypatch.setenv("CITY_TIMEZONE", "Monterrey")
    result = runner.invoke(main, ["chat", "--flows", str(FLOWS)], input="hola\n")
    assert result.exit_code == 1
    assert "CITY_TIMEZONE='Monterrey': Input should be an IANA time zone" in result.output
