"""GEOCODER and its settings: off unless named, checked at start, and handed to the places the app reads."""

from __future__ import annotations

import pytest

from bot import create_app, create_app_or_exit
from bot.config import Config, ConfigError
from bot.db.database import create_tables
from bot.places.online import OnlineGeocoder
from tests.support.app import app_settings

HIDALGO = {"lat": "25.66", "lon": "-100.40", "display_name": "Calle Hidalgo 120, Monterrey", "importance": 0.6}


def test_no_online_geocoder_unless_one_is_named(tmp_path):
    config = Config.from_env({}, tmp_path)
    assert config.geocoder == "" and config.geocoder_url == "" and config.geocoder_bounds is None
    assert (config.geocoder_timeout, config.geocoder_user_agent) == (2.0, "ventanilla")


def test_the_settings_are_read(tmp_path):
    config = Config.from_env(
        {
            "GEOCODER": " Photon ",
            "GEOCODER_URL": "https://geo.monterrey.gob.mx/photon/",
            "GEOCODER_TIMEOUT": "1.5",
            "GEOCODER_USER_AGENT": "ventanilla-monterrey (sistemas@monterrey.gob.mx)",
            "GEOCODER_BOUNDS": "-100.50, 25.55,-100.20,25.80",
        },
        tmp_path,
    )
    assert config.geocoder == "photon"
    assert config.geocoder_url == "https://geo.monterrey.gob.mx/photon"
    assert config.geocoder_timeout == 1.5
    assert config.geocoder_user_agent == "ventanilla-monterrey (sistemas@monterrey.gob.mx)"
    assert config.geocoder_bounds == (-100.5, 25.55, -100.2, 25.8)


def test_an_empty_variable_means_no_geocoder(tmp_path):
    empty = dict.fromkeys(["GEOCODER", "GEOCODER_URL", "GEOCODER_TIMEOUT", "GEOCODER_BOUNDS"], "")
    assert Config.from_env(empty, tmp_path) == Config.from_env({}, tmp_path)


BOUNDS = "Input should be west,south,east,north in degrees, such as -100.50,25.55,-100.20,25.80"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("GEOCODER", "google", "Input should be nominatim or photon (or unset, for no online geocoder)"),
        ("GEOCODER_URL", "nominatim.openstreetmap.org", "Input should be an http:// or https:// URL"),
        ("GEOCODER_URL", "ftp://geo.example.org", "Input should be an http:// or https:// URL"),
        ("GEOCODER_TIMEOUT", "0", "Input should be greater than 0"),
        ("GEOCODER_TIMEOUT", "60", "Input should be less than or equal to 30"),
        ("GEOCODER_BOUNDS", "-100.5,25.55,-100.2", BOUNDS),
        ("GEOCODER_BOUNDS", "oeste,sur,este,norte", BOUNDS),
        ("GEOCODER_BOUNDS", "-100.2,25.55,-100.5,25.8", BOUNDS),  # west east of east
        ("GEOCODER_BOUNDS", "25.55,-100.5,25.8,-100.2", BOUNDS),  # latitudes first
    ],
)
def test_a_bad_value_is_named_in_one_line(tmp_path, variable, value, message):
    with pytest.raises(ConfigError) as raised:
        Config.from_env({variable: value}, tmp_path)
    assert str(raised.value) == f"{variable}={value!r}: {message}"


def test_an_unknown_geocoder_refuses_to_start(monkeypatch, capsys):
    monkeypatch.setenv("GEOCODER", "google")
    with pytest.raises(SystemExit) as raised:
        create_app_or_exit()
    assert raised.value.code == 1
    assert capsys.readouterr().err == (
        "refusing to start, a setting is wrong: "
        "GEOCODER='google': Input should be nominatim or photon (or unset, for no online geocoder)\n"
    )


def test_the_app_has_no_geocoder_unless_told(app):
    assert app.extensions["ventanilla"].place_store.online is None


def test_the_app_asks_the_geocoder_named_when_its_places_find_nothing(tmp_path, redis_url, no_network):
    settings = app_settings(tmp_path, redis_url, geocoder="nominatim", geocoder_url="https://geo.example.org/")
    app = create_app(settings | {"geocoder_timeout": 1, "geocoder_bounds": "-100.5,25.55,-100.2,25.8"})
    services = app.extensions["ventanilla"]
    create_tables(services.engine)
    online = services.place_store.online
    assert isinstance(online, OnlineGeocoder) and online.cache is services.redis
    assert online.bounds == (-100.5, 25.55, -100.2, 25.8)
    no_network.get("https://geo.example.org/search", json=[HIDALGO])
    places = services.places()  # the city has loaded no places: the geocoder alone reads addresses
    place = places.find("Hidalgo 120").placed
    assert place is not None and place.method == "online" and places.near(25.66, -100.40) is None
    assert no_network.calls[0].request.headers["User-Agent"] == "ventanilla"
    services.engine.dispose()
