"""The operators' dashboard: sign-in, the ticket queue, a ticket, the map, survey results and the overview.

Every view needs a signed-in operator (the login page aside), every form a CSRF token, and every
query is narrowed to the operator's departments (see access.py).
"""

from __future__ import annotations

from flask import Flask

from bot.dashboard import views  # noqa: F401 - the modules that add routes to bp
from bot.dashboard.blueprint import bp
from bot.dashboard.i18n import init_i18n
from bot.dashboard.signin import init_signin

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Register the dashboard, its languages, sign-in, CSRF protection and login rate limits on the app."""
    init_i18n(app)
    init_signin(app)
    app.register_blueprint(bp)
