"""A step's heading on the results page: the flow's own words for it, never its id.

A step's `label: {es, en}` is its short name in results ("Limpieza"). A civic group that wrote none still
wrote the question residents were asked, so the heading is that question made clean: its markdown stars,
emoji, hints in brackets ("(sí / no)") and placeholders ({route}) taken out, the question itself kept (not
the "Gracias." before it), and a long one cut at a word with an ellipsis. Only a step with no words at all
(built in code) falls back to its id written as words.
"""

from __future__ import annotations

import re
import unicodedata

from bot.flows.model import Step
from bot.flows.plaintext import plain

__all__ = ["step_heading", "short_prompt", "HEADING_LENGTH"]

HEADING_LENGTH = 70  # characters: a heading on one line of the page, a chart title that fits its chart

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\s*\([^()]*\)")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_INVISIBLE = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}  # emoji joiners and variation selectors, the keycap mark


def step_heading(step: Step, lang: str, default_lang: str) -> str:
    """The step's heading in lang: its label, else its prompt shortened, else its id as words."""
    if step.label is not None:
        label = step.label.get(lang, default_lang)
        if label:
            return label
    prompt = short_prompt(step.prompt.get(lang, default_lang) or "") if step.prompt is not None else ""
    return prompt or step.id.replace("_", " ").capitalize()


def short_prompt(text: str, limit: int = HEADING_LENGTH) -> str:
    """A prompt as a clean heading: "🚌 Gracias. ¿*Esperaste* más de 20 minutos en {route}? (sí / no)" ->
    "¿Esperaste más de 20 minutos en …?"."""
    text = _PLACEHOLDER.sub("…", text)
    text = _BRACKETS.sub("", text)
    text = plain(text)
    text = "".join(c for c in text if c not in _INVISIBLE and unicodedata.category(c) not in ("So", "Cs", "Co"))
    text = _SPACES.sub(" ", text).strip()
    text = _question(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.¿¡-–—") + "…"


def _question(text: str) -> str:
    """The sentence that asks (up to its first "?"), else the first sentence; the whole text when it is one."""
    sentences = [s for s in _SENTENCE_END.split(text) if s]
    asking = next((s for s in sentences if "?" in s), None)
    if asking is not None:
        return asking[: asking.index("?") + 1]
    return sentences[0] if sentences else ""
