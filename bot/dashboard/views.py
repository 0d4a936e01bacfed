"""Import every module that adds routes to the dashboard blueprint (one module per page), and the menu."""

from __future__ import annotations

from flask import current_app

from bot.dashboard import admin, auth, export, mapview, overview, queue, results, ticket  # noqa: F401 - modules that add routes to bp
from bot.dashboard.access import is_admin
from bot.dashboard.blueprint import bp
from bot.db.tables import as_utc

# (endpoint, label, admins only) in menu order; a page appears once its module is imported above
NAV = (
    ("dashboard.queue", "Queue", False),
    ("dashboard.map_view", "Map", False),
    ("dashboard.overview", "Overview", False),
    ("dashboard.surveys", "Surveys", False),
    ("dashboard.operators", "Operators", True),
)


@bp.app_template_filter("iso_utc")
def _iso_utc(moment) -> str:
    """A stored moment as ISO 8601 with its UTC offset, for <time datetime> (the browser shows it locally)."""
    return as_utc(moment).isoformat()


@bp.context_processor
def _menu() -> dict:
    from flask_login import current_user

    if not current_user.is_authenticated:
        return {"dashboard_nav": []}
    sees_all = is_admin()
    return {
        "dashboard_nav": [
            (endpoint, label)
            for endpoint, label, admins_only in NAV
            if endpoint in current_app.view_functions and (sees_all or not admins_only)
        ]
    }
