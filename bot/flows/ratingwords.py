"""Rating words as residents write them: negated ("no muy bien", "no está mal", "ni bien ni mal", "not bad"),
made stronger ("bien sucio", "súper limpio", "rebien", "malísimo") or softer ("regularcito"), and mixed.

Each rating word found says a range of values on the 1-5 scale of `ratings:`, and the value it prefers:
"bien" is 4 within 4-5, "no muy bien" 2 within 1-4, "no está mal" 3 within 3-5, "regular" 3 within 2-4.
The answer is the value every range allows ("ni bien ni mal": 1-3 and 3-5 give 3); when no value fits them
all ("limpio pero muy feo", "bien y mal") the text pulls both ways and the resident is asked again. A value
the text contradicts is never returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.flows.matching import MIN_FUZZY_LENGTH, is_typo, normalize

__all__ = ["WordRating", "Lexicon", "lexicon", "read_words", "WORD_SCALE"]

WORD_SCALE = (1, 5)  # flows.yaml's `ratings:` words are on a 1-5 scale
_BREAK = "|"  # a comma, a full stop or a "pero" between words: a negation or "bien" does not reach past it
_PAUSES = str.maketrans(dict.fromkeys(",.;:!?¡¿()\n", f" {_BREAK} "))
_BUT = frozenset({"pero", "but", "aunque", "although", "though", "sino"})  # a clause break too
_CONTRACTION = re.compile(r"n['’]t\b", re.IGNORECASE)  # "isn't" -> "isnt": one word, a negation
_SUPERLATIVE = re.compile(r"(\w+)isim([oa])s?")
_DIMINUTIVE = re.compile(r"(\w+?)(e?cit|it)([oa])s?")  # "regularcito", "limpiecito", "malita"
_TYPO_LENGTH = MIN_FUZZY_LENGTH - 1  # shorter words are never read as typos (matching.is_typo)
_KEPT_WORDS = 8192  # words whose plain form a table remembers
_PREFIXES = ("requete", "recontra", "super", "re")  # "rebien", "superlimpio": "muy bien", "muy limpio"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that say "not" about the rating word after them (Spanish negative concord: "no está nada mal" is one).
NEGATORS = _words(
    "no ni nada nunca jamas tampoco sin not never neither nor isnt wasnt arent werent dont doesnt didnt aint"
)
_EMPHATIC = frozenset({"nada"})  # "nada mal", "no está nada mal": not mildly but plainly positive
_INTENSIFIERS = _words("muy super re requete bien demasiado harto very really so extremely totally too")
# Words that may stand between a negation (or "muy") and its rating word: "no está mal", "not that good".
_FILLERS = _words(
    "esta estaba estuvo es era fue son estan estaban eran iba venia andaba se ve vio veia me le les lo la el los las parece"
    " parecio creo que tan tanto para todo todos todas muy asi"
    " is was are were be been its it that this looks seems seemed think so very too all quite the"
)
# What may follow "bien" when it means good rather than very ("bien, gracias", "bien la verdad", "está bien y ya").
_NOT_AN_ADJECTIVE = _words(
    "y e o u pero gracias la el los las lo le de del en que con todo toda todos todas ya eh pues ps pos no si"
    " tambien por para porque nomas solo creo verdad neta aqui ahi alla hoy siempre casi ahorita"
)


@dataclass(frozen=True)
class WordRating:
    """What the rating words of a text allow: values low..high on the 1-5 scale, and the one they point at."""

    low: int
    high: int
    value: int


@dataclass(frozen=True)
class _Found:
    low: int
    high: int
    value: int
    width: int  # how precise: a neutral word is the most precise ("más o menos bien" is 3)
    length: int  # the phrase's length: the longer phrase says more ("muy bien" over "bien")


@dataclass(frozen=True)
class Lexicon:
    """One `ratings:` table ready to read: its phrases as words, its single words (for "mala", typos), and the
    signs that are no word once normalised (most emoji are words, "😍" among them)."""

    phrases: dict[tuple[str, ...], int]
    longest: int
    emoji: dict[str, int]
    singles: dict[str, int]
    starts: frozenset[str]  # the first word of every phrase: most words of a message start none
    plain: dict[str, tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )  # what _plain made of a word


def lexicon(ratings: dict[str, int]) -> Lexicon:
    """Compile a `ratings:` table (phrase -> 1-5); worth caching per table."""
    phrases: dict[tuple[str, ...], int] = {}
    emoji: dict[str, int] = {}
    for word, value in ratings.items():
        words = tuple(normalize(word).split())
        if words:
            phrases[words] = value
        elif word.strip():
            emoji[word.strip()] = value
    singles = {words[0]: value for words, value in phrases.items() if len(words) == 1}
    starts = frozenset(p[0] for p in phrases)
    return Lexicon(phrases, max((len(p) for p in phrases), default=1), emoji, singles, starts)


def read_words(text: str, words: Lexicon, typos: bool = True) -> WordRating | None:
    """The rating the words of a text give, or None when it has none or they pull both ways (typos: forgive a
    misspelt word when no word is found as written)."""
    tokens = _tokens(text, words)
    found = _found(tokens, words)
    found += [_allowed(value, False, False, False, 1) for sign, value in words.emoji.items() if sign in text]
    if not found:
        return _typo(tokens, words) if typos else None
    low = max(f.low for f in found)
    high = min(f.high for f in found)
    if low > high:
        return None  # "bien y mal", "limpio pero muy feo": ask, never pick a side
    best = min(found, key=lambda f: (f.width, -f.length))
    return WordRating(low, high, min(max(best.value, low), high))


def _tokens(text: str, words: Lexicon) -> list[str]:
    """The text's words, clause breaks marked ("|": normalize keeps it as a word), each word's superlative,
    diminutive or prefix undone."""
    tokens: list[str] = []
    for token in normalize(_CONTRACTION.sub("nt", text).translate(_PAUSES)).split():
        tokens.extend((_BREAK,) if token in _BUT else _plain_kept(token, words))
    tokens.append(_BREAK)
    return tokens


def _plain_kept(token: str, words: Lexicon) -> tuple[str, ...]:
    """_plain, remembered per table (up to _KEPT_WORDS words: what residents write cannot fill memory)."""
    plain = words.plain.get(token)
    if plain is None:
        plain = tuple(_plain(token, words).split())
        if len(words.plain) < _KEPT_WORDS:
            words.plain[token] = plain
    return plain


def _plain(token: str, words: Lexicon) -> str:
    """ "limpísimo" -> "muy limpio", "rebien" -> "muy bien", "regularcito" -> "regular", "mala" -> "malo";
    other words as they are."""
    if token in words.singles or not token.isalpha():
        return token
    superlative = _SUPERLATIVE.fullmatch(token)
    if superlative:
        stem, ending = superlative.group(1), superlative.group(2)
        known = _known((stem + ending, stem + "i" + ending, stem + "o"), words)
        if known:
            return f"muy {known}"
    diminutive = _DIMINUTIVE.fullmatch(token)
    if diminutive:
        stem, ending = diminutive.group(1), diminutive.group(3)
        known = _known((stem, stem + ending, stem + "o", stem + "e"), words)
        if known:
            return known
    for prefix in _PREFIXES:
        rest = token.removeprefix(prefix)
        known = _known((rest,), words) if rest != token else ""
        if known:
            return f"muy {known}"
    return _known((token,), words) or token


def _known(candidates: tuple[str, ...], words: Lexicon) -> str:
    """The first candidate that is a rating word, as it or in its masculine singular ("mala", "sucias")."""
    for word in candidates:
        for form in (word, word[:-1] + "o", word[:-1], word[:-2] + "o") if word[-1:] in ("a", "s") else (word,):
            if form in words.singles:
                return form
    return ""


def _found(tokens: list[str], words: Lexicon) -> list[_Found]:
    """Every rating word and emoji in the text (the longest phrase at each place), each with what it allows."""
    found: list[_Found] = []
    i, hedge_ends, count = 0, -1, len(tokens)
    starts, phrases, longest = words.starts, words.phrases, words.longest
    while i < count:
        size = 0
        if tokens[i] in starts:
            size = next((n for n in range(min(longest, count - i), 0, -1) if tuple(tokens[i : i + n]) in phrases), 0)
        if not size:
            i += 1
            continue
        if size == 1 and tokens[i] == "bien" and _before_a_word(tokens, i + 1):
            i += 1  # "bien sucio", "bien lleno": "bien" is "very" here, never "good"
            continue
        value = words.phrases[tuple(tokens[i : i + size])]
        negated, emphatic, stronger = _before(tokens, i)
        emphatic = emphatic or tokens[i + size : i + size + 2] == ["at", "all"]
        if found and hedge_ends == i and not negated:
            value = 3  # "más o menos bien", "so so good": the hedge holds it in the middle
        found.append(_allowed(value, negated, emphatic, stronger, sum(len(t) for t in tokens[i : i + size])))
        i += size
        hedge_ends = i if found[-1].value == 3 and found[-1].width == 0 else -1
    return found


def _before_a_word(tokens: list[str], at: int) -> bool:
    word = tokens[at] if at < len(tokens) else ""
    return word.isalpha() and word not in _NOT_AN_ADJECTIVE and word not in NEGATORS


def _before(tokens: list[str], at: int) -> tuple[bool, bool, bool]:
    """Whether the words just before a rating word negate it, emphatically, or make it stronger."""
    negators: set[str] = set()
    stronger = False
    for token in reversed(tokens[max(0, at - 5) : at]):
        if token in NEGATORS:
            negators.add(token)
        elif token in _INTENSIFIERS and not negators:
            stronger = True
        elif token not in _FILLERS and token not in _INTENSIFIERS:
            break
    return bool(negators), bool(negators & _EMPHATIC), stronger


def _allowed(value: int, negated: bool, emphatic: bool, stronger: bool, length: int) -> _Found:
    """The values a rating word allows, said plainly, negated or made stronger."""
    low, high = WORD_SCALE
    if negated:
        if value >= 4:  # "no muy bien", "nada limpio", "not good": below good
            return _Found(low, value - 1, 2, value - 1 - low, length)
        if value <= 2:  # "no está mal", "not bad": above bad; "no está nada mal", "not bad at all": good
            return _Found(value + 1, high, 4 if emphatic else 3, high - value - 1, length)
        return _Found(high, low, 3, 0, length)  # "no regular": nothing to go by
    if value == 3:
        return _Found(2, 4, 3, 0, length)  # "más o menos bien" is still 3
    if value >= 4:
        return _Found(4, high, high if stronger else value, high - 4, length)
    return _Found(low, 2, low if stronger else value, 2 - low, length)


def _typo(tokens: list[str], words: Lexicon) -> WordRating | None:
    """ "excelnte", "regualr": one rating word misspelt, with no negation anywhere."""
    if NEGATORS & set(tokens):
        return None
    long_enough = [t for t in tokens if len(t) >= _TYPO_LENGTH and t.isalpha()]  # is_typo says no to the rest
    values = {v for w, v in words.singles.items() if len(w) >= _TYPO_LENGTH for t in long_enough if is_typo(t, w)}
    if len(values) != 1:
        return None
    value = values.pop()
    return WordRating(value, value, value)
