"""Import every module that adds routes to the dashboard blueprint (one module per page), and the menu."""

from __future__ import annotations

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime, format_percent, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from bot.dashboard import (  # noqa: F401 - modules that add routes to bp
    admin,
    apikeys,
    auth,
    campaigns,
    export,
    labels,
    mapview,
    overview,
    privacy_requests,
    qr_cards,
    queue,
    results,
    ticket,
)
from bot.dashboard.access import handles_privacy, is_admin, me, sees_tickets
from bot.dashboard.blueprint import bp
from bot.dashboard.i18n import current_language
from bot.dashboard.numbers import request_locale
from bot.db.database import transaction
from bot.db.tables import Operator, as_utc
from bot.i18n import LANGUAGE_NAMES, LANGUAGES
from bot.numbers import format_count, format_fixed
from bot.services import services

# (endpoint, label, who sees it) in menu order; a page appears once its module is imported above
NAV = (
    ("dashboard.queue", _l("Queue"), sees_tickets),
    ("dashboard.map_view", _l("Map"), sees_tickets),
    ("dashboard.overview", _l("Overview"), sees_tickets),
    ("dashboard.surveys", _l("Surveys"), sees_tickets),
    ("dashboard.privacy_requests", _l("ARCO requests"), handles_privacy),
    ("dashboard.campaigns", _l("Campaigns"), is_admin),
    ("dashboard.operators", _l("Operators"), is_admin),
    ("dashboard.apikeys", _l("API keys"), is_admin),
)


@bp.app_template_filter("iso_utc")
def _iso_utc(moment) -> str:
    """A stored moment as ISO 8601 with its UTC offset, for <time datetime> (the browser shows it on the city's clock)."""
    return as_utc(moment).isoformat()


@bp.app_template_filter("city_time")
def _city_time(moment) -> str:
    """A stored moment on the city's clock (CITY_TIMEZONE, Babel's default zone) in the operator's locale: the text
    shown without JavaScript."""
    return format_datetime(as_utc(moment), "short")


# The dashboard's own error pages, in the operator's language (a 404 also for a ticket of another department).
ERRORS = {
    403: (_l("Not allowed"), _l("Your role does not allow this page or action; an admin can change your role.")),
    404: (_l("Not found"), _l("There is nothing here, or it belongs to a department you do not work for.")),
    405: (_l("Not allowed"), _l("This address does not take that kind of request.")),
}


def _error_page(error: HTTPException):
    title, message = ERRORS[error.code or 404]
    if request.accept_mimetypes.best == "application/json" or request.path.endswith((".json", ".geojson", ".csv")):
        return jsonify(error=str(title)), error.code
    return render_template("dashboard/error.html", title=str(title), message=str(message)), error.code


for _code in ERRORS:
    bp.register_error_handler(_code, _error_page)


@bp.app_errorhandler(404)
def _unknown_address(error: HTTPException):
    """An address under /dashboard/ that no route matches gets the dashboard's own 404 page, in the operator's
    language (the blueprint's handlers above only see errors of its routes); other addresses keep theirs."""
    if request.blueprint is not None or not request.path.startswith(f"{bp.url_prefix}/"):
        return error
    if request.accept_mimetypes.best == "application/json" or request.path.endswith((".json", ".geojson", ".csv")):
        return _error_page(error)
    title, message = ERRORS[404]
    page = {"title": str(title), "message": str(message)}
    for processor in current_app.template_context_processors.get(bp.name, ()):  # no route: not run by Flask
        page.update(processor())
    return render_template("dashboard/error.html", **page), 404


@bp.app_template_global("language_name")
def _language_name(code: str | None) -> str:
    """A language code as its own name (Español, English)."""
    return LANGUAGE_NAMES.get(code or "", code or "—")


@bp.app_template_filter("number")
def _number(value) -> str:
    """A count in the operator's locale (1,234 or 1,234 — es-MX groups with commas too)."""
    return format_count(value, request_locale())


@bp.app_template_filter("decimal")
def _decimal(value, pattern: str = "0.0") -> str:
    """A decimal in the operator's locale with a Babel pattern's digits (0.0, 0.00)."""
    return format_fixed(value, pattern, request_locale())


@bp.app_template_filter("percent")
def _percent(value) -> str:
    """A share (0..1) as a whole percentage in the operator's locale."""
    return format_percent(value)


@bp.app_template_global("city_timezone")
def _city_timezone() -> str:
    """The city's IANA time zone, in which local-time.js shows times (data-zone)."""
    return services().config.city_timezone


@bp.context_processor
def _menu() -> dict:
    from flask_login import current_user

    languages = {
        "dashboard_languages": list(LANGUAGE_NAMES.items()),
        "current_language": current_language(),
        "script_texts": script_texts,
    }
    if not current_user.is_authenticated:
        return {"dashboard_nav": [], **languages}
    return {
        "dashboard_nav": [
            (endpoint, label) for endpoint, label, sees in NAV if endpoint in current_app.view_functions and sees()
        ],
        **languages,
    }


def script_texts() -> dict:
    """What the pages' scripts write (map.js, queue.js), in the operator's language: base.html hands them over as a
    JSON block that local-time.js reads (window.ventanillaText); %(name)s is filled in by the script."""
    return {
        "map_one": _("%(count)s ticket with a location."),
        "map_many": _("%(count)s tickets with a location."),
        "map_capped": _(
            "Showing the newest %(count)s tickets with a location; there are more: narrow the filters to see them."
        ),
        "map_failed": _("Could not load the tickets (%(error)s); reload to try again."),
        "map_show": _("show"),
        "overdue": _("overdue"),
        "live": _("new tickets appear here by themselves"),
        "live_many": _("many new tickets: reload to see them all"),
        "live_signed_out": _("signed out: reload to sign in again"),
        "live_offline": _("no connection; retrying"),
        "statuses": {code: str(text) for code, text in labels.STATUSES.items()},
    }


@bp.post("/language")
def language():
    """Store the signed-in operator's dashboard language (es or en) and go back to the page they were on."""
    chosen = request.form.get("language", "")
    if chosen not in LANGUAGES:
        flash(_("Choose Español or English."), "error")
    else:
        with transaction(services().engine, immediate=True) as db:
            operator = db.get(Operator, me().id)
            operator.language = chosen
            db.add(operator)
        me().language = chosen  # this request's copy too: the flash below is in the new language
        refresh()  # Flask-Babel chose this request's locale already
        g.pop("number_locale", None)  # and the numbers' with it
        flash(_("The dashboard now speaks %(language)s.", language=LANGUAGE_NAMES[chosen]), "info")
    return redirect(_back_to(request.form.get("next")))


def _back_to(target: str | None) -> str:
    """The dashboard page the form was on; never another site."""
    if target and target.startswith("/dashboard/") and "//" not in target and "\\" not in target:
        return target
    return url_for("dashboard.queue")
