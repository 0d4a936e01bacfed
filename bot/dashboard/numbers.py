"""The request's locale for the dashboard's numbers (bot/numbers.py writes them as Babel does)."""

from __future__ import annotations

from flask import g
from flask_babel import get_locale

__all__ = ["request_locale"]


def request_locale() -> str:
    """This request's locale name (es_MX, en), asked of Flask-Babel once per request rather than per number
    (bot/dashboard/views.py forgets it when the operator changes language mid-request)."""
    name = g.get("number_locale")
    if name is None:
        name = g.number_locale = str(get_locale())
    return name
