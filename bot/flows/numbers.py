"""Numbers as residents write them: "cuatro", "la primera", "un 8 de 10", "veintitrés"."""

from __future__ import annotations

import re

from text_to_num import alpha2digit

from bot.flows.matching import MAX_NUMBER_ANSWER_WORDS, normalize

__all__ = ["with_digits", "choice_digits", "NUMBER_LANGUAGES"]

NUMBER_LANGUAGES = {"es", "en", "fr", "pt", "de", "it", "nl", "da"}  # what text2num reads
_ARTICLES = {"un", "una", "a", "an"}  # "un bache", "un 8": an article, never the number one
_ABOUT = {"unos", "unas"}  # "unos 15": about fifteen
_ONE_AS_NUMBER_AFTER = {"option", "number", "route", "no", "just", "only"}  # else "the Valle Oriente one" is a pronoun
_ORDINAL = re.compile(r"(\d+)(?:a|o|ra|ro|er|do|da|to|ta|vo|va|no|na|st|nd|rd|th)")
# text2num knows these only with their accent; residents often leave it off ("la veintitres")
_ONE_DIGIT = set("123456789")
_UNACCENTED = {"es": {"veintidos": "veintidós", "veintitres": "veintitrés", "veintiseis": "veintiséis"}}


def with_digits(text: str, lang: str) -> str:
    """The text normalised (see matching.normalize) with spelled numbers written as digits.

    Articles stay words ("un bache" is not "1 bache") and one right before a number is dropped
    ("le doy un ocho" -> "le doy 8"); an ordinal becomes its number ("la primera", "1ª",
    "the 20th" -> "la 1", "1", "the 20").
    """
    words = [w for w in text.casefold().split() if w not in _ABOUT]
    parts: list[str] = []
    segment: list[str] = []
    for i, word in enumerate(words):
        article = word in _ARTICLES or (word == "one" and i > 0 and words[i - 1] not in _ONE_AS_NUMBER_AFTER)
        if not article:
            segment.append(word)
            continue
        parts.append(_digits(" ".join(segment), lang))
        segment = []
        if not (i + 1 < len(words) and _is_number(words[i + 1], lang)):
            parts.append(word if word != "one" else "")
    parts.append(_digits(" ".join(segment), lang))
    return " ".join(_ordinal_as_number(t) for t in normalize(" ".join(parts)).split())


def choice_digits(text: str, lang: str) -> str:
    """with_digits for an answer short enough to name an option by number ("la primera", "ruta uno"); "" for
    a longer one, which ChoiceIndex never reads as a number, so a long message pays nothing for it.

    A route said the way it is read aloud is one number: "la dos catorce" is 214, "uno treinta" 130 (a digit
    word then a number from 10 to 99, both spelled: "2 13" typed stays two numbers).
    """
    if len(text.split()) > MAX_NUMBER_ANSWER_WORDS:
        return ""
    digits = with_digits(text, lang)
    if any(c.isdigit() for c in text):
        return digits
    tokens = digits.split()
    for i in range(len(tokens) - 1):
        first, second = tokens[i], tokens[i + 1]
        if first in _ONE_DIGIT and len(second) == 2 and second.isdigit() and second[0] != "0":
            return " ".join(tokens[:i] + [first + second] + tokens[i + 2 :])
    return digits


def _digits(words: str, lang: str) -> str:
    if lang in NUMBER_LANGUAGES and any(c.isalpha() for c in words):
        accented = _UNACCENTED.get(lang, {})
        words = " ".join(accented.get(w, w) for w in words.split()) if accented else words
        return alpha2digit(words, lang, threshold=0)
    return words


def _is_number(word: str, lang: str) -> bool:
    if word[:1].isdigit():
        return True
    return lang in NUMBER_LANGUAGES and alpha2digit(word, lang, threshold=0)[:1].isdigit()


def _ordinal_as_number(token: str) -> str:
    match = _ORDINAL.fullmatch(token)
    return match.group(1) if match else token
