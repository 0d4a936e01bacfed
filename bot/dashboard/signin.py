"""Who is signed in: Flask-Login over server-side sessions, CSRF on every form, login rate limits in Redis."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.dashboard.blueprint import bp
from bot.db.tables import Operator
from bot.operators import session_operator
from bot.services import services

__all__ = ["SignedIn", "csrf", "login_manager", "login_limiter", "init_signin", "PUBLIC_ENDPOINTS"]

login_manager = LoginManager()
csrf = CSRFProtect()
PUBLIC_ENDPOINTS = {"dashboard.login", "dashboard.static"}  # all else under /dashboard needs a signed-in operator
BACKGROUND_ENDPOINTS = {"dashboard.queue_json"}  # what a page asks for by itself: it does not keep a session alive
# Sign-in attempts are counted in the same Redis as the web chat's limits (bot/web/ratelimit.py), but by a
# limiter of their own that fails closed: while Redis cannot count, a guesser gets a 503, not unlimited tries
# (auth.fail_closed). The residents' limits go on failing open, so the chat keeps answering.
login_limiter = Limiter(
    get_remote_address,
    storage_uri="redis://",
    storage_options={"wrap_exceptions": True},  # any storage failure is a limits.errors.StorageError
    swallow_errors=False,
    headers_enabled=True,
)


class SignedIn(UserMixin):
    """The signed-in operator as Flask-Login sees them: the id is the server-side session's token."""

    def __init__(self, operator: Operator, token: str):
        self.operator, self.token = operator, token

    def get_id(self) -> str:
        return self.token

    @property
    def is_active(self) -> bool:
        return self.operator.active


def init_signin(app: Flask) -> None:
    """Configure cookies, Flask-Login and CSRF for the app, and guard every dashboard view."""
    config = services_config(app)
    app.config.update(
        SESSION_COOKIE_SECURE=config.session_cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="ventanilla_session",
        REMEMBER_COOKIE_DURATION=timedelta(0),
        WTF_CSRF_CHECK_DEFAULT=False,  # webhooks are signed by providers; only dashboard forms carry tokens
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the (idle-limited) session
    )
    login_manager.login_view = "dashboard.login"
    login_manager.session_protection = None  # the server-side session is what is checked and revoked
    login_manager.init_app(app)
    login_limiter.init_app(app)  # in the app's Redis: init_limiter set RATELIMIT_STORAGE_OPTIONS before this
    csrf.init_app(app)
    app.register_error_handler(CSRFError, _csrf_failed)


def services_config(app: Flask):
    return app.extensions["ventanilla"].config


@login_manager.user_loader
def _load(token: str) -> SignedIn | None:
    svc = services()
    by_itself = request.endpoint in BACKGROUND_ENDPOINTS  # polling is not the operator at the desk
    operator = session_operator(
        svc.engine,
        token,
        timedelta(minutes=svc.config.session_idle_minutes),
        touch=not by_itself,
        lifetime=timedelta(hours=svc.config.session_lifetime_hours),
    )
    return SignedIn(operator, token) if operator else None


@login_manager.unauthorized_handler
def _unauthorized():
    if _wants_json():
        return jsonify(error="sign in first"), 401
    return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))


@bp.before_request
def _guard():
    """Every dashboard view but the login page needs a signed-in operator; every change a CSRF token."""
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        session.pop("_user_id", None)
        return login_manager.unauthorized()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.path.endswith((".json", ".geojson"))


@bp.after_request
def _no_caching(response):
    """No caching of residents' data; the CSP, framing and other headers are the app's (bot/web/headers.py)."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _csrf_failed(error: CSRFError):
    if _wants_json():
        return jsonify(error=error.description), 400
    return render_template("dashboard/error.html", title=_("Form expired"), message=error.description), 400
