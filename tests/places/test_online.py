"""The online geocoder behind the city's places: asked only for what they do not find, cached in Redis,
and never a failure of its own (a timeout, an HTTP error, a Redis that is down mean nothing found)."""

from __future__ import annotations

import logging

import pytest
import redis
import requests
from responses import matchers

from bot.flows.places import Found, Near, Place
from bot.jobs.connection import connect_redis
from bot.places.online import FOUND_TTL, MISS_TTL, OnlineGeocoder

NOMINATIM = "https://nominatim.openstreetmap.org/search"
PHOTON = "https://photon.komoot.io/api"
HIDALGO = {
    "place_id": 1,
    "lat": "25.66",
    "lon": "-100.40",
    "display_name": "120, Calle Hidalgo, Centro, Monterrey, Nuevo León, 64000, México",
    "place_rank": 30,
    "importance": 0.6,
}
LOCAL = Place(25.67, -100.31, 0.95, "Morelos y 5 de Mayo", "Centro", "intersection")


class Town:
    """The city's own places, as a test wants them: what find gives, whether a point is inside, and so on."""

    def __init__(self, found=Found(), inside=None, municipality=None, colonia=None):
        self.found, self._inside, self._municipality, self.colonia = found, inside, municipality, colonia
        self.asked: list[str] = []

    def find(self, text):
        self.asked.append(text)
        return self.found

    def near(self, lat, lng):
        return Near("Morelos", "Hidalgo", "Centro")

    def inside(self, lat, lng):
        return self._inside

    def municipality(self, lat, lng):
        return self._municipality

    def area(self, lat, lng, layer):
        return self.colonia if layer == "colonias" else None


@pytest.fixture
def cache(redis_url):
    return redis.Redis.from_url(redis_url)


@pytest.fixture
def http(no_network):
    """conftest's mock of every requests call: what the geocoder answers, and the calls it got."""
    return no_network


@pytest.fixture
def nominatim(cache):
    return OnlineGeocoder("nominatim", "https://nominatim.openstreetmap.org", 2, "ventanilla-test", cache)


@pytest.mark.parametrize("found", [Found((LOCAL,)), Found((LOCAL, LOCAL))], ids=["placed", "ambiguous"])
def test_what_the_citys_places_find_is_never_asked_online(http, nominatim, found):
    places = nominatim.behind(Town(found))
    assert places.find("Morelos y 5 de Mayo") == found
    assert len(http.calls) == 0


def test_what_they_do_not_find_is_asked_online(http, nominatim):
    http.get(
        NOMINATIM,
        json=[HIDALGO],
        match=[
            matchers.query_param_matcher(
                {"q": "Hidalgo 120", "format": "json", "countrycodes": "mx"}, strict_match=False
            ),
            matchers.header_matcher({"User-Agent": "ventanilla-test"}),
        ],
    )
    town = Town(Found(reference="frente a la primaria"))
    found = nominatim.behind(town).find("Hidalgo 120")
    assert town.asked == ["Hidalgo 120"]
    assert found.reference == "frente a la primaria"
    place = found.placed
    assert place is not None and place.method == "online"
    assert (place.lat, place.lng) == (25.66, -100.40)
    assert place.matched == HIDALGO["display_name"]
    assert place.confidence == 0.5  # a house, below the city's own map; importance is prominence, not a match
    assert len(http.calls) == 1


def test_an_answer_is_kept_in_redis_for_the_next_lookup(http, nominatim, cache):
    http.get(NOMINATIM, json=[HIDALGO])
    first = nominatim.behind(Town()).find("Hidalgo 120")
    again = nominatim.behind(Town()).find("  hidalgo   120 ")  # the same text, normalised
    other_process = OnlineGeocoder("nominatim", "", 2, "ventanilla-test", cache).behind(None).find("Hidalgo 120")
    assert first == again == other_process and first.placed is not None
    assert len(http.calls) == 1
    (key,) = cache.keys("ventanilla:geocoder:nominatim:*")
    assert key.decode().endswith(":hidalgo 120")
    assert FOUND_TTL - 60 < cache.ttl(key) <= FOUND_TTL


def test_a_miss_is_kept_too_for_a_day(http, nominatim, cache):
    http.get(NOMINATIM, json=[])
    assert nominatim.behind(Town()).find("Calle Inventada 9") == Found()
    assert nominatim.behind(Town()).find("Calle Inventada 9") == Found()
    assert len(http.calls) == 1
    (key,) = cache.keys("ventanilla:geocoder:*")
    assert MISS_TTL - 60 < cache.ttl(key) <= MISS_TTL


def test_a_timeout_is_nothing_found_logged_and_not_kept(http, nominatim, caplog):
    http.get(NOMINATIM, body=requests.exceptions.Timeout("read timed out"))
    with caplog.at_level(logging.WARNING, logger="bot.places.online"):
        assert nominatim.behind(Town()).find("Hidalgo 120") == Found()
    assert "online geocoder (nominatim) failed" in caplog.text and "GeocoderTimedOut" in caplog.text
    http.replace("GET", NOMINATIM, json=[HIDALGO])
    assert nominatim.behind(Town()).find("Hidalgo 120").placed is not None  # the failure was not cached
    assert len(http.calls) == 2


@pytest.mark.parametrize("status", [429, 500, 503, 403])
def test_an_http_error_is_nothing_found(http, nominatim, status, caplog):
    http.get(NOMINATIM, status=status, body="Bandwidth limit exceeded")
    assert nominatim.behind(Town()).find("Hidalgo 120") == Found()
    assert "online geocoder (nominatim) failed" in caplog.text


def test_a_body_that_is_not_json_is_nothing_found(http, nominatim):
    http.get(NOMINATIM, body="<html>mantenimiento</html>")
    assert nominatim.behind(Town()).find("Hidalgo 120") == Found()


def test_a_redis_that_is_down_means_no_cache_not_an_error(http, caplog):
    down = connect_redis("redis://127.0.0.1:1/0")  # the app's own client, to a port nothing listens on
    geocoder = OnlineGeocoder("nominatim", "", 2, "ventanilla-test", down)
    http.get(NOMINATIM, json=[HIDALGO])
    assert geocoder.behind(Town()).find("Hidalgo 120").placed is not None
    assert geocoder.behind(Town()).find("Hidalgo 120").placed is not None
    assert len(http.calls) == 2 and "geocoder cache unavailable" in caplog.text


def test_without_a_cache_every_lookup_asks(http):
    http.get(NOMINATIM, json=[HIDALGO])
    places = OnlineGeocoder("nominatim").behind(None)
    assert places.find("Hidalgo 120") == places.find("Hidalgo 120")
    assert len(http.calls) == 2


def test_a_city_with_no_places_still_finds_online_and_knows_no_pins(http, nominatim):
    http.get(NOMINATIM, json=[HIDALGO])
    places = nominatim.behind(None)
    assert places.find("Hidalgo 120").placed.method == "online"
    assert places.near(25.66, -100.40) is None
    assert places.inside(25.66, -100.40) is None
    assert places.municipality(25.66, -100.40) is None
    assert places.area(25.66, -100.40, "colonias") is None


def test_pins_are_read_from_the_citys_places(http, nominatim):
    places = nominatim.behind(Town(inside=True, municipality="San Pedro", colonia="Centro"))
    assert places.near(25.66, -100.40) == Near("Morelos", "Hidalgo", "Centro")
    assert places.inside(25.66, -100.40) is True
    assert places.municipality(25.66, -100.40) == "San Pedro"
    assert places.area(25.66, -100.40, "colonias") == "Centro"
    assert len(http.calls) == 0


def test_the_colonia_comes_from_the_citys_own_map(http, nominatim):
    http.get(NOMINATIM, json=[HIDALGO])
    place = nominatim.behind(Town(inside=True, colonia="Obispado")).find("Hidalgo 120").placed
    assert place.colonia == "Obispado"
    assert place.as_location()["colonia"] == "Obispado"


def test_another_towns_street_of_that_name_is_left_out(http, nominatim):
    http.get(NOMINATIM, json=[HIDALGO])
    assert nominatim.behind(Town(inside=False)).find("Hidalgo 120") == Found()
    neighbour = nominatim.behind(Town(inside=False, municipality="San Pedro Garza García"))
    assert neighbour.find("Hidalgo 120").placed is not None  # the engine then says where it is


def test_a_whole_town_is_not_an_address_and_precision_sets_the_confidence(http, nominatim):
    city = HIDALGO | {"display_name": "Monterrey, Nuevo León, México", "place_rank": 16}
    street = HIDALGO | {"display_name": "Calle Hidalgo, Centro, Monterrey", "place_rank": 26}
    http.get(NOMINATIM, json=[city, street])
    place = nominatim.behind(None).find("Hidalgo, Monterrey").placed
    assert (place.matched, place.confidence) == ("Calle Hidalgo, Centro, Monterrey", 0.4)
    http.replace("GET", NOMINATIM, json=[city])
    assert nominatim.behind(None).find("Monterrey").placed is None


def test_the_citys_box_bounds_the_search(http, cache):
    geocoder = OnlineGeocoder("nominatim", "", 2, "ventanilla-test", cache, bounds=(-100.5, 25.55, -100.2, 25.8))
    http.get(
        NOMINATIM,
        json=[HIDALGO],
        match=[
            matchers.query_param_matcher({"viewbox": "-100.5,25.55,-100.2,25.8", "bounded": "1"}, strict_match=False)
        ],
    )
    assert geocoder.behind(None).find("Hidalgo 120").placed is not None


def test_a_citys_own_server_under_a_path(http):
    http.get("http://geo.monterrey.gob.mx:8080/nominatim/search", json=[HIDALGO])
    geocoder = OnlineGeocoder("nominatim", "http://geo.monterrey.gob.mx:8080/nominatim/", 1.5, "ventanilla")
    assert geocoder.behind(None).find("Hidalgo 120").placed is not None


def photon_feature(kind: str, country: str = "MX") -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-100.40, 25.66]},
        "properties": {
            "name": "Calle Hidalgo" if kind == "street" else None,
            "street": "Calle Hidalgo",
            "housenumber": "120" if kind == "house" else None,
            "city": "Monterrey",
            "state": "Nuevo León",
            "country": "México",
            "countrycode": country,
            "type": kind,
        },
    }


def test_photon_is_asked_the_same_way(http, cache):
    geocoder = OnlineGeocoder("photon", "", 2, "ventanilla-test", cache)
    abroad = photon_feature("house", "US")
    http.get(PHOTON, json={"type": "FeatureCollection", "features": [abroad, photon_feature("street")]})
    place = geocoder.behind(Town()).find("Hidalgo 120").placed
    assert place is not None and place.method == "online" and place.confidence == 0.4
    assert (place.lat, place.lng) == (25.66, -100.40) and "Hidalgo" in place.matched
    assert geocoder.behind(Town()).find("Hidalgo 120").placed == place
    assert len(http.calls) == 1


def test_photon_and_nominatim_keep_their_answers_apart(http, nominatim, cache):
    http.get(NOMINATIM, json=[])
    http.get(PHOTON, json={"type": "FeatureCollection", "features": [photon_feature("house")]})
    assert nominatim.behind(None).find("Hidalgo 120") == Found()
    assert OnlineGeocoder("photon", cache=cache).behind(None).find("Hidalgo 120").placed is not None


@pytest.mark.parametrize("text", ["", "  ¿? ", "x" * 300])
def test_no_text_or_a_story_is_not_sent(http, nominatim, text):
    assert nominatim.behind(None).find(text) == Found()
    assert len(http.calls) == 0


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="nominatim or photon"):
        OnlineGeocoder("google")
