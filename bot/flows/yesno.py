"""Yes or no as residents write it: "sip", "ándale", "claro que no", "sí, pero rápido", "siii".

A yes word negated is a no: "of course not", "absolutely not", "obvio que no", "no es correcto", "not ok".
A comma stops a negation: "no, está bien" says both and is asked again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from bot.flows.matching import normalize

__all__ = ["read_yes_no", "read_listed_yes_no", "squeeze"]

Words = Callable[[str], tuple[str, ...]]
_REPEATS = re.compile(r"(.)\1+")
_BUT = ("pero", "but", "aunque", "although")  # "sí, pero apúrense": the answer is before the "but"
_PAUSE = re.compile(r"[,.;:!¡¿]+")  # kept as a "|" word: a negation does not reach past it
_CONTRACTION = re.compile(r"n['’]t\b", re.IGNORECASE)  # "isn't" -> "isnt"
_NEGATORS = "no|not|nunca|never|isnt|wasnt|dont|doesnt|didnt|aint|ni|tampoco"
_BETWEEN = "es|esta|fue|era|is|was|its|it|that|thats|really|very|so|muy|tan|del todo"  # "no es correcto"
_AFTER = "not|que no"  # "of course not", "obvio que no"


def squeeze(norm: str) -> str:
    """Letters said twice or more said once: "siii" -> "si", "noooo" -> "no" (both sides are squeezed)."""
    return _REPEATS.sub(r"\1", norm)


def read_yes_no(text: str, words: Words) -> bool | None:
    """True for yes, False for no, None when it says neither, both, that the resident is unsure, or asks back."""
    norm = squeeze(normalize(_PAUSE.sub(" | ", _CONTRACTION.sub("nt", text))))
    if not norm.replace("|", "").strip() or _asks_back(text):
        return None
    clause = _before_but(norm)
    if _phrases_in(clause, words("unsure")):
        return None  # "no sé" is not a no
    said_yes, said_no = _phrases_in(clause, words("yes")), _phrases_in(clause, words("no"))
    negated = [p for p in said_yes if _negated(clause, p)]
    said_yes, said_no = [p for p in said_yes if p not in negated], said_no + negated
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


@lru_cache(maxsize=1024)
def _negation(phrase: str) -> re.Pattern:
    escaped = re.escape(phrase)
    return re.compile(
        rf"(?:^| )(?:{_NEGATORS})(?: (?:{_BETWEEN}))* {escaped}(?= |$)|(?:^| ){escaped} (?:{_AFTER})(?= |$)"
    )


def _negated(clause: str, phrase: str) -> bool:
    """ "no es correcto", "not ok", "of course not", "obvio que no": a yes word said with a not."""
    return bool(_negation(phrase).search(clause))


def _before_but(norm: str) -> str:
    tokens = norm.split()
    cut = next((i for i, t in enumerate(tokens) if t in _BUT), len(tokens))
    return " ".join(tokens[:cut]) if cut else norm


@lru_cache(maxsize=256)
def _longest_first(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({squeeze(normalize(_CONTRACTION.sub("nt", p))) for p in phrases} - {""}, key=len, reverse=True))


def _phrases_in(norm: str, phrases: tuple[str, ...]) -> list[str]:
    """The phrases that stand in the text as whole words (longest first: "claro que no" before "claro")."""
    padded = f" {norm} "
    found = []
    for phrase in _longest_first(phrases):
        if f" {phrase} " in padded:
            found.append(phrase)
            padded = padded.replace(f" {phrase} ", "  ")
    return found
