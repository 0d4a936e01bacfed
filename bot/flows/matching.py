"""Forgiving matching of what residents type: case, accents, extra words, typos, numbers.

A score decides: at TAKE_SCORE or more the answer is taken; between SUGGEST_SCORE
and TAKE_SCORE the resident is asked "did you mean …?"; near-equal best scores
are never guessed between, the resident is asked which one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

__all__ = ["normalize", "Candidate", "Match", "ChoiceIndex", "TAKE_SCORE", "SUGGEST_SCORE"]

TAKE_SCORE = 78  # "vache" for "bache" scores 80, "basurra" for "basura" 92
SUGGEST_SCORE = 62
TIE_MARGIN = 3  # scores this close are equals: ask, never guess
MIN_FUZZY_LENGTH = 5  # shorter words ("hola" is one letter from "hole") must match exactly
MAX_SUGGESTIONS = 3
MAX_NUMBER_ANSWER_WORDS = 4
EXACT_SCORE = 101.0
PART_WEIGHT = 0.95  # "clouthier" for "Parque Clouthier": a good, not a perfect match
@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Lower-case, strip accents and punctuation, keep emoji as words, collapse spaces (cached)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(_keep(c) for c in decomposed).split())


def _keep(char: str) -> str:
    if char.isalnum() or char.isspace():
        return char
    if unicodedata.combining(char) or unicodedata.category(char) in ("Cf", "Sk"):
        return ""  # accents, emoji joiners and skin tones
    if unicodedata.category(char).startswith("S"):
        return f" {char} "  # 👍 and ⭐ are answers of their own
    return " "  # punctuation separates words


@dataclass(frozen=True)
class Candidate:
    """Something the resident may mean: a key, its number in a list, and its words."""

    key: str
    number: int | None
    words: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """What the text means: a key taken outright, or keys to ask about."""

    key: str | None = None
    suggestions: tuple[str, ...] = ()


class ChoiceIndex:
    """Candidates with their words normalised once, ready to match many texts fast."""

    def __init__(self, candidates: list[Candidate]):
        self.keys = [c.key for c in candidates]
        self.by_number = {c.number: c.key for c in candidates if c.number is not None}
        self.payloads = {c.key for c in candidates}
        self.words: list[str] = []
        self.owners: list[int] = []
        for index, candidate in enumerate(candidates):
            for word in {normalize(w) for w in candidate.words} - {""}:
                self.words.append(word)
                self.owners.append(index)

    def match(self, text: str, payload: str = "") -> Match:
        """Return the candidate the text clearly means, or the ones worth asking about."""
        if payload in self.payloads:
            return Match(payload)
        norm = normalize(text)
        if not norm:
            return Match()
        by_number = self._by_number(norm)
        if by_number:
            return Match(by_number)
        ranked = self._ranked(norm)
        if not ranked or ranked[0][0] < SUGGEST_SCORE:
            return Match()
        best = ranked[0][0]
        close = tuple(key for score, key in ranked[:MAX_SUGGESTIONS] if score >= best - TIE_MARGIN)
        if best >= TAKE_SCORE and len(close) == 1:
            return Match(close[0])
        return Match(suggestions=close)

    def _by_number(self, norm: str) -> str | None:
        """Accept "2", "opcion 2", "la 2 porfa": the only number in a short answer."""
        tokens = norm.split()
        numbers = [t for t in tokens if t.isdigit()]
        if len(numbers) != 1 or len(tokens) > MAX_NUMBER_ANSWER_WORDS:
            return None  # "un bache en 5 de Mayo" is an address, not option 5
        return self.by_number.get(int(numbers[0]))

    def _ranked(self, norm: str) -> list[tuple[float, str]]:
        """Score every candidate (best word wins) and sort, best first."""
        best: dict[int, float] = {}
        for word_index, score in self._scores(norm):
            owner = self.owners[word_index]
            best[owner] = max(best.get(owner, 0.0), score)
        return sorted(((score, self.keys[i]) for i, score in best.items()), key=lambda p: (-p[0], p[1]))

    def _scores(self, norm: str):
        padded = f" {norm} "
        tokens = norm.split()
        for index, word in enumerate(self.words):
            if word == norm:
                yield index, EXACT_SCORE  # the whole answer is this name: it beats names containing it
            elif f" {word} " in padded:
                yield index, 100.0
        if len(norm) < MIN_FUZZY_LENGTH:
            return
        # Typos: each word against the same number of consecutive words of the text.
        for size in {len(w.split()) for w in self.words}:
            windows = [" ".join(tokens[i : i + size]) for i in range(max(1, len(tokens) - size + 1))]
            for window in windows:
                if len(window) < MIN_FUZZY_LENGTH:
                    continue
                for _, score, index in process.extract(
                    window, self.words, scorer=fuzz.ratio, score_cutoff=SUGGEST_SCORE, limit=None
                ):
                    if len(self.words[index].split()) == size:
                        yield index, score
        # A part of a longer name: "clouthier" for "parque clouthier".
        for _, score, index in process.extract(
            norm, self.words, scorer=fuzz.partial_ratio, score_cutoff=SUGGEST_SCORE / PART_WEIGHT, limit=None
        ):
            if len(norm) < len(self.words[index]) and " " in self.words[index]:
                yield index, score * PART_WEIGHT
