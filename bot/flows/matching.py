"""Forgiving matching of what residents type: case, accents, extra words, typos."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

__all__ = ["normalize", "tokens", "Candidate", "best_match", "TAKE_SCORE"]

TAKE_SCORE = 78  # a typo like "vache" for "bache" scores 80; unrelated words stay under 60
MIN_FUZZY_LENGTH = 4  # short words ("no", "si", "el") must match exactly
_NON_WORD = re.compile(r"[^\w\s]+")


def normalize(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", bare).split())


def tokens(text: str) -> list[str]:
    """Split normalised text into words."""
    return normalize(text).split()


@dataclass(frozen=True)
class Candidate:
    """Something the resident may mean: a key, its number in a list, and its words."""

    key: str
    number: int | None
    words: tuple[str, ...]


def best_match(text: str, candidates: list[Candidate], payload: str = "") -> str | None:
    """Return the key of the one candidate the text clearly means, or None."""
    if payload:
        for cand in candidates:
            if payload == cand.key:
                return cand.key
    norm = normalize(text)
    if not norm:
        return None
    by_number = _match_number(norm, candidates)
    if by_number:
        return by_number
    scored = sorted(((_score(norm, c.words), c.key) for c in candidates), reverse=True)
    if not scored or scored[0][0] < TAKE_SCORE:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None  # ambiguous: never guess between equals
    return scored[0][1]


def _match_number(norm: str, candidates: list[Candidate]) -> str | None:
    """Accept "2", "opcion 2", "la 2 porfa": the only number in the text."""
    numbers = [t for t in norm.split() if t.isdigit()]
    if len(numbers) != 1:
        return None
    wanted = int(numbers[0])
    return next((c.key for c in candidates if c.number == wanted), None)


def _score(norm: str, words: tuple[str, ...]) -> float:
    """Score how well the text names one of the words (0-100)."""
    padded = f" {norm} "
    text_tokens = norm.split()
    best = 0.0
    for word in words:
        target = normalize(word)
        if not target:
            continue
        if f" {target} " in padded:
            return 100.0
        best = max(best, _fuzzy(target, text_tokens))
    return best


def _fuzzy(target: str, text_tokens: list[str]) -> float:
    """Compare a word (or phrase) with the same number of consecutive words of the text."""
    size = len(target.split())
    if len(target) < MIN_FUZZY_LENGTH:
        return 0.0
    windows = (" ".join(text_tokens[i : i + size]) for i in range(max(1, len(text_tokens) - size + 1)))
    return max((fuzz.ratio(target, w) for w in windows), default=0.0)
