"""Import every module that adds routes to the dashboard blueprint (one module per page), and the menu."""

from __future__ import annotations

from flask import current_app

from bot.dashboard import (  # noqa: F401 - modules that add routes to bp
    admin,
    auth,
    export,
    mapview,
    overview,
    privacy_requests,
    queue,
    results,
    ticket,
)
from bot.dashboard.access import handles_privacy, is_admin, sees_tickets
from bot.dashboard.blueprint import bp
from bot.dashboard.queue import city_stamp
from bot.db.tables import as_utc
from bot.services import services

# (endpoint, label, who sees it) in menu order; a page appears once its module is imported above
NAV = (
    ("dashboard.queue", "Queue", sees_tickets),
    ("dashboard.map_view", "Map", sees_tickets),
    ("dashboard.overview", "Overview", sees_tickets),
    ("dashboard.surveys", "Surveys", sees_tickets),
    ("dashboard.privacy_requests", "ARCO requests", handles_privacy),
    ("dashboard.operators", "Operators", is_admin),
)


@bp.app_template_filter("iso_utc")
def _iso_utc(moment) -> str:
    """A stored moment as ISO 8601 with its UTC offset, for <time datetime> (the browser shows it on the city's clock)."""
    return as_utc(moment).isoformat()


@bp.app_template_filter("city_time")
def _city_time(moment) -> str:
    """A stored moment on the city's clock (CITY_TIMEZONE), its zone abbreviated: the text shown without JavaScript."""
    return city_stamp(moment)


@bp.app_template_global("city_timezone")
def _city_timezone() -> str:
    """The city's IANA time zone, in which local-time.js shows times (data-zone)."""
    return services().config.city_timezone


@bp.context_processor
def _menu() -> dict:
    from flask_login import current_user

    if not current_user.is_authenticated:
        return {"dashboard_nav": []}
    return {
        "dashboard_nav": [
            (endpoint, label) for endpoint, label, sees in NAV if endpoint in current_app.view_functions and sees()
        ]
    }
