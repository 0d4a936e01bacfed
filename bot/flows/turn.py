"""What one turn of the engine produces, and the context it runs in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.flows.messages import CARRIES_ALL, OutboundMessage
from bot.flows.model import Flows
from bot.flows.places import Places
from bot.flows.state import State

__all__ = ["Turn", "Context"]


@dataclass(frozen=True)
class Turn:
    """The new state, the replies and the events of one inbound message."""

    state: State
    replies: tuple[OutboundMessage, ...]
    events: tuple = ()


@dataclass(frozen=True)
class Context:
    """What a turn is handed: the flows, the language, who, the folio to use, the time and the channel."""

    flows: Flows
    lang: str
    name: str
    folio: str
    now: datetime  # in the city's time zone: "hoy" is the city's today
    channel: str = ""
    carries: frozenset[str] = CARRIES_ALL  # what the resident's channel can carry
    places: Places | None = None  # the city's streets and areas (None: none loaded)
    notice: str | None = None  # the privacy notice version the resident accepted before this turn
    about: dict = field(default_factory=dict)  # what a flow the city started is about (State.about)
    text: str = ""  # what the resident wrote in this turn's message (a follow-up keeps their words)

    def say(self, key: str) -> OutboundMessage:
        """A global message from flows.yaml, in the resident's language."""
        return OutboundMessage(self.flows.message(key, self.lang))
