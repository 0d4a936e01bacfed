"""The pure core: flow model, loader, matching, step kinds and the engine (no I/O)."""

from .engine import State, SurveyCompleted, TicketOpened, Turn, advance
from .loader import FlowError, FlowsInvalidError, load_flows, load_flows_text
from .messages import InboundMessage, Location, Media, OutboundMessage
from .model import Flows

__all__ = [
    "State", "SurveyCompleted", "TicketOpened", "Turn", "advance",
    "FlowError", "FlowsInvalidError", "load_flows", "load_flows_text",
    "InboundMessage", "Location", "Media", "OutboundMessage", "Flows",
]
