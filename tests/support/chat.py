"""The pure engine with the shipped flows, as a chat: no database, no HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.flows import (
    CARRIES_ALL,
    Flows,
    InboundMessage,
    State,
    advance,
    load_flows,
)
from bot.flows.places import Places

FLOWS = load_flows(Path(__file__).parent.parent.parent / "flows.yaml", environ={})


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class Chat:
    """Drive the engine like a resident: say something, get the replies' text.

    The resident has accepted the flows' privacy notice unless notice_accepted=False (tests/flows/test_privacy.py).
    """

    def __init__(
        self,
        state: State | None = None,
        channel: str = "whatsapp",
        carries: frozenset[str] = CARRIES_ALL,
        flows: Flows = FLOWS,
        places: Places | None = None,
        notice_accepted: bool = True,
    ):
        self.state, self.events = state or State(), []
        if notice_accepted and flows.privacy and self.state.notice is None:
            self.state = replace(self.state, notice=flows.privacy.version)
        self.channel, self.carries, self.flows, self.places = channel, carries, flows, places

    def say(self, text: str = "", **fields) -> str:
        turn = advance(
            self.flows,
            self.state,
            InboundMessage(self.channel, "+528112345678", text=text, carries=self.carries, **fields),
            NOW,
            "2611-TEST01",
            self.places,
        )
        self.state = turn.state
        self.events.extend(turn.events)
        return "\n".join(r.text + "".join(f"\n{o}" for o in r.options) for r in turn.replies)
