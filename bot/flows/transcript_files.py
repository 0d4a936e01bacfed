"""Conversation transcripts: example chats written in YAML, replayed against the real engine.

A civic group writes what a resident says and what the bot should answer; `ventanilla flows test`
replays every transcript and reports FILE:LINE where the bot said something else. One file holds
a list of transcripts (or just one):

    - name: bache con ubicación escrita
      lang: es                       # optional: the language the resident already had
      privacy_notice: not_accepted   # optional: a resident who has not accepted the notice yet
      conversation:
        - resident: hola
          bot: Soy Ventanilla        # a piece of the bot's reply, or a list of pieces
        - resident: {location: [25.6581, -100.4025], label: Parque Clouthier}
        - resident: {photo: https://example.mx/bache.jpg}
        - resident: sí
          bot: folio
      ticket: {department: obras_publicas, category: bache}

A turn may also say `bot_not:` (pieces that must not appear), `silent: true` (no reply at all),
`events:` (the events of that turn, e.g. `[StatusRequested]` or `[{StatusRequested: {folio: X}}]`;
`[]` for none) and `after_minutes:` (time passing before the message). The outcome at the end is
`ticket:`, `survey:` (answers, by id or as shown), `handover:` or `no_outcome: true`.

The resident of a transcript has accepted the privacy notice of the flows (`privacy:`) unless the
transcript says `privacy_notice: not_accepted`: then the notice is asked before the first question
that collects personal data, as it is of a resident who writes for the first time.

This module reads and checks the files (every problem as FILE:LINE:COL); bot/flows/transcripts.py runs them.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from pathlib import Path

import yaml

from bot.flows.events import (
    DataAccessRequested,
    HandoverRequested,
    NoticeAnswered,
    OptedIn,
    OptedOut,
    PrivacyRequested,
    StatusRequested,
    SurveyCompleted,
    TicketOpened,
)
from bot.flows.loader import FlowError
from bot.flows.matching import normalize
from bot.flows.messages import InboundMessage, Location, Media, is_on_earth
from bot.flows.yamlerrors import explain
from bot.flows.yamlsource import Mapping, Position, Scalar, Sequence, _Loader

__all__ = [
    "FALSE_WORDS",
    "OUTCOMES",
    "TRUE_WORDS",
    "EventSpec",
    "Exchange",
    "OutcomeSpec",
    "Piece",
    "Transcript",
    "TranscriptsInvalidError",
    "find_transcripts",
    "load_transcripts",
    "load_transcripts_text",
]

SENDER = "+5218100000000"
DEFAULT_PHOTO = "https://example.mx/foto.jpg"
TRANSCRIPTS_DIR = "transcripts"

NOTICE_VALUES = ("accepted", "not_accepted")
TRANSCRIPT_KEYS = {
    "name",
    "lang",
    "privacy_notice",
    "channel",
    "profile_name",
    "conversation",
    "ticket",
    "survey",
    "handover",
    "no_outcome",
}
TURN_KEYS = {"resident", "bot", "bot_not", "silent", "events", "after_minutes"}
RESIDENT_KEYS = {"text", "location", "label", "address", "photo", "media", "content_type", "payload"}
EVENTS = {
    cls.__name__: cls
    for cls in (
        TicketOpened,
        SurveyCompleted,
        HandoverRequested,
        StatusRequested,
        OptedOut,
        OptedIn,
        NoticeAnswered,
        DataAccessRequested,
        PrivacyRequested,
    )
}
OUTCOMES = {"ticket": TicketOpened, "survey": SurveyCompleted, "handover": HandoverRequested}
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "y", "on", "si"}, {"false", "no", "n", "off"}


class TranscriptsInvalidError(Exception):
    """A transcript file is not readable as transcripts; str() lists PATH:LINE:COL: message lines."""

    def __init__(self, path: str, errors: list[FlowError]):
        self.path, self.errors = path, errors
        super().__init__("\n".join(e.format(path) for e in errors))


@dataclass(frozen=True)
class Piece:
    """A piece of text the bot must (or must not) say, and the line it was written on."""

    text: str
    line: int


@dataclass(frozen=True)
class EventSpec:
    """An event a turn must produce, with the fields it must have."""

    kind: type
    fields: dict


@dataclass(frozen=True)
class Exchange:
    """One resident message and what should come back."""

    line: int
    message: InboundMessage
    says: tuple[Piece, ...] = ()
    never_says: tuple[Piece, ...] = ()
    silent: bool = False
    silent_line: int = 0
    events: tuple[EventSpec, ...] | None = None  # None: not checked
    events_line: int = 0
    after: timedelta = timedelta(0)


@dataclass(frozen=True)
class OutcomeSpec:
    """What finishing the conversation must produce: a ticket, a survey, a handover, or nothing."""

    kind: str  # "ticket", "survey", "handover" or "none"
    fields: dict
    line: int


@dataclass(frozen=True)
class Transcript:
    """One example conversation."""

    name: str
    source: str
    line: int
    exchanges: tuple[Exchange, ...]
    outcomes: tuple[OutcomeSpec, ...] = ()
    lang: str | None = None
    notice_accepted: bool = True  # the resident accepted the flows' privacy notice before the transcript


class _TranscriptLoader(_Loader):
    """Positions as for flows.yaml, but `no`, `yes`, `1`, `2026-11-24` stay what was typed (strings)."""


def _as_written(loader: _TranscriptLoader, node: yaml.ScalarNode) -> Scalar:
    result = Scalar(node.value)
    result.pos = (node.start_mark.line + 1, node.start_mark.column + 1)
    return result


for _tag in ("bool", "int", "float", "timestamp"):
    _TranscriptLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _as_written)


def find_transcripts(flows_path: str | Path) -> list[Path]:
    """The transcript files next to a flows file: transcripts/*.yaml (and *.yml), sorted."""
    folder = Path(flows_path).parent / TRANSCRIPTS_DIR
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def load_transcripts(path: str | Path) -> list[Transcript]:
    """Read a transcript file; raise TranscriptsInvalidError listing every problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TranscriptsInvalidError(str(path), [FlowError((1, 1), f"cannot read file: {exc.strerror}")]) from None
    return load_transcripts_text(text, str(path))


def load_transcripts_text(text: str, source: str = "transcripts.yaml") -> list[Transcript]:
    """Read transcripts given as YAML text."""
    try:
        data = yaml.load(text, Loader=_TranscriptLoader)  # a SafeLoader subclass: no Python objects
    except yaml.YAMLError as exc:
        raise TranscriptsInvalidError(source, [FlowError(*explain(exc, text))]) from None
    reader = _Reader(source)
    items = [data] if isinstance(data, Mapping) else data if isinstance(data, Sequence) else None
    if items is None:
        reader.error(data, "a transcript file is a list of transcripts, each with a name and a conversation")
        items = []
    transcripts = [t for t in (reader.transcript(item, n) for n, item in enumerate(items, 1)) if t]
    if reader.errors:
        raise TranscriptsInvalidError(source, sorted(reader.errors, key=lambda e: (e.line, e.column)))
    return transcripts


def _pos(value, fallback: Position = (1, 1)) -> Position:
    return getattr(value, "pos", fallback)


class _Reader:
    """Turns positioned YAML into transcripts, collecting errors instead of stopping."""

    def __init__(self, source: str):
        self.source = source
        self.errors: list[FlowError] = []

    def error(self, where, message: str, fallback: Position = (1, 1)) -> None:
        self.errors.append(FlowError(where if isinstance(where, tuple) else _pos(where, fallback), message))

    def unknown_keys(self, section: Mapping, allowed: set, what: str) -> None:
        for key in section:
            if key not in allowed:
                self.error(
                    section.key_pos[key], f"unknown key '{key}' in {what} (allowed: {', '.join(sorted(allowed))})"
                )

    def transcript(self, raw, number: int) -> Transcript | None:
        if not isinstance(raw, Mapping):
            self.error(raw, f"transcript #{number} must be a mapping with a name and a conversation")
            return None
        name = str(raw.get("name") or f"#{number}")
        if not raw.get("name"):
            self.error(raw, f"transcript #{number} needs a name")
        self.unknown_keys(raw, TRANSCRIPT_KEYS, f"transcript '{name}'")
        turns = raw.get("conversation")
        if not isinstance(turns, Sequence) or not turns:
            self.error(
                raw.key_pos.get("conversation", raw.pos),
                f"transcript '{name}': 'conversation' must be a list of turns (- resident: ...)",
            )
            turns = []
        channel, profile = str(raw.get("channel") or "whatsapp"), str(raw.get("profile_name") or "")
        exchanges = tuple(e for e in (self.exchange(t, name, channel, profile) for t in turns) if e)
        lang = str(raw["lang"]) if raw.get("lang") else None
        notice = str(raw.get("privacy_notice") or "accepted")
        if notice not in NOTICE_VALUES:
            self.error(raw.get("privacy_notice"), f"transcript '{name}': privacy_notice is accepted or not_accepted")
        outcomes = self.outcomes(raw, name)
        return Transcript(name, self.source, raw.pos[0], exchanges, outcomes, lang, notice == "accepted")

    def outcomes(self, raw: Mapping, name: str) -> tuple[OutcomeSpec, ...]:
        found = []
        for key, kind in OUTCOMES.items():
            if key not in raw:
                continue
            spec = raw[key]
            if spec is None:
                spec = Mapping()
            if not isinstance(spec, Mapping):
                self.error(raw.key_pos[key], f"transcript '{name}': '{key}' must be a mapping of expected fields")
                continue
            if key != "survey":
                known = {f.name for f in fields(kind)}
                for field_name in spec:
                    if field_name not in known:
                        self.error(
                            spec.key_pos[field_name],
                            f"transcript '{name}': a {key} has no field '{field_name}' (fields: {', '.join(sorted(known))})",
                        )
            found.append(OutcomeSpec(key, dict(spec), raw.key_pos[key][0]))
        if "no_outcome" in raw:
            if _flag(raw["no_outcome"]):
                found.append(OutcomeSpec("none", {}, raw.key_pos["no_outcome"][0]))
            if len(found) > 1:
                self.error(
                    raw.key_pos["no_outcome"],
                    f"transcript '{name}': no_outcome contradicts the outcome it also expects",
                )
        return tuple(found)

    def exchange(self, raw, name: str, channel: str, profile: str) -> Exchange | None:
        if not isinstance(raw, Mapping) or "resident" not in raw:
            self.error(raw, f"transcript '{name}': each turn starts with 'resident:' (what the resident sends)")
            return None
        self.unknown_keys(raw, TURN_KEYS, f"a turn of transcript '{name}'")
        message = self.message(raw["resident"], raw.key_pos["resident"], name, channel, profile)
        if message is None:
            return None
        events = None
        if "events" in raw:
            events = self.events(raw["events"], raw.key_pos["events"], name)
        after = timedelta(0)
        if "after_minutes" in raw:
            try:
                after = timedelta(minutes=float(raw["after_minutes"]))
            except (TypeError, ValueError):
                self.error(raw.key_pos["after_minutes"], f"transcript '{name}': after_minutes must be a number")
        return Exchange(
            line=raw.pos[0],
            message=message,
            says=self.pieces(raw.get("bot"), raw.key_pos.get("bot"), name),
            never_says=self.pieces(raw.get("bot_not"), raw.key_pos.get("bot_not"), name),
            silent=_flag(raw.get("silent")),
            silent_line=raw.key_pos.get("silent", raw.pos)[0],
            events=events,
            events_line=raw.key_pos.get("events", raw.pos)[0],
            after=after,
        )

    def pieces(self, raw, key_pos: Position | None, name: str) -> tuple[Piece, ...]:
        if raw is None:
            return ()
        items = raw if isinstance(raw, Sequence) else [raw]
        pieces = []
        for item in items:
            if not isinstance(item, str):
                self.error(
                    _pos(item, key_pos or (1, 1)),
                    f"transcript '{name}': write what the bot says as text, or a list of texts",
                )
                continue
            pieces.append(Piece(str(item), _pos(item, key_pos or (1, 1))[0]))
        return tuple(pieces)

    def message(self, raw, pos: Position, name: str, channel: str, profile: str) -> InboundMessage | None:
        base = InboundMessage(channel=channel, sender=SENDER, recipient="ventanilla", profile_name=profile)
        if isinstance(raw, str):
            return replace(base, text=str(raw))
        if not isinstance(raw, Mapping):
            self.error(
                _pos(raw, pos),
                f"transcript '{name}': 'resident' is a text, or a mapping such as {{location: [lat, lng]}} or {{photo: URL}}",
            )
            return None
        self.unknown_keys(raw, RESIDENT_KEYS, f"what the resident sends in transcript '{name}'")
        location = self.location(raw, name) if "location" in raw else None
        media: tuple[Media, ...] = ()
        if "photo" in raw:
            media += self.media(raw["photo"], raw.key_pos["photo"], name, "image/jpeg")
        if "media" in raw:
            media += self.media(raw["media"], raw.key_pos["media"], name, str(raw.get("content_type") or ""))
        text, payload = str(raw.get("text") or ""), str(raw.get("payload") or "")
        return replace(base, text=text, payload=payload, location=location, media=media)

    def location(self, raw: Mapping, name: str) -> Location | None:
        spot, pos = raw["location"], raw.key_pos["location"]
        label = str(raw["label"]) if raw.get("label") else None
        address = str(raw["address"]) if raw.get("address") else None
        if isinstance(spot, Mapping):
            lat = spot.get("latitude", spot.get("lat"))
            lng = spot.get("longitude", spot.get("lng", spot.get("lon")))
            label = str(spot["label"]) if spot.get("label") else label
            address = str(spot["address"]) if spot.get("address") else address
            spot = [lat, lng]
        try:
            latitude, longitude = (float(v) for v in spot)
        except (TypeError, ValueError):
            self.error(
                _pos(spot, pos), f"transcript '{name}': a location is [latitude, longitude], like [25.6581, -100.4025]"
            )
            return None
        if not is_on_earth(latitude, longitude):
            self.error(_pos(spot, pos), f"transcript '{name}': latitude must be within ±90 and longitude within ±180")
        return Location(latitude, longitude, address, label)

    def media(self, raw, pos: Position, name: str, content_type: str) -> tuple[Media, ...]:
        if raw is None or (isinstance(raw, str) and normalize(raw) in TRUE_WORDS):
            return (Media(DEFAULT_PHOTO, content_type or "image/jpeg"),)
        items = raw if isinstance(raw, Sequence) else [raw]
        result = []
        for item in items:
            url = item.get("url") if isinstance(item, Mapping) else item
            kind = str(item.get("content_type") or content_type) if isinstance(item, Mapping) else content_type
            if not isinstance(url, str) or "://" not in url:
                self.error(
                    _pos(item, pos), f"transcript '{name}': a photo or media is a URL, like https://example.mx/foto.jpg"
                )
                continue
            result.append(Media(str(url), kind or mimetypes.guess_type(str(url))[0] or "application/octet-stream"))
        return tuple(result)

    def events(self, raw, pos: Position, name: str) -> tuple[EventSpec, ...]:
        items = raw if isinstance(raw, Sequence) else [] if raw is None else [raw]
        specs = []
        for item in items:
            if isinstance(item, Mapping) and len(item) == 1:
                ((event_name, wanted),) = item.items()
            else:
                event_name, wanted = item, None
            kind = _event_class(event_name)
            if kind is None:
                self.error(
                    _pos(item, pos), f"transcript '{name}': unknown event '{event_name}' (known: {', '.join(EVENTS)})"
                )
                continue
            if wanted is not None and not isinstance(wanted, Mapping):
                self.error(
                    _pos(item, pos), f"transcript '{name}': the fields of event {kind.__name__} must be a mapping"
                )
                continue
            if wanted is not None:
                self.unknown_fields(wanted, kind, name)
            specs.append(EventSpec(kind, dict(wanted or {})))
        return tuple(specs)

    def unknown_fields(self, wanted: Mapping, kind: type, name: str) -> None:
        known = {f.name for f in fields(kind)}
        for field_name in wanted:
            if field_name not in known:
                self.error(
                    wanted.key_pos[field_name],
                    f"transcript '{name}': event {kind.__name__} has no field '{field_name}'",
                )


def _event_class(name) -> type | None:
    wanted = str(name).replace("_", "").replace(" ", "").lower()
    return next((cls for key, cls in EVENTS.items() if key.lower() == wanted), None)


def _flag(value) -> bool:
    return value is True or (isinstance(value, str) and normalize(value) in TRUE_WORDS)
