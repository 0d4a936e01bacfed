"""Words two flows or two options share, which make an opener or an answer ambiguous (warnings, not errors).

The menu matches what a resident writes against every flow's keywords, and a choice step against every
option's label and words, in all languages at once (see loader.py). So a word, once normalised, under
the `keywords` of two flows, or under two options of one step, leaves the bot asking "which one?"
instead of taking the resident where they meant. A word that is both a "yes" and a "no" word of one
language makes a yes/no answer ambiguous the same way. The file still works: these are warnings.

Words need not be equal to clash. A flow's keyword that stands whole inside another flow's longer
keyword or title ("camión" and "camión de la basura"; "evaluar" and the title "Evaluar una ruta")
makes a message holding the longer one score both flows alike, so the resident is asked "which one?";
and two keywords a typo apart ("parque", "parqes") are each taken for the other when misspelt. Between
the options of one step only the typo is warned about: the shipped streetlight step has "off" inside
"on and off", which the matcher settles for the longer word ("it goes on and off" is flickering). It
does so only for a word too short to be read as a typo; a longer one ("camión" inside "camión de la
basura") is still matched on its own, so between flows the warning stands.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import yaml

from bot.flows.matching import MIN_PART_LENGTH, is_typo, normalize
from bot.flows.yamlsource import Mapping, Position, parse

__all__ = ["FlowWarning", "shared_words"]


@dataclass(frozen=True)
class FlowWarning:
    """One word that means two things, with where its second use is written."""

    source: str
    line: int
    column: int
    message: str

    def format(self) -> str:
        """Render as SOURCE:LINE:COL: warning: message."""
        return f"{self.source}:{self.line}:{self.column}: warning: {self.message}"


@dataclass(frozen=True)
class _Use:
    """A word as written: who uses it (a flow, an option, "yes"), in which language, and where."""

    owner: str
    lang: str
    word: str
    pos: Position
    what: str = "keyword"  # how the file names it: keyword, title, label, word


def shared_words(text: str, source: str = "flows.yaml") -> list[FlowWarning]:
    """Warnings, in line order, for every word two flows, two options of a step, or "yes" and "no" share."""
    try:
        data = parse(text)
    except yaml.YAMLError:
        return []  # the loader reports it
    if not isinstance(data, Mapping):
        return []
    default_lang = str(data.get("default_language", "es"))
    found = [*_shared_keywords(data), *_near_keywords(data, default_lang), *_shared_yes_no(data)]
    for flow_id, step in _choice_steps(data):
        found += _shared_option_words(flow_id, step, default_lang)
    return [FlowWarning(source, *pos, message) for pos, message in sorted(found)]


def _shared_keywords(data: Mapping) -> Iterator[tuple[Position, str]]:
    uses = [
        _Use(str(flow_id), lang, word, pos)
        for flow_id, flow in _mapping(data.get("flows")).items()
        for lang, word, pos in _words(_mapping(flow).get("keywords"))
    ]
    for word, first, later in _clashes(uses):
        yield (
            later.pos,
            (
                f"flow '{first.owner}'{_lang_if(first, later)} and flow '{later.owner}'{_lang_if(later, first)} "
                f"both use the keyword '{word}'{_lang_if_same(first, later)}: an opener with it is ambiguous"
                f" (first at line {first.pos[0]})"
            ),
        )


def _near_keywords(data: Mapping, default_lang: str) -> Iterator[tuple[Position, str]]:
    """A flow's keyword or title inside another flow's longer keyword or title, or a typo of its keyword."""
    uses = []
    for flow_id, flow in _mapping(data.get("flows")).items():
        flow = _mapping(flow)
        uses += [_Use(str(flow_id), lang, word, pos) for lang, word, pos in _words(flow.get("keywords"))]
        titles = _label(flow.get("title"), default_lang)
        uses += [_Use(str(flow_id), lang, word, pos, "title") for lang, word, pos in titles]
    for kind, inner, outer in _near(uses):
        yield max(inner.pos, outer.pos), _near_message(kind, inner, outer, "flow", "an opener")


def _near_message(kind: str, inner: _Use, outer: _Use, owner: str, what: str) -> str:
    def named(use: _Use) -> str:
        return f"{owner} '{use.owner}' {use.what} '{use.word}' (line {use.pos[0]})"

    if kind == "inside":
        return f"{named(outer)} holds {named(inner)}: {what} with '{outer.word}' among other words is ambiguous"
    return f"{named(inner)} and {named(outer)} are a typo apart: {what} with either may be taken for the other"


def _near(uses: list[_Use]) -> Iterator[tuple[str, _Use, _Use]]:
    """("inside", a, b) when a's words stand whole in b's longer text; ("typo", a, b) when they are a typo apart.

    Only between different owners, each pair of words once; equal words are _clashes' to report.
    """
    normalized = [(normalize(u.word), u) for u in sorted(uses, key=lambda u: u.pos)]
    normalized = [(w, u) for w, u in normalized if w]
    told: set[tuple[str, str]] = set()
    owns: dict[str, set[str]] = {}
    for word, use in normalized:
        owns.setdefault(use.owner, set()).add(word)
    for word, use in normalized:
        for other_word, other in normalized:
            if other.owner == use.owner or word in owns[other.owner] or (word, other_word) in told:
                continue  # the same word of both owners is _clashes' to report, once
            if len(word) >= MIN_PART_LENGTH and f" {word} " in f" {other_word} ":
                told.add((word, other_word))
                yield "inside", use, other
            elif " " not in word and " " not in other_word and use.pos < other.pos and is_typo(word, other_word):
                told.add((word, other_word))
                yield "typo", use, other


def _shared_option_words(flow_id: str, step: Mapping, default_lang: str) -> Iterator[tuple[Position, str]]:
    uses = []
    for option in _list(step.get("options")):
        if isinstance(option, Mapping) and "id" in option:  # the loader skips an option without an id
            owner = str(option["id"])
            uses += [
                _Use(owner, lang, word, pos, "label") for lang, word, pos in _label(option.get("label"), default_lang)
            ]
            uses += [_Use(owner, lang, word, pos, "word") for lang, word, pos in _words(option.get("words"))]
    where = f"flow '{flow_id}', step '{step.get('id', '?')}': "
    for kind, inner, outer in _near(uses):
        if kind == "typo":  # an option's word inside another's longer one: see the note at the top
            yield max(inner.pos, outer.pos), where + _near_message(kind, inner, outer, "option", "an answer")
    for word, first, later in _clashes(uses):
        yield (
            later.pos,
            (
                f"flow '{flow_id}', step '{step.get('id', '?')}': "
                f"option '{first.owner}'{_lang_if(first, later)} and option '{later.owner}'{_lang_if(later, first)} "
                f"both use the word '{word}'{_lang_if_same(first, later)}: an answer with it is ambiguous"
                f" (first at line {first.pos[0]})"
            ),
        )


def _shared_yes_no(data: Mapping) -> Iterator[tuple[Position, str]]:
    """A word of both "yes" and "no" in one language (the engine reads them in the resident's language only)."""
    words = _mapping(data.get("words"))
    by_lang: dict[str, list[_Use]] = {}
    for key in ("yes", "no"):
        for lang, word, pos in _words(words.get(key)):
            by_lang.setdefault(lang, []).append(_Use(key, lang, word, pos))
    for lang, uses in by_lang.items():
        for word, first, later in _clashes(uses):
            yield (
                later.pos,
                (
                    f'words "{first.owner}" and "{later.owner}" both have \'{word}\' ({lang}): '
                    f"a yes/no answer with it is ambiguous (first at line {first.pos[0]})"
                ),
            )


def _clashes(uses: Iterable[_Use]) -> Iterator[tuple[str, _Use, _Use]]:
    """(normalised word, its first use, a later use by another owner), in file order, once per owner."""
    first: dict[str, _Use] = {}
    told: set[tuple[str, str]] = set()
    for use in sorted(uses, key=lambda u: u.pos):
        word = normalize(use.word)
        if not word:
            continue  # the matcher ignores a word with nothing left once normalised
        earlier = first.setdefault(word, use)
        if earlier.owner != use.owner and (word, use.owner) not in told:
            told.add((word, use.owner))
            yield word, earlier, use


def _lang_if(use: _Use, other: _Use) -> str:
    """The language after an owner, " (es)", when the two uses are in different languages."""
    return f" ({use.lang})" if use.lang != other.lang else ""


def _lang_if_same(use: _Use, other: _Use) -> str:
    """The language after the word, " (es)", when both uses are in one language."""
    return f" ({use.lang})" if use.lang == other.lang else ""


def _choice_steps(data: Mapping) -> Iterator[tuple[str, Mapping]]:
    for flow_id, flow in _mapping(data.get("flows")).items():
        for step in _list(_mapping(flow).get("steps")):
            if isinstance(step, Mapping) and str(step.get("kind", "")) == "choice":
                yield str(flow_id), step


def _words(value) -> Iterator[tuple[str, str, Position]]:
    """(language, word, position) of words by language, {es: [...], en: [...]}, as the loader reads them."""
    for lang, words in _mapping(value).items():
        for word in _list(words):
            if not isinstance(word, (dict, list)):
                yield str(lang), str(word), getattr(word, "pos", getattr(words, "pos", (1, 1)))


def _label(value, default_lang: str) -> Iterator[tuple[str, str, Position]]:
    """(language, label, position) of a text: a mapping by language, or a string in the default language."""
    if isinstance(value, Mapping):
        for lang, text in value.items():
            if not isinstance(text, (dict, list)):
                yield str(lang), str(text), getattr(text, "pos", value.pos)
    elif isinstance(value, str):
        yield default_lang, value, getattr(value, "pos", (1, 1))


def _mapping(value) -> Mapping:
    """The value if it is a mapping, else an empty one (a wrong shape is the loader's to report)."""
    return value if isinstance(value, Mapping) else Mapping()


def _list(value) -> list:
    return value if isinstance(value, list) else []
