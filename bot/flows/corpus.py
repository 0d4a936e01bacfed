"""The understanding corpus: residents' real answers, each with the value the bot must store.

Each case is put to the engine as a resident's message would be (read by the step it answers,
as `advance` reads it, or, for an opener, the flow it opens and what it prefills) and sorted into understood
on the first try, missed (asked again, or asked something it need not ask), or taken as a
wrong value. corpus/README.md describes the files; bench/understanding.py prints the figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.flows.engine import NOT_AN_ANSWER, advance, detect_language, opening, read_answer
from bot.flows.events import NoticeAnswered
from bot.flows.loader import load_flows_text
from bot.flows.messages import CARRIES_ALL, InboundMessage
from bot.flows.model import Flows
from bot.flows.state import State
from bot.flows.steps import INVALID, Ask, Hold, Noted

__all__ = ["NOW", "Case", "Result", "Tally", "load_corpus_flows", "load_cases", "run_case", "tally"]

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo("America/Monterrey"))  # a Thursday, as corpus/README.md says
SENDER = "+528112345678"
FOLIO = "2611-CORPUS"
_NOTHING = object()


@dataclass(frozen=True)
class Case:
    """One answer and what it must produce."""

    kind: str  # the file's name: yes_no, date, ..., openers
    text: str
    flow: str
    step: str
    lang: str
    channel: str
    value: object = _NOTHING  # what the step must store (None: skipped)
    ask: tuple[str, ...] = ()  # really ambiguous: the readings the bot must ask about
    invalid: bool = False  # not an answer: the bot must ask again
    answers: dict | None = None  # an opener: every step it answers
    line: int = 0


@dataclass(frozen=True)
class Result:
    case: Case
    verdict: str  # understood | missed | wrong
    got: object


@dataclass
class Tally:
    """Results by kind and language."""

    results: list[Result] = field(default_factory=list)

    def share(self, kind: str | None = None, verdict: str = "understood") -> tuple[int, int]:
        chosen = [r for r in self.results if kind is None or r.case.kind == kind]
        return sum(r.verdict == verdict for r in chosen), len(chosen)

    def kinds(self) -> list[str]:
        return sorted({r.case.kind for r in self.results})


def load_corpus_flows(flows_path: Path, corpus_dir: Path) -> Flows:
    """The shipped flows with the corpus's extra flows (corpus/flows.yaml) added."""
    data = yaml.safe_load(flows_path.read_text(encoding="utf-8"))
    extra = corpus_dir / "flows.yaml"
    if extra.exists():
        added = yaml.safe_load(extra.read_text(encoding="utf-8"))["flows"]
        data["flows"].update(added)
        data["menu"]["flows"] += list(added)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return load_flows_text(text, str(flows_path), base_dir=flows_path.parent)


def load_cases(corpus_dir: Path) -> list[Case]:
    """Every case of every corpus file but flows.yaml, in file order."""
    cases: list[Case] = []
    for path in sorted(corpus_dir.glob("*.yaml")):
        if path.name == "flows.yaml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        lines = [
            n
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if line.lstrip().startswith("- ")
        ]
        for index, raw in enumerate(data["cases"]):
            cases.append(_case(path.stem, data, raw, lines[index] if index < len(lines) else 0))
    return cases


def _case(kind: str, defaults: dict, raw: dict, line: int) -> Case:
    flow, step = defaults.get("flow", ""), defaults.get("step", "")
    if "step" in raw:
        flow, _, step = str(raw["step"]).rpartition(".")
        flow = flow or defaults.get("flow", "")
    if "answers" in raw or kind == "openers":
        flow = raw.get("flow", flow)
    return Case(
        kind=kind,
        text=str(raw.get("text", "")),
        flow=flow,
        step=step,
        lang=raw.get("lang", defaults.get("lang", "es")),
        channel=raw.get("channel", defaults.get("channel", "whatsapp")),
        value=raw.get("value", _NOTHING),
        ask=tuple(str(a) for a in raw.get("ask", ())),
        invalid=raw.get("invalid") is True,
        answers=raw.get("answers", {}) if kind == "openers" else None,
        line=line,
    )


def run_case(flows: Flows, case: Case, carries: Callable[[str], frozenset[str]] = lambda c: CARRIES_ALL) -> Result:
    """Put the case to the engine and judge what it did."""
    if case.answers is not None:
        return _opener(flows, case)
    msg = InboundMessage(case.channel, SENDER, text=case.text, carries=carries(case.channel))
    if case.kind == "notice":
        return _notice(flows, case, msg)
    state = State(flow=case.flow, step=case.step, lang=case.lang, version=flows.version)
    reading = read_answer(flows, state, msg, NOW)
    got = reading.value if isinstance(reading, Noted) else reading
    taken = reading not in (NOT_AN_ANSWER, INVALID) and not isinstance(reading, Ask | Hold)
    asked = reading.suggestions if isinstance(reading, Ask) else ()
    if case.ask:
        if taken:
            return Result(case, "wrong", got)
        return Result(case, "understood" if set(case.ask) <= set(asked) else "missed", asked)
    if case.invalid:
        return Result(case, "wrong" if taken else "understood", got)
    if not taken:
        return Result(case, "missed", got)
    return Result(case, "understood" if got == case.value else "wrong", got)


def _notice(flows: Flows, case: Case, msg: InboundMessage) -> Result:
    """An answer to the privacy notice, asked before the case's step: accepted (True), declined (False) or neither."""
    state = State(flow=case.flow, step=case.step, lang=case.lang, version=flows.version, awaiting="notice")
    answered = [e.accepted for e in advance(flows, state, msg, NOW, FOLIO).events if isinstance(e, NoticeAnswered)]
    if case.invalid:
        return Result(case, "wrong" if answered else "understood", answered)
    if not answered:
        return Result(case, "missed", INVALID)
    return Result(case, "understood" if answered[0] == case.value else "wrong", answered[0])


def _opener(flows: Flows, case: Case) -> Result:
    lang = detect_language(flows, case.text, None)
    flow, answers = opening(flows, case.text, case.lang, NOW)
    got = {"flow": flow, "lang": lang, "answers": answers}
    if flow is not None and flow != case.flow:
        return Result(case, "wrong", got)  # the resident is taken into another flow
    if flow is None or lang != case.lang:
        return Result(case, "missed", got)
    expected = case.answers or {}
    if any(key in expected and expected[key] != value for key, value in answers.items()):
        return Result(case, "wrong", got)
    if any(key not in expected for key in answers):
        return Result(case, "wrong", got)
    return Result(case, "understood" if answers == expected else "missed", got)


def tally(flows: Flows, cases: list[Case], carries: Callable[[str], frozenset[str]] = lambda c: CARRIES_ALL) -> Tally:
    return Tally([run_case(flows, case, carries) for case in cases])
