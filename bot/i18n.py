"""The dashboard's languages and its message catalogue (bot/translations), inside a request or outside one.

Msgids are English; bot/translations/es/LC_MESSAGES/messages.po is the Spanish (es-MX) catalogue, the
default. Pages read it through Flask-Babel (bot/dashboard/i18n.py chooses the locale per request); what runs
outside a request (the emails a department reads, the worker) asks `translator(language)` here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "DEFAULT_LANGUAGE",
    "TRANSLATIONS",
    "html_lang",
    "babel_locale",
    "language_or_default",
    "translator",
]

LANGUAGES = ("es", "en")  # what Operator.language may hold: Spanish first, the city's
DEFAULT_LANGUAGE = "es"
LANGUAGE_NAMES = {"es": "Español", "en": "English"}  # each in its own words, as language switches show them
TRANSLATIONS = Path(__file__).parent / "translations"
# The locale Babel formats dates and numbers in, and the <html lang> the browser's date pickers follow.
_LOCALES = {"es": "es_MX", "en": "en"}


def language_or_default(language: str | None) -> str:
    """A stored or asked-for language as one of LANGUAGES; anything else is the default (Spanish)."""
    language = (language or "").strip().lower()[:2]
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def babel_locale(language: str | None) -> str:
    """The Babel locale for a language: es → es_MX (the city's Spanish), en → en."""
    return _LOCALES[language_or_default(language)]


def html_lang(language: str | None) -> str:
    """The BCP 47 tag for <html lang>: es-MX or en."""
    return babel_locale(language).replace("_", "-")


@cache
def translator(language: str | None) -> NullTranslations:
    """The compiled catalogue for a language (English, the msgids, needs none)."""
    return Translations.load(str(TRANSLATIONS), [babel_locale(language)], "messages")
