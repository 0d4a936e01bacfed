"""The map: the filtered tickets that have a location (open ones unless asked otherwise), as markers and a list.

The markers come from export.geojson, capped at the newest MAP_LIMIT; Leaflet is served from here,
so with no internet the page still shows markers, popups and the list, only without the tiles.
"""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _

from bot.dashboard.blueprint import bp
from bot.dashboard.queue import filter_form, request_filters, url_args

__all__ = ["map_view", "MAP_LIMIT"]

MAP_LIMIT = 5000


@bp.get("/map")
def map_view():
    """The map page; its script fetches the markers with the same filters."""
    filters = request_filters()
    args = filters.as_args()
    newest = [(name, value) for name, value in args if name != "sort"]  # the cap keeps the newest, whatever the sort
    return render_template(
        "dashboard/map.html",
        title=_("Map"),
        filters=filters,
        form=filter_form(filters),
        limit=MAP_LIMIT,
        data_url=url_for("dashboard.export_geojson", **url_args(newest + [("limit", str(MAP_LIMIT))])),
        queue_url=url_for("dashboard.queue", **url_args(args)),
    )
