"""QR cards' messages: what a card writes for the resident, and knowing it again when it comes in.

A card for the option "Parque Clouthier" (id P001) of the park survey opens WhatsApp with
"Quiero evaluar el Parque Clouthier (P001)" written; the resident sends it, and the bot starts the
survey with that park chosen. The option is known by its code alone, so the message still works
when the resident edits it or WhatsApp changes its spacing ("p 001", "(P-001)", "Hola! quiero
calificar el parque P001"). The web chat's link carries only the code, as a payload (START_PAYLOAD).
Pure: text in, a Start out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.flows.matching import normalize
from bot.flows.model import Flow, Flows, Option, Step, render

__all__ = [
    "START_PAYLOAD",
    "SCANNED",
    "Start",
    "code_of",
    "squash",
    "message_for",
    "card_options",
    "find_start",
    "code_problem",
]

START_PAYLOAD = "start:"  # the web chat link's payload: start:<code>
SCANNED = 0.6  # inside another flow, a message must hold this share of the card's words (besides the code) to start
MAX_CODE_WORDS = 6  # a code written with spaces or dashes ("p 0 01") is joined again from at most this many words
_WORD = re.compile(r"[0-9a-z]+")


@dataclass(frozen=True)
class Start:
    """A message that starts a flow at an option: which flow, step and option, in which language, how card-like."""

    flow: str
    step: str
    option: str
    lang: str | None  # the language of the card's message it reads like best; None when none stands out
    likeness: float  # the share of that message's words (besides the code) the text holds, 0-1

    @property
    def scanned(self) -> bool:
        """Tell whether the text reads like the card's message: then it starts the flow even inside another one."""
        return self.likeness >= SCANNED


def squash(text: str) -> str:
    """A code as compared: lower case, letters and digits only ("(P-001)" and "p 001" are both "p001")."""
    return "".join(_WORD.findall(normalize(text)))


def code_of(flow: Flow, option: Option) -> str:
    """The option's code as printed: the flow's code prefix and the option's id."""
    assert flow.qr is not None
    return f"{flow.qr.code_prefix}{option.id}"


def card_options(flow: Flow) -> tuple[Option, ...]:
    """The options the flow's QR cards are for (none when it has no cards)."""
    step = _qr_step(flow)
    return step.options if step else ()


def message_for(flow: Flow, option: Option, lang: str, default_language: str) -> str:
    """What the option's card writes for the resident, in lang."""
    assert flow.qr is not None
    label = option.label.get(lang, default_language)
    return render(flow.qr.message.get(lang, default_language), {"option": label, "code": code_of(flow, option)})


def code_problem(code: str) -> str | None:
    """Why a code could be mistaken for something else a resident writes (None: it is fine)."""
    squashed = squash(code)
    if not (any(c.isdigit() for c in squashed) and any(c.isalpha() for c in squashed)):
        return "needs a letter and a digit, so no number or word a resident writes is taken for it"
    return None


def find_start(flows: Flows, text: str, payload: str = "") -> Start | None:
    """The flow and option a card's message (or the web chat link's payload) starts; None for any other message."""
    codes = flows.remember("qr_codes", lambda: _codes(flows))
    if not codes:
        return None
    if payload.startswith(START_PAYLOAD):
        found = codes.get(squash(payload.removeprefix(START_PAYLOAD)))
        return _start(flows, found, None, 1.0) if found else None
    words = _WORD.findall(normalize(text))
    longest = flows.remember("qr_longest_code", lambda: max(map(len, codes)))
    named = {codes[joined] for joined in _joined(words, longest) if joined in codes}
    if len(named) != 1:
        return None  # no code, or two different ones: not a card's message
    (found,) = named
    lang, likeness = _closest_language(flows, found, words)
    return _start(flows, found, lang, likeness)


def _qr_step(flow: Flow) -> Step | None:
    if flow.qr is None:
        return None
    step = flow.find_step(flow.qr.step)
    return step if step is not None and step.kind == "choice" else None


def _codes(flows: Flows) -> dict[str, tuple[str, str]]:
    """Every card's code, squashed, to its (flow, option); the loader refuses codes two cards share."""
    return {squash(code_of(f, o)): (f.id, o.id) for f in flows.flows.values() for o in card_options(f)}


def _joined(words: list[str], longest: int):
    """Each run of up to MAX_CODE_WORDS consecutive words no longer than the longest code, joined: "p", "001"
    gives "p001" among others."""
    for start in range(len(words)):
        joined = ""
        for word in words[start : start + MAX_CODE_WORDS]:
            joined += word
            if len(joined) > longest:
                break
            yield joined


def _closest_language(flows: Flows, found: tuple[str, str], words: list[str]) -> tuple[str | None, float]:
    """The language whose card message the words hold the largest share of (None on a tie), and that share."""
    flow = flows.flows[found[0]]
    option = next(o for o in card_options(flow) if o.id == found[1])
    code_words = set(_WORD.findall(normalize(code_of(flow, option))))
    said = set(words)
    shares = {}
    for lang in flows.languages:
        expected = set(_WORD.findall(normalize(message_for(flow, option, lang, flows.default_language)))) - code_words
        shares[lang] = len(expected & said) / len(expected) if expected else 1.0
    best = max(shares.values())
    winners = [lang for lang, share in shares.items() if share == best]
    return (winners[0] if len(winners) == 1 else None), best


def _start(flows: Flows, found: tuple[str, str], lang: str | None, likeness: float) -> Start:
    flow = flows.flows[found[0]]
    assert flow.qr is not None
    return Start(flow.id, flow.qr.step, found[1], lang, likeness)
