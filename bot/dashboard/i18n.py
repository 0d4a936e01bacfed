"""The dashboard in the operator's language: Flask-Babel with the locale chosen per request.

Signed in, the operator's stored language (Operator.language); before that (the login page), the best of
the browser's Accept-Language among es and en, else Spanish. Dates are shown in the city's time zone
(CITY_TIMEZONE is Babel's default time zone).
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale
from flask_login import current_user

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, TRANSLATIONS, babel_locale, html_lang, language_or_default

__all__ = ["init_i18n", "current_language", "select_locale"]

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


def init_i18n(app: Flask) -> None:
    """Flask-Babel on the app, in the city's time zone, with `html_lang` for the pages' <html lang>."""
    config = app.extensions["ventanilla"].config
    app.config.update(
        BABEL_DEFAULT_LOCALE=babel_locale(DEFAULT_LANGUAGE),
        BABEL_DEFAULT_TIMEZONE=config.city_timezone,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
    )
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _language() -> dict:
        return {"html_lang": html_lang(str(get_locale() or DEFAULT_LANGUAGE)[:2])}
