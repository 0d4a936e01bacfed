"""Running conversation transcripts against the real engine, and saying where the bot parted ways.

The format, and reading it, is bot/flows/transcript_files.py; its names are importable from here too.
Pieces of replies are found ignoring case, accents and punctuation. Every transcript runs at the
same moment, NOW, and every folio is FOLIO, so "ayer" is always 25/11/2026.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from bot.flows.engine import advance
from bot.flows.events import describe_event
from bot.flows.matching import normalize
from bot.flows.model import Flows
from bot.flows.state import State
from bot.flows.transcript_files import (
    FALSE_WORDS,
    OUTCOMES,
    TRUE_WORDS,
    EventSpec,
    Exchange,
    OutcomeSpec,
    Transcript,
    TranscriptsInvalidError,
    find_transcripts,
    load_transcripts,
    load_transcripts_text,
)

__all__ = [
    "FOLIO",
    "NOW",
    "Exchange",
    "Failure",
    "Report",
    "Transcript",
    "TranscriptsInvalidError",
    "find_transcripts",
    "load_transcripts",
    "load_transcripts_text",
    "reply_text",
    "run_files",
    "run_transcript",
]

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FOLIO = "2611-TEST00"


@dataclass(frozen=True)
class Failure:
    """Where a transcript and the bot parted ways."""

    transcript: str
    source: str
    line: int
    expected: str
    actual: str
    verb: str = "bot said"

    def format(self) -> str:
        """Render as FILE:LINE: transcript 'name': expected ..., bot said ..."""
        return f"{self.source}:{self.line}: transcript '{self.transcript}': expected {self.expected}, {self.verb} {self.actual}"


@dataclass
class Report:
    """The result of running transcript files."""

    transcripts: int = 0
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # problems of files that could not be read, PATH:LINE:COL lines
    broken_files: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    def summary(self) -> str:
        broken = (
            f", {self.broken_files} unreadable file{'s' if self.broken_files != 1 else ''}" if self.broken_files else ""
        )
        return f"{self.transcripts} transcripts, {self.failed} failed{broken}"


def reply_text(replies) -> str:
    """Everything the bot said in one turn, as one text."""
    return "\n".join(r.as_numbered_text() for r in replies)


def says(reply: str, piece: str) -> bool:
    """Tell whether a piece stands in the reply (ignoring case, accents and punctuation)."""
    wanted = normalize(piece)
    return piece in reply or (bool(wanted) and wanted in normalize(reply))


Carries = Callable[[str], frozenset[str]]  # what a channel carries: bot.channels.carries, handed in by the caller


def run_transcript(
    flows: Flows, transcript: Transcript, now: datetime = NOW, folio: str = FOLIO, carries: Carries | None = None
) -> list[Failure]:
    """Replay a transcript through the engine; return where it went differently (empty: it passed).

    carries, when given, says what the transcript's channel carries (an SMS transcript gets no photo step).
    """

    def failure(line: int, expected: str, actual: str, verb: str = "bot said") -> Failure:
        return Failure(transcript.name, transcript.source, line, expected, actual, verb)

    if transcript.lang and transcript.lang not in flows.languages:
        return [
            failure(
                transcript.line, f"a language of the flows ({', '.join(flows.languages)})", repr(transcript.lang), "got"
            )
        ]
    accepted = flows.privacy.version if flows.privacy and transcript.notice_accepted else None
    state = State(lang=transcript.lang, notice=accepted)
    seen: list[object] = []
    for exchange in transcript.exchanges:
        now += exchange.after
        try:
            message = exchange.message
            if carries is not None:
                message = replace(message, carries=carries(message.channel))
            turn = advance(flows, state, message, now, folio)
        except Exception as exc:  # an engine bug: report it here rather than stop every transcript
            return [failure(exchange.line, "a reply", f"an error: {type(exc).__name__}: {exc}", "got")]
        state = turn.state
        seen.extend(turn.events)
        problems = _check_exchange(exchange, reply_text(turn.replies), turn.events, failure)
        if problems:
            return problems
    return _check_outcomes(transcript, seen, failure)


def _check_exchange(exchange: Exchange, reply: str, events: tuple, failure) -> list[Failure]:
    shown = _quote(reply)
    problems = [failure(p.line, _quote(p.text), shown) for p in exchange.says if not says(reply, p.text)]
    problems += [failure(p.line, f"no {_quote(p.text)}", shown) for p in exchange.never_says if says(reply, p.text)]
    if exchange.silent and reply:
        problems.append(failure(exchange.silent_line, "no reply", shown))
    if exchange.events is not None and not _events_match(exchange.events, events):
        wanted = "[" + ", ".join(_describe_spec(s) for s in exchange.events) + "]"
        problems.append(
            failure(
                exchange.events_line, f"events {wanted}", f"events {_describe_events(events)} (bot said {shown})", "got"
            )
        )
    return problems


def _events_match(specs: tuple[EventSpec, ...], events: tuple) -> bool:
    return len(specs) == len(events) and all(
        isinstance(e, s.kind) and all(_matches(v, getattr(e, k, None)) for k, v in s.fields.items())
        for s, e in zip(specs, events)
    )


def _check_outcomes(transcript: Transcript, events: list, failure) -> list[Failure]:
    problems = []
    for spec in transcript.outcomes:
        if spec.kind == "none":
            produced = [e for e in events if isinstance(e, tuple(OUTCOMES.values()))]
            if produced:
                problems.append(failure(spec.line, "no ticket, survey or handover", _describe_events(produced), "got"))
            continue
        kind = OUTCOMES[spec.kind]
        produced = [e for e in events if isinstance(e, kind)]
        if not any(_outcome_matches(spec, e) for e in produced):
            wanted = ", ".join(f"{k} {_quote(_plain(v))}" for k, v in spec.fields.items())
            actual = (
                "; ".join(_describe_outcome(spec, e) for e in produced)
                or f"no {spec.kind} (events: {_describe_events(events)})"
            )
            problems.append(failure(spec.line, f"a {spec.kind}{' with ' + wanted if wanted else ''}", actual, "got"))
    return problems


def _outcome_matches(spec: OutcomeSpec, event) -> bool:
    if spec.kind == "survey":  # answers by id (P002) or as the resident saw them (Parque Rufino Tamayo)
        return all(_matches(v, event.answers.get(k)) or _matches(v, event.shown.get(k)) for k, v in spec.fields.items())
    return all(_matches(v, getattr(event, k, None)) for k, v in spec.fields.items())


def _matches(expected, actual) -> bool:
    """Whether an actual value has what the transcript expects (mappings: the keys written)."""
    if expected is None:
        return actual is None
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _matches(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(actual, (list, tuple)) and len(expected) == len(actual) and all(map(_matches, expected, actual))
        )
    if isinstance(actual, bool):
        return normalize(str(expected)) in (TRUE_WORDS if actual else FALSE_WORDS)
    if isinstance(actual, (int, float)):
        try:
            return float(expected) == float(actual)
        except (TypeError, ValueError):
            return False
    return actual is not None and str(expected) == str(actual)


def _plain(value):
    """Positioned YAML values as plain Python, for messages."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value if value is None else str(value)


def _quote(value) -> str:
    if value == "":
        return "nothing"
    return json.dumps(value if isinstance(value, str) else _plain(value), ensure_ascii=False)


def _describe_spec(spec: EventSpec) -> str:
    shown = ", ".join(f"{k}={_quote(_plain(v))}" for k, v in spec.fields.items())
    return f"{spec.kind.__name__}({shown})" if shown else spec.kind.__name__


def _describe_events(events) -> str:
    return "[" + "; ".join(describe_event(e) for e in events) + "]" if events else "none"


def _describe_outcome(spec: OutcomeSpec, event) -> str:
    if spec.kind == "survey":
        return f"a survey with {_quote(event.answers)}"
    wrong = {k: getattr(event, k, None) for k, v in spec.fields.items() if not _matches(v, getattr(event, k, None))}
    return f"a {spec.kind} with " + ", ".join(
        f"{k} {_quote(v) if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)}"
        for k, v in wrong.items()
    )


def run_files(flows: Flows, paths, now: datetime = NOW, carries: Carries | None = None) -> Report:
    """Run every transcript of every file; unreadable files are reported, not raised."""
    report = Report()
    for path in paths:
        try:
            transcripts = load_transcripts(path)
        except TranscriptsInvalidError as exc:
            report.errors.extend(e.format(exc.path) for e in exc.errors)
            report.broken_files += 1
            continue
        for transcript in transcripts:
            failures = run_transcript(flows, transcript, now, carries=carries)
            report.transcripts += 1
            report.failed += bool(failures)
            report.failures.extend(failures)
    return report
