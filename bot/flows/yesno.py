"""Yes or no as residents write it: "sip", "ándale", "claro que no", "sí, pero rápido", "siii"."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from bot.flows.matching import normalize

__all__ = ["read_yes_no", "read_listed_yes_no", "squeeze"]

Words = Callable[[str], tuple[str, ...]]
_REPEATS = re.compile(r"(.)\1+")
_BUT = ("pero", "but", "aunque", "although")  # "sí, pero apúrense": the answer is before the "but"


def squeeze(norm: str) -> str:
    """Letters said twice or more said once: "siii" -> "si", "noooo" -> "no" (both sides are squeezed)."""
    return _REPEATS.sub(r"\1", norm)


def read_yes_no(text: str, words: Words) -> bool | None:
    """True for yes, False for no, None when it says neither, both, that the resident is unsure, or asks back."""
    norm = squeeze(normalize(text))
    if not norm or _asks_back(text):
        return None
    clause = _before_but(norm)
    if _phrases_in(clause, words("unsure")):
        return None  # "no sé" is not a no
    said_yes, said_no = _phrases_in(clause, words("yes")), _phrases_in(clause, words("no"))
    said_yes = [p for p in said_yes if not any(p != n and f" {p} " in f" {n} " for n in said_no)]
    said_no = [p for p in said_no if not any(p != y and f" {p} " in f" {y} " for y in said_yes)]
    if said_yes and not said_no:
        return True
    if said_no and not said_yes:
        return False
    return None


def read_listed_yes_no(answer: str, words: Words) -> bool | None:
    """A yes/no asked with its two answers listed (1. Sí  2. No): their number, or the words read_yes_no reads."""
    if normalize(answer) in ("1", "2"):
        return normalize(answer) == "1"
    return read_yes_no(answer, words)


def _asks_back(text: str) -> bool:
    """ "¿qué es eso?", "what is that?": a question is no answer, whatever yes word it holds ("eso")."""
    stripped = text.strip()
    return stripped.endswith("?") and len(stripped.split()) > 1


def _before_but(norm: str) -> str:
    tokens = norm.split()
    cut = next((i for i, t in enumerate(tokens) if t in _BUT), len(tokens))
    return " ".join(tokens[:cut]) if cut else norm


@lru_cache(maxsize=256)
def _longest_first(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({squeeze(normalize(p)) for p in phrases} - {""}, key=len, reverse=True))


def _phrases_in(norm: str, phrases: tuple[str, ...]) -> list[str]:
    """The phrases that stand in the text as whole words (longest first: "claro que no" before "claro")."""
    padded = f" {norm} "
    found = []
    for phrase in _longest_first(phrases):
        if f" {phrase} " in padded:
            found.append(phrase)
            padded = padded.replace(f" {phrase} ", "  ")
    return found
