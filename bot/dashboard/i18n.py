"""The dashboard in the operator's language: Flask-Babel with the locale chosen per request.

Signed in, the operator's stored language (Operator.language); before that (the login page), the best of
the browser's Accept-Language among es and en, else Spanish. Dates are shown in the city's time zone
(CITY_TIMEZONE is Babel's default time zone).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale, gettext
from flask_login import current_user

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, TRANSLATIONS, babel_locale, html_lang, language_or_default
from bot.reports import format_duration
from bot.translatable import Code, TranslatableText

__all__ = ["init_i18n", "current_language", "select_locale", "translated", "duration"]

babel = Babel()


def current_language() -> str:
    """The language this request's pages speak: es or en (Spanish outside a request)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if current_user and current_user.is_authenticated:
        return language_or_default(current_user.operator.language)
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def select_locale() -> str:
    """Flask-Babel's locale selector: es_MX or en."""
    return babel_locale(current_language())


def translated(message: BaseException | str) -> str:
    """What a lower layer said (a TranslatableError, or a TranslatableText) in this request's language.

    Its English template is looked up in the catalogue and filled with the same params; params that are
    Texts are translated too, and stored codes (Code) show as their labels. Anything else (a plain
    exception, a string) is shown as it is.
    """
    text = getattr(message, "text", message)
    if not isinstance(text, TranslatableText):
        return str(message)
    if not text.params:
        return gettext(text.template)
    return gettext(text.template, **{name: _param(value) for name, value in text.params.items()})


def _param(value):
    """A param as this request's language says it: a TranslatableText translated, a Code as its label, else as it is."""
    from bot.dashboard.labels import label  # labels registers a template global on the blueprint

    if isinstance(value, Code):
        return label(value.kind, value)
    if isinstance(value, TranslatableText):
        return translated(value)
    return value


def duration(span: timedelta) -> str:
    """A duration in this request's locale, CLDR's narrow units: 3d 4h (en), 5h 20min (es-MX)."""
    return format_duration(span, str(get_locale() or babel_locale(DEFAULT_LANGUAGE)))


def init_i18n(app: Flask) -> None:
    """Flask-Babel on the app, in the city's time zone, with `html_lang` for the pages' <html lang> and `duration` for their spans."""
    config = app.extensions["ventanilla"].config
    app.config.update(
        BABEL_DEFAULT_LOCALE=babel_locale(DEFAULT_LANGUAGE),
        BABEL_DEFAULT_TIMEZONE=config.city_timezone,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
    )
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _language() -> dict:
        return {"html_lang": html_lang(str(get_locale() or DEFAULT_LANGUAGE)[:2]), "duration": duration}
