"""What the use cases need from the running app, bundled and passed in explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from redis import Redis
from rq import Queue
from sqlalchemy.engine import Engine

from .config import Config
from .flows.model import Flows

__all__ = ["Services", "services"]


@dataclass
class Services:
    """The database engine, the loaded flows and the queue of one process."""

    config: Config
    engine: Engine
    flows: Flows
    redis: Redis
    queue: Queue


def services() -> Services:
    """Return the services of the current Flask app (web requests and jobs)."""
    return current_app.extensions["ventanilla"]
