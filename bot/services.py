"""What the use cases need from the running app, bundled and passed in explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from redis import Redis
from rq import Queue
from sqlalchemy.engine import Engine

from bot.config import Config
from bot.flows.model import Flows
from bot.flows.places import Places
from bot.flowstore import FlowStore
from bot.placestore import PlaceStore

__all__ = ["Services", "services"]


@dataclass
class Services:
    """The database engine, the loaded flows and the queue of one process."""

    config: Config
    engine: Engine
    flow_store: FlowStore
    redis: Redis
    queue: Queue
    place_store: PlaceStore | None = None  # the city's streets and areas, as an in-memory index
    saved_versions: set[str] = field(default_factory=set)

    @property
    def flows(self) -> Flows:
        """The current flows (reloaded when the file changes)."""
        return self.flow_store.latest()

    def places(self) -> Places | None:
        """The city's places to read addresses with; None when it has loaded none."""
        return self.place_store.latest() if self.place_store is not None else None


def services() -> Services:
    """Return the services of the current Flask app (web requests and jobs)."""
    return current_app.extensions["ventanilla"]
