"""Forgiving matching of what residents type: case, accents, extra words, typos, numbers.

A score decides: at TAKE_SCORE or more the answer is taken; between SUGGEST_SCORE
and TAKE_SCORE the resident is asked "did you mean …?"; near-equal best scores
are never guessed between, the resident is asked which one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from itertools import pairwise
from typing import TypeVar

from rapidfuzz import fuzz, process

__all__ = [
    "normalize",
    "short_text_cache",
    "normalized_words",
    "is_typo",
    "Candidate",
    "Match",
    "ChoiceIndex",
    "TAKE_SCORE",
    "SUGGEST_SCORE",
]

TAKE_SCORE = 78  # "vache" for "bache" scores 80, "basurra" for "basura" 92
SUGGEST_SCORE = 62
TIE_MARGIN = 3  # scores this close are equals: ask, never guess
MIN_FUZZY_LENGTH = 5  # shorter words ("hola" is one letter from "hole") must match exactly
MAX_SUGGESTIONS = 3  # "which one?" lists three at most: more is a menu to read, not a question to answer
MAX_NUMBER_ANSWER_WORDS = 4
LENGTH_TIEBREAK = 0.01  # orders equal part-matches by length, far inside the tie margin
MIN_PART_LENGTH = 3  # "de", "la", "el" say nothing about which name
EXACT_SCORE = 100.0 + TIE_MARGIN + 1  # beyond the tie margin: an exact name is never "which one?"
NUMBER_BONUS = TIE_MARGIN + 1  # a number the answer says, standing whole in a name, settles a tie
PART_WEIGHT = 0.95  # "clouthier" for "Parque Clouthier": a good, not a perfect match

SHORT_TEXT = 64  # option words, commands, short answers: worth caching; a long message is rarely seen twice
NORMALIZE_CACHE = 16384  # entries of at most SHORT_TEXT characters: under 20 MiB however residents write
RECENT_LONG = 16  # long texts kept a moment: the message in hand, read by several readers (a thread each)
KEPT_CHARS = 8192  # characters whose normalised form is remembered (each a few dozen bytes)

R = TypeVar("R")


def short_text_cache(
    maxsize: int, longest: int = SHORT_TEXT, recent: int = RECENT_LONG
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """An LRU cache over a function of a text (and small further arguments) that keeps maxsize texts of at most
    `longest` characters, and only the `recent` last longer ones: what residents write cannot fill memory.

    The short ones are the words that come back (options, commands, street names); a long message is read
    several times while it is handled, then never again.
    """

    def decorate(work: Callable[..., R]) -> Callable[..., R]:
        cached = lru_cache(maxsize=maxsize)(work)
        lately = lru_cache(maxsize=recent)(work) if recent else work

        @wraps(work)
        def call(text: str, *args, **kwargs) -> R:
            return (cached if len(text) <= longest else lately)(text, *args, **kwargs)

        call.cache_info = cached.cache_info  # type: ignore[attr-defined]
        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return call

    return decorate


class _Kept(dict):
    """What each character becomes in normalize, as a str.translate table filled as characters come
    (at most KEPT_CHARS of them; the rare others are worked out each time)."""

    def __missing__(self, code: int) -> str:
        kept = _keep(chr(code))
        if len(self) < KEPT_CHARS:
            self[code] = kept
        return kept


_KEPT = _Kept()


def normalize(text: str) -> str:
    """Lower-case, strip accents and punctuation, keep emoji as words, collapse spaces.

    Cached as short_text_cache does (spelt out: this runs dozens of times a message).
    """
    return _short_normalized(text) if len(text) <= SHORT_TEXT else _long_normalized(text)


def _normalized(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKD", text.casefold()).translate(_KEPT).split())


_short_normalized = lru_cache(maxsize=NORMALIZE_CACHE)(_normalized)
_long_normalized = lru_cache(maxsize=RECENT_LONG)(_normalized)


@lru_cache(maxsize=1024)
def normalized_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """A word list from flows.yaml normalised, empty ones dropped (cached: the lists are few and fixed)."""
    return tuple(w for w in (normalize(word) for word in words) if w)


def _keep(char: str) -> str:
    if char.isalnum() or char.isspace():
        return char
    if unicodedata.combining(char) or unicodedata.category(char) in ("Cf", "Sk"):
        return ""  # accents, emoji joiners and skin tones
    if unicodedata.category(char).startswith("S"):
        return f" {char} "  # 👍 and ⭐ are answers of their own
    return " "  # punctuation separates words


TYPO_SCORE = 80  # "ayerr" for "ayer", "excelnte" for "excelente", "omitr" for "omitir"


def is_typo(token: str, word: str) -> bool:
    """Tell whether a normalised word is a small typo of another (both long enough to tell; short words must be exact)."""
    return (
        len(token) >= MIN_FUZZY_LENGTH - 1
        and len(word) >= MIN_FUZZY_LENGTH - 1
        and fuzz.ratio(token, word) >= TYPO_SCORE
    )


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
        self.tokens = {c.key: {t for w in c.words for t in normalize(w).split()} for c in candidates}
        self.name_tokens = set().union(*self.tokens.values()) if self.tokens else set()
        self.padded_names = {c.key: "".join(f" {normalize(w)} " for w in c.words) for c in candidates}
        self.by_name_number: dict[str, tuple[str, ...]] = {}  # "23" -> the keys named with it ("Ruta 23 ...")
        for candidate in candidates:
            for token in sorted(t for t in self.tokens[candidate.key] if t.isdigit()):
                self.by_name_number[token] = (*self.by_name_number.get(token, ()), candidate.key)
        self.words: list[str] = []
        self.owners: list[int] = []
        for index, candidate in enumerate(candidates):
            for word in sorted({normalize(w) for w in candidate.words} - {""}):
                self.words.append(word)
                self.owners.append(index)
        self.all_words = self._subset(range(len(self.words)))
        self.single_words = self._subset(i for i, w in enumerate(self.words) if " " not in w)
        self.padded = [f" {w} " for w in self.words]
        self.all_padded = "".join(self.padded)  # one search tells whether the answer is inside any word at all
        self.by_first_token: dict[str, list[int]] = {}  # the words a token of the answer may begin
        self.by_token: dict[str, list[int]] = {}  # the words a token stands in
        for i, word in enumerate(self.words):
            self.by_first_token.setdefault(word.split()[0], []).append(i)
            for token in set(word.split()):
                self.by_token.setdefault(token, []).append(i)
        owners_of_token: dict[str, list[int]] = {}
        for i, word in enumerate(self.words):
            for token in set(word.split()) if " " in word else ():
                if len(token) >= MIN_PART_LENGTH:
                    owners_of_token.setdefault(token, []).append(i)
        self.phrase_tokens = list(owners_of_token)
        self.phrase_token_owners = list(owners_of_token.values())

    def _subset(self, indices) -> tuple[list[int], list[str]]:
        """Some of the words, with their indices, ready for rapidfuzz."""
        chosen = list(indices)
        return chosen, [self.words[i] for i in chosen]

    def match(self, text: str, payload: str = "", digits: str = "") -> Match:
        """Return the candidate the text clearly means, or the ones worth asking about.

        digits, when given, is the text with its spelled numbers as digits ("la primera" -> "la 1").
        """
        if payload in self.payloads:
            return Match(payload)
        norm = normalize(text)
        if not norm:
            return Match()
        by_number = self._by_number(digits or norm)
        if by_number:
            return by_number
        return self._decide(self._ranked(norm, self._numbered((digits or norm).split())))

    def _decide(self, ranked: list[tuple[float, str]]) -> Match:
        """Take the best when it is good and alone; else ask about the close ones (three at most)."""
        if not ranked or ranked[0][0] < SUGGEST_SCORE:
            return Match()
        best = ranked[0][0]
        close = tuple(key for score, key in ranked[:MAX_SUGGESTIONS] if score >= best - TIE_MARGIN)
        if best >= TAKE_SCORE and len(close) == 1:
            return Match(close[0])
        return Match(suggestions=close)

    def _numbered(self, tokens: list[str]) -> frozenset[str]:
        """The keys whose name carries, as a word of its own, a number the answer says ("23": Ruta 23, not 213)."""
        return frozenset(k for t in tokens if t.isdigit() for k in self.by_name_number.get(t.lstrip("0") or "0", ()))

    def mentioned(self, norm: str) -> tuple[str, ...]:
        """The keys one of whose words stands whole in a longer text; a word inside a longer named word does not count."""
        padded = f" {norm} "
        starting = {i for t in set(norm.split()) for i in self.by_first_token.get(t, ())}
        found = [(self.words[i], self.owners[i]) for i in starting if len(self.words[i]) >= MIN_PART_LENGTH]
        found = [(w, owner) for w, owner in found if f" {w} " in padded]
        kept = {owner for w, owner in found if not any(w != other and f" {w} " in f" {other} " for other, _ in found)}
        return tuple(self.keys[i] for i in sorted(kept))

    def named_by_number(self, norm: str) -> tuple[str, ...]:
        """The keys a longer text names by a number together with the word before it in the name: "la ruta 23
        viene llena" names "Ruta 23 Valle Oriente"; "un bache en 5 de Mayo" names no "Parque 5 de Mayo" (no "en 5")."""
        tokens = norm.split()
        found = []
        for before, token in pairwise(tokens):
            for key in self.by_name_number.get(token.lstrip("0") or "0", ()) if token.isdigit() else ():
                if f" {before} {token} " in self.padded_names[key]:
                    found.append(key)
        return tuple(dict.fromkeys(found))

    def _by_number(self, norm: str) -> Match | None:
        """Accept "2", "opcion 2", "la 2 porfa" (the only number in a short answer), or "la 23" for "Ruta 23 ...".

        When the number is both an option's place in the list and in another option's name, ask which.
        """
        tokens = norm.split()
        numbers = [t for t in tokens if t.isdigit()]
        if len(numbers) != 1 or len(tokens) > MAX_NUMBER_ANSWER_WORDS:
            return None  # "un bache en 5 de Mayo" is an address, not option 5
        # The words that name something ("la ruta 23"); not "the", "la", "porfa".
        others = {t for t in tokens if len(t) > MIN_PART_LENGTH and not t.isdigit() and t in self.name_tokens}
        # A place in the list is a number alone ("la 2 porfa"); "parque clouthier 5 estrellas" names something else.
        placed = None if others else self.by_number.get(int(numbers[0]))
        named = [k for k in self.by_name_number.get(numbers[0].lstrip("0") or "0", ()) if others <= self.tokens[k]]
        if len(named) > 1:
            # "Parque Cerro 3" among "Parque Cerro 3 Norte" and "...Sur": the names decide among those two alone
            found = self._decide([p for p in self._ranked(norm, frozenset(named)) if p[1] in named])
            return found if found.key or placed is None else Match(suggestions=(placed, *named[: MAX_SUGGESTIONS - 1]))
        readings = tuple(dict.fromkeys(([placed] if placed else []) + named))
        if len(readings) == 1:
            return Match(readings[0])
        return Match(suggestions=readings) if readings else None

    def _ranked(self, norm: str, numbered: frozenset[str] = frozenset()) -> list[tuple[float, str]]:
        """Score every candidate (best word wins) and sort, best first.

        A candidate whose name carries a number the answer says is lifted past the tie margin: among names
        that read alike ("Ruta 23 Valle Oriente", "Ruta 213 Valle Oriente"), "la ruta 23 ..." means the 23.
        """
        best: dict[int, float] = {}
        for word_index, score in self._scores(norm):
            owner = self.owners[word_index]
            best[owner] = max(best.get(owner, 0.0), score)
        ranked = [(score, self.keys[i]) for i, score in best.items()]
        if numbered:
            ranked = [(score + NUMBER_BONUS if key in numbered else score, key) for score, key in ranked]
        return sorted(ranked, key=lambda p: (-p[0], p[1]))

    def _scores(self, norm: str):
        padded = f" {norm} "
        tokens = norm.split()
        starting = {i for t in set(tokens) for i in self.by_first_token.get(t, ())}
        whole = {i for i in starting if f" {self.words[i]} " in padded}  # words standing whole in the answer
        for index in whole:
            word = self.words[index]
            if any(self.words[o] != word and f" {word} " in f" {self.words[o]} " for o in whole):
                continue  # "off" inside "on and off": the longer word said it (a word of MIN_FUZZY_LENGTH
                # or more is still read below, token by token: "camion" in "camion de la basura" scores alone)
            yield index, EXACT_SCORE if word == norm else 100.0  # the whole answer beats the rest
        for index in self.by_token.get(tokens[0], ()) if padded in self.all_padded else ():
            if index not in whole and padded in self.padded[index]:
                # A part of a longer name ("rufino tamayo"); shorter names first among equals.
                yield index, 100.0 * PART_WEIGHT - len(self.words[index]) * LENGTH_TIEBREAK
        if len(norm) < MIN_FUZZY_LENGTH:
            return
        # Typos in the whole answer: "parque clouthir" for "parque clouthier".
        yield from self._fuzzy(norm, self.all_words, fuzz.ratio)
        # Typos in one word of a longer answer: "hay un vache enorme" for the keyword "bache".
        for token in set(tokens) if len(tokens) > 1 else ():
            if len(token) >= MIN_FUZZY_LENGTH:
                yield from self._fuzzy(token, self.single_words, fuzz.ratio)
        yield from self._parts(tokens)

    def _parts(self, tokens: list[str]):
        """Score names by how much of the answer their words cover: "bella vista norte", "clouthir"."""
        wanted = [t for t in dict.fromkeys(tokens) if len(t) >= MIN_PART_LENGTH]
        if not wanted:
            return
        covered: dict[int, float] = {}
        for token in wanted:
            best: dict[int, float] = {}
            cutoff = SUGGEST_SCORE if len(token) >= MIN_FUZZY_LENGTH else 100
            for _, score, position in process.extract_iter(
                token, self.phrase_tokens, scorer=fuzz.ratio, score_cutoff=cutoff
            ):
                for index in self.phrase_token_owners[position]:
                    best[index] = max(best.get(index, 0.0), score)
            for index, score in best.items():
                covered[index] = covered.get(index, 0.0) + score
        for index, total in covered.items():
            yield index, total / len(wanted) * PART_WEIGHT - len(self.words[index]) * LENGTH_TIEBREAK

    def _fuzzy(self, text: str, subset, scorer, cutoff: float = SUGGEST_SCORE):
        """Yield (word index, score) for the words of subset that score at least cutoff against text."""
        indices, choices = subset
        for _, score, position in process.extract_iter(text, choices, scorer=scorer, score_cutoff=cutoff):
            yield indices[position], score
