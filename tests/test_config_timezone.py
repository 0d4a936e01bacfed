"""CITY_TIMEZONE: Mexico City's by default, any IANA zone, and a process refuses to start on anything else."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot import create_app_or_exit
from bot.config import Config, ConfigError


def test_the_city_is_in_mexico_citys_time_unless_told(tmp_path):
    assert Config.from_env({}, tmp_path).city_zone() == ZoneInfo("America/Mexico_City")
    config = Config.from_env({"CITY_TIMEZONE": "America/Tijuana"}, tmp_path)
    assert config.city_timezone == "America/Tijuana" and config.city_zone() == ZoneInfo("America/Tijuana")


@pytest.mark.parametrize("value", ["Mars/Olympus_Mons", "America", "america/monterrey", "/etc/localtime", "-06:00"])
def test_what_is_not_a_time_zone_is_named_in_one_line(tmp_path, value):
    with pytest.raises(ConfigError) as raised:
        Config.from_env({"CITY_TIMEZONE": value}, tmp_path)
    assert str(raised.value) == (
        f"CITY_TIMEZONE={value!r}: Input should be an IANA time zone, such as America/Mexico_City or America/Monterrey"
    )


def test_a_bad_time_zone_refuses_to_start(monkeypatch, capsys):
    monkeypatch.setenv("CITY_TIMEZONE", "Monterrey")
    with pytest.raises(SystemExit) as raised:
        create_app_or_exit()
    assert raised.value.code == 1
    assert capsys.readouterr().err == (
        "refusing to start, a setting is wrong: CITY_TIMEZONE='Monterrey': "
        "Input should be an IANA time zone, such as America/Mexico_City or America/Monterrey\n"
    )
