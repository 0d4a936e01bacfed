"""The open data's publication as an RQ job, enqueued by the relay once per OPEN_DATA_EVERY_HOURS slot.

`publish_open_data` computes every figure and replaces the published files (bot.opendata.publish); it is safe
to run twice (a second run publishes the same figures, newer). With OPEN_DATA=0 it publishes nothing.
"""

from __future__ import annotations

from rq import Queue

from bot.db.tables import utcnow
from bot.jobs.periodic import schedule_once
from bot.opendata import publish
from bot.services import services

__all__ = ["publish_open_data", "schedule_open_data", "OPEN_DATA_TIMEOUT"]

OPEN_DATA_TIMEOUT = 1800  # a year of tickets and the surveys' tallies take seconds; the grid reads every open one


def publish_open_data(slot: int = 0) -> str:
    """Publish the open data now (the relay enqueues it once per slot)."""
    svc = services()
    if not svc.config.open_data:
        return "open data: off (OPEN_DATA=0)"
    publication = publish(svc.engine, svc.config, svc.flows, utcnow())
    return f"open data: {len(publication.files)} files published"


def schedule_open_data(queue: Queue, every_hours: float, now: float | None = None) -> bool:
    """Enqueue publish_open_data if no process did in this slot yet; tell whether this call did."""
    return schedule_once(queue, "opendata", publish_open_data, every_hours, OPEN_DATA_TIMEOUT, now)
