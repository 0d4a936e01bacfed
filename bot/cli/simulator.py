"""`ventanilla chat`: talk to the flows in a terminal, through the real engine, with no database
and no network. Lines typed (or piped in) are the resident's messages; the bot's replies are
printed with their options numbered, as an SMS shows them, and every event (a ticket opened, a
survey completed, a handover...) is printed where it happens. flows.yaml may be edited while
chatting: the next message uses the new version.

The resident writes from one channel (WhatsApp unless told), which carries what the real one does
(bot.channels.carries): on SMS there are no photos or pins to send, and the engine knows it.
"Hoy" and "ayer" are the city's days (CITY_TIMEZONE), as in the app; folios take UTC's month.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.channels import carries
from bot.config import Config, variable
from bot.flows import (
    Flows,
    HandoverRequested,
    InboundMessage,
    Location,
    Media,
    OptedIn,
    OptedOut,
    State,
    StatusRequested,
    SurveyCompleted,
    TicketOpened,
    advance,
)
from bot.flows.engine import begin
from bot.flows.events import describe_event as describe_event_in_words
from bot.flows.turn import Context, Turn
from bot.tickets.folio import new_folio

__all__ = ["DEFAULT_PHOTO_URL", "CHANNELS", "DEFAULT_CHANNEL", "Simulator", "chat", "city_zone"]

DEFAULT_PHOTO_URL = "https://example.mx/simulador/foto.jpg"
SENDER = "+5218100000000"
BOT = "🤖 "
INDENT = " " * 3
HELP = "Write as a resident would. Also: /location LAT,LNG [label words]  /photo [URL]  /state  /reset  /help  /quit"
ICONS = {
    TicketOpened: "🎫",
    SurveyCompleted: "📊",
    HandoverRequested: "🙋",
    StatusRequested: "🔎",
    OptedOut: "🔕",
    OptedIn: "🔔",
}
NOTES = {  # what the real app would do that a terminal cannot
    StatusRequested: " (the app would look it up and answer; no database here)",
    OptedOut: ": the bot stays silent until the resident opts back in (ALTA / START)",
}
# The channels a resident may write from, each carrying the most a provider gives it (Meta's WhatsApp: buttons too).
CHANNELS = ("sms", "whatsapp", "webchat")
DEFAULT_CHANNEL = "whatsapp"  # civic groups see the whole flow: photos, pins, buttons
_CARRIED = {"photo": "photos", "location": "location pins", "buttons": "buttons", "voice": "voice notes"}
_LOCATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*(.*)$")


class Simulator:
    """One resident's conversation with the engine: state kept between lines, output to a stream."""

    def __init__(
        self,
        flows: Flows | Callable[[], Flows],
        out: TextIO,
        lang: str | None = None,
        clock: Callable[[], datetime] | None = None,
        folio: Callable[[datetime], str] = new_folio,
        echo: bool = False,
        channel: str = DEFAULT_CHANNEL,
        zone: tzinfo | None = None,
    ):
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r} (channels: {', '.join(CHANNELS)})")
        self.latest = flows if callable(flows) else (lambda: flows)
        self.out, self.clock, self.folio, self.echo = out, clock or (lambda: datetime.now(UTC)), folio, echo
        self.flows = self.latest()
        self.lang = lang
        self.state = State(lang=lang)
        self.channel, self.carries = channel, carries(channel)
        self.zone = zone if zone is not None else city_zone()

    # Output ------------------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def show(self, turn: Turn) -> None:
        """Print the bot's replies (options numbered) and then the turn's events."""
        for reply in turn.replies:
            lines = reply.as_numbered_text().splitlines() or [""]
            self.say(BOT + lines[0])
            for line in lines[1:]:
                self.say(INDENT + line if line else "")
        for event in turn.events:
            self.say(describe_event(event, self.flows))

    # Input -------------------------------------------------------------------------------------

    def start(self, flow_id: str) -> None:
        """Begin directly in a flow, as if the resident had picked it from the menu."""
        now = self.clock()
        local = now.astimezone(self.zone)
        lang = self.state.lang or self.flows.default_language
        ctx = Context(self.flows, lang, "", self.folio(now), local, self.channel, self.carries)
        turn = begin(ctx, self.flows.flows[flow_id])
        self.state = replace(turn.state, updated_at=local.isoformat())
        self.show(turn)

    def send(self, **fields) -> None:
        """Send one message from the resident through the engine, at the city's time."""
        self._refresh()
        now = self.clock()
        message = InboundMessage(
            self.channel, SENDER, recipient="ventanilla", received_at=now, carries=self.carries, **fields
        )
        turn = advance(self.flows, self.state, message, now.astimezone(self.zone), self.folio(now))
        self.state = turn.state
        if not turn.replies and not turn.events:
            self.say("   (no reply)")
        self.show(turn)

    def handle(self, line: str) -> bool:
        """Act on one line typed by the resident; return False to stop."""
        line = line.rstrip("\r\n")
        if self.echo:
            self.say(f"> {line}")
        command, _, rest = line.strip().partition(" ")
        if not line.strip():
            return True  # no channel sends an empty message
        if not command.startswith("/") or command == "/":
            self.send(text=line)
        elif command in ("/quit", "/exit", "/q"):
            return False
        elif command == "/location":
            if self._can_carry("location"):
                self._location(rest)
        elif command == "/photo":
            if self._can_carry("photo"):
                self.send(media=(Media(rest.strip() or DEFAULT_PHOTO_URL, "image/jpeg"),))
        elif command == "/state":
            self.say(json.dumps(self.state.to_dict(), ensure_ascii=False, indent=2))
        elif command == "/reset":
            self.state = State(lang=self.lang)
            self.say("   (conversation reset)")
        elif command == "/help":
            self.say(HELP)
        else:
            self.say(f"unknown command {command}. {HELP}")
        return True

    def describe_channel(self) -> str:
        """The channel and what it carries besides text, in a line."""
        carried = [words for kind, words in _CARRIED.items() if kind in self.carries]
        return f"Channel: {self.channel}, " + (f"text, {', '.join(carried)}" if carried else "text only")

    def _can_carry(self, kind: str) -> bool:
        """Tell whether the channel carries kind; say so when it does not (a resident could not send it)."""
        if kind in self.carries:
            return True
        self.say(f"   ({self.channel} carries no {_CARRIED[kind]}: a resident could not send one)")
        return False

    def _location(self, rest: str) -> None:
        match = _LOCATION.match(rest)
        if not match:
            self.say("usage: /location LAT,LNG [label words], for example /location 25.6581,-100.4025 Parque Clouthier")
            return
        latitude, longitude, label = float(match.group(1)), float(match.group(2)), match.group(3).strip()
        self.send(location=Location(latitude, longitude, label=label or None))

    def _refresh(self) -> None:
        """Follow edits to flows.yaml between messages."""
        latest = self.latest()
        if latest.version != self.flows.version:
            self.say(f"   ↻ flows reloaded: version {latest.version}")
        self.flows = latest


def describe_event(event, flows: Flows | None = None) -> str:
    """One line saying what the app would do with an event."""
    names = {key: department.name for key, department in flows.departments.items()} if flows else {}
    return f"{ICONS.get(type(event), '•')} {describe_event_in_words(event, names)}{NOTES.get(type(event), '')}"


def chat(
    flows: Flows | Callable[[], Flows],
    lines: Iterable[str] | None,
    out: TextIO,
    flow: str | None = None,
    lang: str | None = None,
    interactive: bool = False,
    banner: str = "",
    channel: str = DEFAULT_CHANNEL,
    zone: tzinfo | None = None,
) -> None:
    """Run a chat: lines from an iterable (a pipe), or from input() when interactive.

    ValueError for an unknown channel, ConfigError when CITY_TIMEZONE names no zone.
    """
    simulator = Simulator(flows, out, lang, echo=not interactive, channel=channel, zone=zone)
    if banner:
        simulator.say(banner)
    simulator.say(simulator.describe_channel())
    simulator.say(HELP)
    if flow:
        simulator.start(flow)
    for line in _prompted() if interactive else lines or ():
        if not simulator.handle(line):
            break


def city_zone(environ: Mapping[str, str] | None = None) -> ZoneInfo:
    """The city's time zone as the app reads it (CITY_TIMEZONE, else its default); ConfigError when it names none."""
    environ = os.environ if environ is None else environ
    name = environ.get(variable("city_timezone"))
    return (Config().replace(city_timezone=name) if name else Config()).city_zone()


def _prompted():
    with contextlib.suppress(ImportError):  # not on every platform
        import readline  # noqa: F401 - line editing and history for input()
    while True:
        try:
            yield input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
