"""The pure engine with the shipped flows, as a chat: no database, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.flows import (
    InboundMessage,
    State,
    advance,
    load_flows,
)

FLOWS = load_flows(Path(__file__).parent.parent.parent / "flows.yaml", environ={})


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class Chat:
    """Drive the engine like a resident: say something, get the replies' text."""

    def __init__(self, state: State | None = None):
        self.state, self.events = state or State(), []

    def say(self, text: str = "", **fields) -> str:
        turn = advance(
            FLOWS,
            self.state,
            InboundMessage("sms", "+528112345678", text=text, **fields),
            NOW,
            "2611-TEST01",
        )
        self.state = turn.state
        self.events.extend(turn.events)
        return "\n".join(r.text + "".join(f"\n{o}" for o in r.options) for r in turn.replies)
