"""Ratings as residents write them: "4", "cuatro", "⭐⭐⭐⭐", "4 de 5", "5/5", "un 8 de 10", "muy bien", "😍".

A grade out of another scale ("8 de 10" on a 1-5 step) is scaled, and the engine tells the
resident what it noted. Several numbers that are not "X de Y" ("3 o 4") are two readings: the
resident is asked which. A rating word after a negation ("no muy bien") is never taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.flows.matching import is_typo, normalize
from bot.flows.numbers import with_digits

__all__ = ["Rating", "read_rating", "NEGATIONS"]

_STAR = "⭐"
_OUT_OF = re.compile(r"\b(\d+(?:[.,]\d+)?) (?:de|sobre|out of|of) (\d+)\b")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")
_SUPERLATIVE = re.compile(r"(\w+)isim([oa])s?")
NEGATIONS = {"no", "ni", "nada", "nunca", "not", "isnt", "never"}
_WORD_SCALE = (1, 5)  # flows.yaml's `ratings:` words are on a 1-5 scale


@dataclass(frozen=True)
class Rating:
    """What a rating answer says: a value, or several readings to ask about; scaled when it came from another scale."""

    values: tuple[int, ...] = ()
    scaled_from: str = ""  # "8/10" when the resident graded on another scale


def read_rating(text: str, lang: str, scale: tuple[int, int], ratings: dict[str, int]) -> Rating:
    """Read a rating on the step's scale; Rating() when the answer gives none."""
    low, high = scale
    stars = text.count(_STAR)
    norm = with_digits(text.replace(_STAR, " ").replace("/", " de "), lang)
    out_of = _OUT_OF.search(norm)
    numbers = [_number(n) for n in _NUMBER.findall(norm)]
    if out_of:
        value, base = _number(out_of.group(1)), _number(out_of.group(2))
        if base == high or not base:
            return _within(value, low, high)
        if value > base:
            return Rating()
        scaled = _round(value / base * high)
        return Rating((scaled,), f"{out_of.group(1)}/{out_of.group(2)}") if low <= scaled <= high else Rating()
    if stars and not numbers:
        return _within(stars, low, high)
    if len(numbers) == 1:
        return _within(numbers[0], low, high)
    if len(set(numbers)) > 1:
        readings = tuple(dict.fromkeys(_round(n) for n in numbers if low <= n <= high))
        return Rating(readings) if len(readings) > 1 else Rating()
    return _word(text, norm, ratings, low, high)


def _word(text: str, norm: str, ratings: dict[str, int], low: int, high: int) -> Rating:
    """The value of the longest rating word in the text ("muy mal" before "mal"), on the step's scale."""
    norm = " ".join(_superlative(t, ratings) for t in norm.split())
    tokens = norm.split()
    padded = f" {norm} "
    for word in sorted(ratings, key=len, reverse=True):
        phrase = normalize(word)
        if phrase and f" {phrase} " in padded:
            before = tokens[: _position(tokens, phrase.split()[0])]
            if NEGATIONS & set(before):
                return Rating()  # "no muy bien", "ni bien ni mal": never the opposite of what was said
            return Rating((_rescale(ratings[word], low, high),))
        if not phrase and word in text:  # an emoji
            return Rating((_rescale(ratings[word], low, high),))
    typos = {ratings[w] for w in ratings if " " not in normalize(w) for t in tokens if is_typo(t, normalize(w))}
    if len(typos) == 1 and not NEGATIONS & set(tokens):  # "excelnte", "regualr"
        return Rating((_rescale(typos.pop(), low, high),))
    return Rating()


def _superlative(token: str, ratings: dict[str, int]) -> str:
    """ "limpísimo" -> "muy limpio", "malísima" -> "muy mala": a Spanish superlative is "muy" and its word."""
    match = _SUPERLATIVE.fullmatch(token)
    if not match:
        return token
    known = {normalize(w) for w in ratings}
    stem, ending = match.group(1), match.group(2)
    for word in (stem + ending, stem + "i" + ending, stem + "o"):
        if word in known:
            return f"muy {word}"
    return token


def _position(tokens: list[str], first: str) -> int:
    return tokens.index(first) if first in tokens else 0


def _rescale(value: int, low: int, high: int) -> int:
    word_low, word_high = _WORD_SCALE
    if (low, high) == _WORD_SCALE:
        return value
    return _round(low + (value - word_low) * (high - low) / (word_high - word_low))


def _within(value: float, low: int, high: int) -> Rating:
    return Rating((int(value),)) if value == int(value) and low <= value <= high else Rating()


def _number(raw: str) -> float:
    return float(raw.replace(",", "."))


def _round(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
