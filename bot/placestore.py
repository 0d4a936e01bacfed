"""The city's places a process uses: an in-memory index, rebuilt when an import changes the database.

Checked at most every CHECK_EVERY_SECONDS (one small query), so a message costs no statement for it;
a city that has loaded no places gets None, and addresses are kept as typed, as before.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.engine import Engine

from bot.flows.places import Places
from bot.places.store import load_features, places_version

__all__ = ["PlaceStore"]

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 30.0


class PlaceStore:
    """The index of the places in the database, by version."""

    def __init__(self, engine: Engine, check_every: float = CHECK_EVERY_SECONDS, online=None):
        self.engine, self.check_every, self.online = engine, check_every, online
        self.version: str | None = None
        self.index: Places | None = None
        self._checked: float | None = None

    def latest(self) -> Places | None:
        """The places to read addresses with (None: the city has loaded none); rebuilt after an import."""
        now = time.monotonic()
        if self._checked is None or now - self._checked >= self.check_every:
            self._checked = now
            self.refresh()
        return self.index

    def refresh(self) -> bool:
        """Rebuild the index if the places in the database changed; tell whether it did."""
        version = places_version(self.engine)
        if version == self.version:
            return False
        from bot.places.index import PlaceIndex  # shapely loads only in processes of a city with places

        streets, areas = load_features(self.engine)
        started = time.monotonic()
        local = PlaceIndex(streets, areas) if (streets or areas) else None
        self.index = self.online.behind(local) if self.online is not None else local
        self.version = version
        log.info(
            "places %s: %d streets, %d areas, indexed in %.2f s",
            version,
            len(streets),
            len(areas),
            time.monotonic() - started,
        )
        return True
