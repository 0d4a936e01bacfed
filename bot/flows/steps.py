"""Step kinds: how each reads a resident's answer and shows it back. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from .matching import Candidate, best_match, normalize
from .messages import InboundMessage

__all__ = ["Invalid", "INVALID", "Vocabulary", "StepKind", "STEP_KINDS", "display"]


class Invalid:
    """The answer did not fit the step."""


INVALID = Invalid()
_STAR = "⭐"
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Vocabulary:
    """Words every step may need, in the resident's language (from flows.yaml)."""

    yes: tuple[str, ...]
    no: tuple[str, ...]
    skip: tuple[str, ...]


@dataclass(frozen=True)
class StepKind:
    """How a kind of step parses an answer."""

    parse: Callable[[Any, InboundMessage, Vocabulary, str], Any]


def _is_one_of(text: str, words: tuple[str, ...]) -> bool:
    norm = normalize(text)
    return bool(norm) and norm in {normalize(w) for w in words}


def parse_text(step, msg: InboundMessage, vocab: Vocabulary, lang: str):
    text = msg.text.strip()
    if step.optional and _is_one_of(text, vocab.skip):
        return None
    return text if 0 < len(text) <= step.max_length else INVALID


def parse_choice(step, msg: InboundMessage, vocab: Vocabulary, lang: str):
    candidates = [
        Candidate(o.id, n, tuple(o.label.by_lang.values()) + sum(o.words.values(), ()))
        for n, o in enumerate(step.options, 1)
    ]
    return best_match(msg.text, candidates, msg.payload) or INVALID


def parse_rating(step, msg: InboundMessage, vocab: Vocabulary, lang: str):
    low, high = step.scale
    stars = msg.text.count(_STAR)
    numbers = _DIGITS.findall(msg.text)
    value = stars if stars and not numbers else (int(numbers[0]) if len(numbers) == 1 else None)
    return value if value is not None and low <= value <= high else INVALID


def parse_location(step, msg: InboundMessage, vocab: Vocabulary, lang: str):
    if msg.location is not None:
        return msg.location.as_dict()
    text = msg.text.strip()
    if step.optional and _is_one_of(text, vocab.skip):
        return None
    return {"address": text} if len(normalize(text)) >= 3 else INVALID


def parse_photo(step, msg: InboundMessage, vocab: Vocabulary, lang: str):
    images = [{"url": m.url, "content_type": m.content_type} for m in msg.media if m.is_image()]
    if images:
        return images
    if step.optional and _is_one_of(msg.text, vocab.skip + vocab.no):
        return None
    return INVALID


def parse_confirm(step, msg: InboundMessage, vocab: Vocabulary, lang: str):
    answer = normalize(msg.payload or msg.text)
    said_yes = answer == "1" or _says(answer, vocab.yes)
    said_no = answer == "2" or _says(answer, vocab.no)
    if said_yes != said_no:
        return said_yes
    return INVALID


def _says(norm: str, words: tuple[str, ...]) -> bool:
    """Tell whether one of the words (or phrases) stands in the text: "si, claro" says yes."""
    padded = f" {norm} "
    return any(f" {normalize(w)} " in padded for w in words if normalize(w))


STEP_KINDS: dict[str, StepKind] = {
    "text": StepKind(parse_text),
    "choice": StepKind(parse_choice),
    "rating": StepKind(parse_rating),
    "location": StepKind(parse_location),
    "photo": StepKind(parse_photo),
    "confirm": StepKind(parse_confirm),
}


def display(step, value, lang: str, fallback: str) -> str:
    """Show an answer back to the resident (for templates such as a confirmation)."""
    if value is None:
        return "—"
    if step.kind == "choice":
        option = next((o for o in step.options if o.id == value), None)
        return option.label.get(lang, fallback) if option else str(value)
    if step.kind == "location":
        named = ", ".join(value[k] for k in ("label", "address") if value.get(k))
        return named or f"📍 {value.get('latitude'):.5f}, {value.get('longitude'):.5f}"
    if step.kind == "photo":
        return f"📷 ×{len(value)}"
    return str(value)
