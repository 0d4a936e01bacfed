"""The overview: tickets per category per week, median time to resolve, share per channel, overdue count, and
residents' satisfaction per department (their answers to the follow-up on resolved tickets)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from bot.dashboard.access import department_scope
from bot.dashboard.blueprint import bp
from bot.db.database import transaction
from bot.db.tables import utcnow
from bot.reports import Overview
from bot.reports import overview as overview_figures
from bot.services import services

WEEKS = 12


@bp.get("/overview")
def overview():
    """The operator's departments' figures over the last weeks (the city's weeks), as charts with tables beside them."""
    svc = services()
    with transaction(svc.engine) as db:
        figures = overview_figures(db, department_scope(), utcnow(), WEEKS, svc.config.city_zone())
    return render_template(
        "dashboard/overview.html",
        title=_("Overview"),
        figures=figures,
        charts=overview_charts(figures),
        weeks=WEEKS,
        departments={d.id: d.name for d in svc.flows.departments.values()},
    )


def overview_charts(figures: Overview) -> dict:
    """The charts' data, rendered as JSON blocks that charts.js draws."""
    return {
        "per-week": {
            "type": "bar",
            "stacked": True,
            "title": _("Tickets per category per week"),
            "labels": [monday.isoformat() for monday in figures.weeks],
            "datasets": [{"label": category, "data": counts} for category, counts in figures.per_category_week.items()],
        },
        "resolve": {
            "type": "bar",
            "horizontal": True,
            "title": _("Median time to resolve (hours)"),
            "labels": list(figures.median_resolve),
            "datasets": [
                {
                    "label": _("Hours"),
                    "data": [round(median.total_seconds() / 3600, 1) for median, _ in figures.median_resolve.values()],
                }
            ],
        },
        "channels": {
            "type": "doughnut",
            "title": _("Tickets per channel"),
            "labels": [channel for channel, _ in figures.channels],
            "datasets": [{"label": _("Tickets"), "data": [count for _, count in figures.channels]}],
        },
    }
