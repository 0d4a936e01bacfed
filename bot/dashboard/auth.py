"""Signing in and out."""

from __future__ import annotations

import hashlib
import hmac
import logging
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from limits.errors import StorageError
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from bot.dashboard.blueprint import bp
from bot.dashboard.signin import SignedIn, login_limiter
from bot.db.database import transaction
from bot.operators import authenticate, end_session, start_session
from bot.services import services

log = logging.getLogger(__name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


def _too_many() -> str:
    """The 429's text, in the language of the page it answers."""
    return _("Too many sign-in attempts; wait a minute.")


def _login_limit() -> str:
    return services().config.login_rate_limit


def _account_key() -> str:
    """Sign-in attempts count per account by its tag: the limiter logs its keys, and Redis keeps them."""
    return "account:" + account_tag(request.form.get("email") or "")


def account_tag(email: str) -> str:
    """What the log says of a typed email: a keyed hash (the same account, the same tag), never the address."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    typed = (email or "").strip().lower().encode()
    return hmac.new(key, b"sign-in log\0" + typed, hashlib.sha256).hexdigest()[:16]


def fail_closed(view):
    """Sign-in attempts are refused (503), not let through uncounted, while the limits' Redis cannot count them."""

    @wraps(view)
    def guarded(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except StorageError as exc:
            log.error("sign-in refused: the attempt limits cannot be counted (%s)", type(exc.storage_error).__name__)
            flash(
                _("Signing in is unavailable for a moment (attempts cannot be counted). Try again in a minute."),
                "error",
            )
            return render_template("dashboard/login.html", form=LoginForm()), 503, {"Retry-After": "60"}

    return guarded


@bp.route("/login", methods=["GET", "POST"])
@fail_closed
@login_limiter.limit(_login_limit, methods=["POST"], error_message=_too_many)
@login_limiter.limit(_login_limit, methods=["POST"], key_func=_account_key, error_message=_too_many)
def login():
    """Show the sign-in form; on good credentials open a server-side session and go to the queue."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.queue"))
    form = LoginForm()
    if form.validate_on_submit():
        svc = services()
        with transaction(svc.engine, immediate=True) as db:
            operator = authenticate(db, form.email.data, form.password.data)
            token = start_session(db, operator) if operator else None
        if operator is None:
            log.info("failed sign-in for account %s from %s", account_tag(form.email.data), request.remote_addr)
            flash(_("Wrong email or password."), "error")
            return render_template("dashboard/login.html", form=form), 401
        session.clear()  # a session fixed before sign-in carries nothing over
        login_user(SignedIn(operator, token))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("dashboard/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout():
    """End the session on the server too: the old cookie signs nobody in."""
    with transaction(services().engine, immediate=True) as db:
        end_session(db, current_user.token)
    logout_user()
    session.clear()
    flash(_("Signed out."), "info")
    return redirect(url_for("dashboard.login"))


def _safe_next(target: str | None) -> str:
    """Only a path inside the dashboard: never another site."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and parts.path.startswith("/dashboard/") and "\\" not in target:
        return target
    return url_for("dashboard.queue")
