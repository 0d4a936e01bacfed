"""An online geocoder behind the city's own places: asked only when they find nothing, and never required.

`OnlineGeocoder(kind, url, timeout, user_agent, cache)` speaks to Nominatim or Photon through geopy
(over `requests`), restricted to Mexico and, when given, to the city's box. `behind(local)` is the
Places the engine is handed: a written address is read from the city's places first, and only what
they do not find is asked online. An answer is cached in Redis by the normalised text (30 days; a
miss 1 day), so a public server is asked once per address. A timeout, an HTTP error or a Redis that
is down is logged and means nothing found (or no cache): the resident is asked again or the address
is kept as typed, as without a geocoder.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, replace
from typing import cast
from urllib.parse import urlsplit

from geopy.adapters import RequestsAdapter
from geopy.geocoders import Nominatim, Photon
from geopy.location import Location
from redis import Redis, RedisError

from bot.flows.matching import normalize
from bot.flows.places import Found, Near, Place, Places

__all__ = ["OnlineGeocoder", "PUBLIC_URLS"]

log = logging.getLogger(__name__)

PUBLIC_URLS = {"nominatim": "https://nominatim.openstreetmap.org", "photon": "https://photon.komoot.io"}
FOUND_TTL = 30 * 24 * 3600  # seconds an answer is kept: streets seldom move
MISS_TTL = 24 * 3600  # and a miss, shorter: the provider's map may gain the street
CANDIDATES = 3  # answers asked for, the first precise enough is taken
LONGEST = 200  # characters: a longer text is a story, not an address, and is not sent
COUNTRY = "mx"
# How sure an online answer is, by how precise it is: below the city's own map (a street and number
# ~0.6), since a provider's map of a Mexican city is less complete than the city's. The provider's
# "importance" is how prominent a place is (a city more than a house), not how well it matched.
HOUSE, STREET, AREA = 0.5, 0.4, 0.3
PHOTON_TYPES = {"house": HOUSE, "street": STREET, "locality": AREA, "district": AREA, "other": AREA}
TOO_COARSE = {"city", "county", "state", "country"}  # a whole town's centre is not where a pothole is


class OnlineGeocoder:
    """A geocoder reachable over HTTP, with a timeout and a cache; `behind(local)` puts it after the city's places."""

    def __init__(
        self,
        kind: str,
        url: str = "",
        timeout: float = 2.0,
        user_agent: str = "ventanilla",
        cache: Redis | None = None,
        bounds: tuple[float, float, float, float] | None = None,
    ):
        if kind not in PUBLIC_URLS:
            raise ValueError(f"unknown geocoder {kind!r}: nominatim or photon")
        url = (url or PUBLIC_URLS[kind]).rstrip("/")
        parts = urlsplit(url)
        options = dict(
            domain=parts.netloc + parts.path,  # a server under a path: https://geo.city.gob.mx/nominatim
            scheme=parts.scheme or "https",
            timeout=timeout,
            user_agent=user_agent,
            adapter_factory=RequestsAdapter,
        )
        self.kind, self.cache, self.bounds = kind, cache, bounds
        self.geocoder = Nominatim(**options) if kind == "nominatim" else Photon(**options)
        # Another server or box answers differently: its answers are kept apart.
        self._prefix = "ventanilla:geocoder:%s:%s:" % (kind, hashlib.sha1(f"{url} {bounds}".encode()).hexdigest()[:8])

    def behind(self, local: Places | None) -> Places:
        """The city's places (None: none loaded), with this geocoder asked for what they do not find."""
        return OnlineBehind(local, self)

    def place(self, text: str) -> Place | None:
        """Where the provider puts a written address, from the cache when asked before; None: nowhere, or failed."""
        key = normalize(text)
        if not key or len(key) > LONGEST:
            return None
        known, place = self._cached(key)
        if known:
            return place
        try:
            place = self._ask(text)
        except Exception as exc:  # a timeout, an HTTP error, a body geopy cannot read: never the resident's problem
            # Its kind only: its text quotes the request's URL, which carries the resident's words (and maybe a key).
            log.warning(
                "online geocoder (%s) failed, the address is read without it: %s", self.kind, type(exc).__name__
            )
            return None
        self._keep(key, place)
        return place

    def _ask(self, text: str) -> Place | None:
        if isinstance(self.geocoder, Nominatim):
            box = _viewbox(self.bounds)
            answers = self.geocoder.geocode(
                text, exactly_one=False, limit=CANDIDATES, country_codes=COUNTRY, viewbox=box, bounded=box is not None
            )
        else:
            answers = self.geocoder.geocode(text, exactly_one=False, limit=CANDIDATES, bbox=_viewbox(self.bounds))
        for answer in answers or ():
            confidence = self._confidence(answer)
            if confidence is not None:
                matched = answer.address or text
                return Place(answer.latitude, answer.longitude, confidence, matched=matched, method="online")
        return None

    def _confidence(self, answer: Location) -> float | None:
        """How sure an answer is, by how precise it is; None: too coarse (a whole town) or outside Mexico."""
        raw = answer.raw if isinstance(answer.raw, dict) else {}
        if self.kind == "nominatim":
            rank = raw.get("place_rank")
            if rank is None:
                return HOUSE
            rank = int(rank)  # 30 a house or a building, 26 a street, 16 a city, 8 a state
            return HOUSE if rank >= 28 else STREET if rank >= 26 else AREA if rank > 16 else None
        properties = raw.get("properties") or {}
        if str(properties.get("countrycode", COUNTRY)).lower() != COUNTRY:
            return None
        kind = str(properties.get("type", ""))
        return None if kind in TOO_COARSE else PHOTON_TYPES.get(kind, HOUSE)

    def _cached(self, key: str) -> tuple[bool, Place | None]:
        """(True, the place or None for a known miss) when asked before; (False, None) when not, or Redis is down."""
        if self.cache is None:
            return False, None
        try:
            value = cast("bytes | None", self.cache.get(self._prefix + key))  # a sync client
        except RedisError as exc:
            log.warning("geocoder cache unavailable: %r", exc)
            return False, None
        if value is None:
            return False, None
        try:
            return True, Place(**json.loads(value)) if value else None
        except (ValueError, TypeError):  # written by another version: ask again
            return False, None

    def _keep(self, key: str, place: Place | None) -> None:
        if self.cache is None:
            return
        value, ttl = (json.dumps(asdict(place)), FOUND_TTL) if place else ("", MISS_TTL)
        try:
            self.cache.set(self._prefix + key, value, ex=ttl)
        except RedisError as exc:
            log.warning("geocoder cache unavailable: %r", exc)


def _viewbox(bounds: tuple[float, float, float, float] | None) -> list[tuple[float, float]] | None:
    """west,south,east,north as geopy's two (latitude, longitude) corners."""
    if bounds is None:
        return None
    west, south, east, north = bounds
    return [(south, west), (north, east)]


class OnlineBehind:
    """The city's places, and the online geocoder for the written addresses they do not find."""

    def __init__(self, local: Places | None, online: OnlineGeocoder):
        self.local, self.online = local, online

    def find(self, text: str) -> Found:
        found = self.local.find(text) if self.local is not None else Found()
        if found.places:
            return found
        place = self.online.place(text)
        if place is None:
            return found
        if self.local is not None:
            lat, lng = place.lat, place.lng
            if self.local.inside(lat, lng) is False and self.local.municipality(lat, lng) is None:
                # Another town's street of that name, not the city's nor a neighbour's: nothing found.
                log.info("online geocoder answered a place outside the city and its neighbours; left out")
                return found
            colonia = self.local.area(lat, lng, "colonias")
            place = replace(place, colonia=colonia) if colonia else place
        return Found(places=(place,), reference=found.reference)

    def near(self, lat: float, lng: float) -> Near | None:
        return self.local.near(lat, lng) if self.local is not None else None

    def inside(self, lat: float, lng: float) -> bool | None:
        return self.local.inside(lat, lng) if self.local is not None else None

    def municipality(self, lat: float, lng: float) -> str | None:
        return self.local.municipality(lat, lng) if self.local is not None else None

    def area(self, lat: float, lng: float, layer: str) -> str | None:
        return self.local.area(lat, lng, layer) if self.local is not None else None
