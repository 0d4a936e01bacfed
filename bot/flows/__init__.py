"""The pure core: flow model, loader, matching, step kinds and the engine (no I/O but reading flows)."""

from .engine import advance
from .events import HandoverRequested, OptedIn, OptedOut, StatusRequested, SurveyCompleted, TicketOpened
from .loader import FlowError, FlowsInvalidError, load_flows, load_flows_text
from .messages import InboundMessage, Location, Media, OutboundMessage
from .model import Flows
from .state import State
from .turn import Turn

__all__ = [
    "advance", "State", "Turn", "Flows",
    "TicketOpened", "SurveyCompleted", "HandoverRequested", "StatusRequested", "OptedOut", "OptedIn",
    "FlowError", "FlowsInvalidError", "load_flows", "load_flows_text",
    "InboundMessage", "Location", "Media", "OutboundMessage",
]
