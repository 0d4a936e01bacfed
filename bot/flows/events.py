"""Events the engine records; the app applies each with one handler, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TicketOpened", "SurveyCompleted", "HandoverRequested", "StatusRequested", "OptedOut", "OptedIn"]


@dataclass(frozen=True)
class TicketOpened:
    """A flow finished with a ticket for a department."""

    folio: str
    flow: str
    department: str
    category: str
    priority: str
    summary: str
    lang: str
    answers: dict
    location: dict | None
    media: tuple[dict, ...]
    shown: dict  # each answer as the resident saw it (option labels, dates as dd/mm/yyyy)


@dataclass(frozen=True)
class SurveyCompleted:
    """A survey flow finished; its answers are a response to store."""

    flow: str
    lang: str
    answers: dict
    shown: dict  # each answer as the resident saw it (the park's name, not its id)


@dataclass(frozen=True)
class HandoverRequested:
    """The resident could not get through a flow: a person takes over (a ticket is opened)."""

    folio: str
    flow: str
    department: str
    lang: str
    summary: str
    answers: dict


@dataclass(frozen=True)
class StatusRequested:
    """The resident asked for the status of a folio; the app looks it up and answers."""

    folio: str
    lang: str


@dataclass(frozen=True)
class OptedOut:
    """The resident asked not to be written to any more (BAJA / STOP)."""


@dataclass(frozen=True)
class OptedIn:
    """The resident asked to be written to again."""
