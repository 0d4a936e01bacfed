"""The map: the filtered tickets that have a location (open ones unless asked otherwise), as markers and a list.

The markers come from map.json, capped at the newest MAP_LIMIT: only what a marker and its list line need (folio,
where, category, status, overdue, a short label), as arrays, one query through Core and one json.dumps. A
ticket's address, times and the rest are on its page, a click away. The exports (export.csv, export.geojson)
keep every field: they are downloads. Leaflet is served from here, so with no internet the page still shows
markers, popups and the list, only without the tiles.
"""

from __future__ import annotations

import json
from datetime import datetime

from flask import Response, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import text

from bot.dashboard.blueprint import bp
from bot.dashboard.queue import filter_form, request_filters, ticket_path, url_args
from bot.dashboard.ticket_query import filtered
from bot.db.database import transaction
from bot.db.tables import OPEN_TICKET, Ticket, as_utc, utcnow
from bot.services import services
from bot.tickets.lifecycle import OPEN_STATUSES

__all__ = ["map_view", "map_markers", "MAP_LIMIT", "LABEL_CHARACTERS", "COORDINATE_DIGITS"]

MAP_LIMIT = 2000  # newest first; more markers only crowd the map and its list: the filters narrow it
LABEL_CHARACTERS = 80  # of the summary, on the popup and the list: the ticket page has the rest
COORDINATE_DIGITS = 5  # about a metre: more only lengthens the answer
MARKER_COLUMNS = (
    Ticket.folio,
    Ticket.latitude,
    Ticket.longitude,
    Ticket.category,
    Ticket.status,
    Ticket.due_at,
    Ticket.summary,
)
MARKER_FIELDS = ["folio", "latitude", "longitude", "category", "status", "overdue", "label"]


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
        data_url=url_for("dashboard.map_markers", **url_args(newest)),
        queue_url=url_for("dashboard.queue", **url_args(args)),
    )


@bp.get("/map.json")
def map_markers():
    """The newest MAP_LIMIT filtered tickets with a location, as marker rows (MARKER_FIELDS); capped says more exist."""
    filters, now = request_filters(), utcnow()
    statement = filtered(filters, now, zone=services().config.city_zone())
    sqlite = services().engine.dialect.name == "sqlite"
    if sqlite and filters.statuses == OPEN_STATUSES and not filters.overdue:
        # The condition again in the partial index's own words: SQLite's planner uses a partial index only for a
        # query that says its condition to the letter (PostgreSQL's proves it from the statuses bound, and would
        # count the condition twice in its estimates).
        statement = statement.where(text(OPEN_TICKET))
    statement = (
        statement.where(Ticket.latitude.is_not(None), Ticket.longitude.is_not(None))
        .with_only_columns(*MARKER_COLUMNS)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(MAP_LIMIT + 1)  # the one past the cap only tells that there are more
    )
    with transaction(services().engine) as db:
        rows = db.connection().execute(statement).all()
    body = {
        "fields": MARKER_FIELDS,
        "markers": [_marker(row, now) for row in rows[:MAP_LIMIT]],
        "capped": len(rows) > MAP_LIMIT,
        "limit": MAP_LIMIT,
        "ticket_path": ticket_path(""),
    }
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), mimetype="application/json")


def _marker(row, now: datetime) -> list:
    folio, latitude, longitude, category, status, due_at, summary = row
    overdue = status in OPEN_STATUSES and due_at is not None and as_utc(due_at) < now
    label = summary if len(summary) <= LABEL_CHARACTERS else summary[: LABEL_CHARACTERS - 1] + "…"
    return [
        folio,
        round(latitude, COORDINATE_DIGITS),
        round(longitude, COORDINATE_DIGITS),
        category,
        status,
        1 if overdue else 0,
        label,
    ]
