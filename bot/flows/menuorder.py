"""Transcripts that answer the menu by number, broken by a change of the menu's order (warnings for `flows check`).

Adding a flow in the middle of `menu: flows:` renumbers every flow after it: a transcript in which the
resident answers the menu with "4" now opens another flow, and fails somewhere further on with a message
about that other flow's questions. The transcripts themselves are the record of what the numbers meant
when they were written, so no snapshot of the old menu is kept: a transcript that fails is replayed
with each menu answer given another number, and when one makes it pass (or get further), the menu
moved under it and the warning says which flow the number opens now, and which number it needs.

QR cards and their links do not depend on the menu: they carry an option's code (the flow's
`code_prefix` and the option's id), which the bot knows again whatever the menu's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from bot.flows.engine import advance
from bot.flows.matching import MAX_NUMBER_ANSWER_WORDS, normalize
from bot.flows.model import Flows
from bot.flows.overlaps import FlowWarning
from bot.flows.state import State
from bot.flows.transcript_files import TranscriptsInvalidError, load_transcripts
from bot.flows.transcripts import NOW, Carries, Failure, Transcript, run_transcript

__all__ = ["renumbered_menu_answers"]


@dataclass(frozen=True)
class _MenuAnswer:
    """A resident's turn that answered the menu with a number: which turn, the number, the flow it opened."""

    index: int
    number: int
    opened: str


def renumbered_menu_answers(flows: Flows, paths: list[Path], carries: Carries | None = None) -> list[FlowWarning]:
    """A warning at each menu answer, by number, of a failing transcript that another number would mend."""
    warnings: list[FlowWarning] = []
    for path in paths:
        try:
            transcripts = load_transcripts(path)
        except TranscriptsInvalidError:
            continue  # `flows test` reports it
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        for transcript in transcripts:
            if any(_menu_number(e.message.text, len(flows.menu.flows)) for e in transcript.exchanges):
                warnings += _mended(flows, transcript, carries, lines)
    return warnings


def _menu_number(text: str, options: int) -> int | None:
    """The number a short answer holds, as the menu reads one ("4", "la 4", "opción 4"), if the menu has it."""
    tokens = normalize(text).split()
    numbers = [t for t in tokens if t.isdigit()]
    if len(numbers) != 1 or len(tokens) > MAX_NUMBER_ANSWER_WORDS:
        return None
    return int(numbers[0]) if 1 <= int(numbers[0]) <= options else None


def _mended(flows: Flows, transcript: Transcript, carries: Carries | None, lines: list[str]) -> list[FlowWarning]:
    failures = run_transcript(flows, transcript, carries=carries)
    if not failures:
        return []
    found = []
    for answer in _menu_answers(flows, transcript, carries):
        if transcript.exchanges[answer.index].line > _first(failures):
            break  # the transcript failed before the menu was answered: not the menu's doing
        for number in range(1, len(flows.menu.flows) + 1):
            if number == answer.number:
                continue
            tried = _answered(transcript, answer, number)
            tried_failures = run_transcript(flows, tried, carries=carries)
            if not tried_failures or _first(tried_failures) > _first(failures):
                found.append(_warning(flows, transcript, answer, number, lines))
                transcript, failures = tried, tried_failures
                break
        if not failures:
            break
    return found


def _first(failures: list[Failure]) -> float:
    return min((f.line for f in failures), default=float("inf"))


def _menu_answers(flows: Flows, transcript: Transcript, carries: Carries | None) -> list[_MenuAnswer]:
    """The turns, replayed as `flows test` does, where the menu was answered by a number and opened a flow."""
    accepted = flows.privacy.version if flows.privacy and transcript.notice_accepted else None
    state, now, found = State(lang=transcript.lang, notice=accepted), NOW, []
    for index, exchange in enumerate(transcript.exchanges):
        now += exchange.after
        message = exchange.message
        if carries is not None:
            message = replace(message, carries=carries(message.channel))
        try:
            turn = advance(flows, state, message, now, "FOLIO")
        except Exception:
            break
        number = _menu_number(message.text, len(flows.menu.flows))
        opened = turn.state.flow
        if state.flow is None and number and opened == flows.menu.flows[number - 1]:
            found.append(_MenuAnswer(index, number, opened))
        state = turn.state
    return found


def _answered(transcript: Transcript, answer: _MenuAnswer, number: int) -> Transcript:
    """The transcript with that menu answer's number changed."""
    exchanges = list(transcript.exchanges)
    exchange = exchanges[answer.index]
    text = re.sub(rf"(?<!\d){answer.number}(?!\d)", str(number), exchange.message.text, count=1)
    exchanges[answer.index] = replace(exchange, message=replace(exchange.message, text=text))
    return replace(transcript, exchanges=tuple(exchanges))


def _warning(flows: Flows, transcript: Transcript, answer: _MenuAnswer, number: int, lines: list[str]) -> FlowWarning:
    exchange = transcript.exchanges[answer.index]
    written = lines[exchange.line - 1] if exchange.line <= len(lines) else ""
    column = len(written) - len(written.lstrip()) + 1
    meant = flows.menu.flows[number - 1]
    message = (
        f"transcript '{transcript.name}' answers the menu with {answer.number}, which now opens flow"
        f" '{answer.opened}'; it was written for flow '{meant}', now number {number}: the menu's order changed"
        " (add new flows at the end of `menu: flows:`, or change the transcript's answer)"
    )
    return FlowWarning(transcript.source, exchange.line, column, message)
