"""What every delivery method is handed, and how it says it failed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Delivery", "DeliveryError"]


class DeliveryError(Exception):
    """The department did not accept the ticket (yet); the job tries again later."""


@dataclass
class Delivery:
    """One ticket on its way to a department."""

    target: dict  # the department's delivery settings from flows.yaml (secrets already filled in)
    ticket: dict  # the ticket as departments receive it (bot.jobs.ticket_jobs.ticket_payload)
    folio: str  # also the idempotency key
    options: dict = field(default_factory=dict)  # per-flow settings from the outcome (e.g. service_code)
    progress: dict = field(default_factory=dict)  # what earlier attempts of this delivery recorded
    note: Callable[[dict], None] = lambda _: None  # records progress durably before a risky step
    media_files: list = field(default_factory=list)  # (name, content_type, bytes) of the ticket's photos
