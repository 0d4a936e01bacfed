"""CSV and GeoJSON exports of the tickets the queue's filters select, streamed a batch at a time.

Only the operator's departments, and no resident's phone number or name: exported files travel (mail,
shared drives) beyond the dashboard's sign-in, and an operator who must call back opens the ticket's page.
CSV cells a spreadsheet would run as a formula are defused, and a BOM tells Excel the file is UTF-8.
Times are the city's (CITY_TIMEZONE), ISO 8601 with their UTC offset; the CSV's header names the zone.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime, tzinfo

from flask import Response, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import load_only

from bot.dashboard.blueprint import bp
from bot.dashboard.queue import request_filters, ticket_path
from bot.dashboard.ticket_query import FilterError, fetch_page, filtered, is_overdue
from bot.db.database import transaction
from bot.db.tables import Ticket, utcnow
from bot.reports.spreadsheets import defuse
from bot.reports.surveys import iso_in
from bot.services import services
from bot.translatable import N_

__all__ = ["export_csv", "export_geojson", "MAX_LIMIT"]

BATCH = 1000
MAX_LIMIT = 100_000
RECORD_KEYS = (
    "folio",
    "received",
    "status",
    "department",
    "category",
    "channel",
    "priority",
    "summary",
    "address",
    "latitude",
    "longitude",
    "colonia",
    "zone",
    "geo_method",
    "geo_confidence",
    "due",
    "overdue",
)
TIMED = ("received", "due")  # their CSV headings name the zone: "received (America/Monterrey)"
# The CSV's headings in the operator's language; in English they are the keys themselves (as the GeoJSON's).
HEADINGS = {
    "folio": _l("folio"),
    "received": _l("received"),
    "status": _l("status"),
    "department": _l("department"),
    "category": _l("category"),
    "channel": _l("channel"),
    "priority": _l("priority"),
    "summary": _l("summary"),
    "address": _l("address"),
    "latitude": _l("latitude"),
    "longitude": _l("longitude"),
    "colonia": _l("colonia"),
    "zone": _l("zone"),
    "geo_method": _l("geo_method"),
    "geo_confidence": _l("geo_confidence"),
    "due": _l("due"),
    "overdue": _l("overdue"),
}


@bp.get("/export.csv")
def export_csv():
    """The filtered tickets as a spreadsheet (UTF-8 with BOM), newest first unless sorted by urgency."""
    filters, now, zone = request_filters(), utcnow(), services().config.city_zone()
    records = _records(_statement(filters, now, zone), filters.sort, now, _limit(), zone)
    return Response(
        stream_with_context(_csv_chunks(records, zone)),
        mimetype="text/csv",
        headers=_attachment(f"ventanilla-tickets-{now.astimezone(zone):%Y-%m-%d}.csv"),
    )


@bp.get("/export.geojson")
def export_geojson():
    """The filtered tickets that have a location, as a GeoJSON FeatureCollection ([longitude, latitude])."""
    filters, now, limit, zone = request_filters(), utcnow(), _limit(), services().config.city_zone()
    statement = _statement(filters, now, zone).where(Ticket.latitude.is_not(None), Ticket.longitude.is_not(None))
    records = _records(statement, filters.sort, now, limit + 1 if limit else None, zone)
    return Response(
        stream_with_context(_geojson_chunks(records, limit)),
        mimetype="application/geo+json",
        headers=_attachment(f"ventanilla-tickets-{now.astimezone(zone):%Y-%m-%d}.geojson"),
    )


def _statement(filters, now: datetime, zone: tzinfo):
    """The filtered tickets' select, a text search narrowed by the text index in a short transaction of its own."""
    with transaction(services().engine) as db:
        return filtered(filters, now, zone=zone, db=db)


def _limit() -> int | None:
    """At most this many tickets (the map asks for the newest few thousand); None: all of them."""
    raw = request.args.get("limit", "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{1,6}", raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise FilterError(N_("limit: a whole number from 1 to %(limit)d"), limit=MAX_LIMIT)
    return int(raw)


def _attachment(filename: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


# What a record reads of a ticket: loading its answers, media and search text too (JSON parsed into every object)
# made the map's 5,000 newest tickets cost more than the query.
RECORD_COLUMNS = (
    Ticket.folio,
    Ticket.created_at,
    Ticket.status,
    Ticket.department,
    Ticket.category,
    Ticket.channel,
    Ticket.priority,
    Ticket.summary,
    Ticket.address,
    Ticket.latitude,
    Ticket.longitude,
    Ticket.colonia,
    Ticket.zone,
    Ticket.geo_method,
    Ticket.geo_confidence,
    Ticket.due_at,
)


def _records(statement, sort: str, now: datetime, limit: int | None, zone: tzinfo) -> Iterator[dict]:
    """The statement's tickets as export records, read a keyset batch at a time in short transactions."""
    engine, departments, after, left = services().engine, services().flows.departments, None, limit
    statement = statement.options(load_only(*RECORD_COLUMNS))
    while left is None or left > 0:
        with transaction(engine) as db:
            page = fetch_page(db, statement, sort, after, min(BATCH, left or BATCH))
        for ticket in page.tickets:
            yield _record(ticket, departments, now, zone)
        left = None if left is None else left - len(page.tickets)
        if page.next_cursor is None:
            return
        after = page.next_cursor


def _record(ticket: Ticket, departments: dict, now: datetime, zone: tzinfo) -> dict:
    department = departments.get(ticket.department)
    return {
        "folio": ticket.folio,
        "received": _iso(ticket.created_at, zone),
        "status": ticket.status,
        "department": department.name if department else ticket.department,
        "category": ticket.category,
        "channel": ticket.channel,
        "priority": ticket.priority,
        "summary": ticket.summary,
        "address": ticket.address or "",
        "latitude": ticket.latitude,
        "longitude": ticket.longitude,
        "colonia": ticket.colonia or "",
        "zone": ticket.zone or "",
        "geo_method": ticket.geo_method or "",
        "geo_confidence": ticket.geo_confidence,
        "due": _iso(ticket.due_at, zone),
        "overdue": is_overdue(ticket, now),
        "url": ticket_path(ticket.folio),
    }


def _iso(moment: datetime | None, zone: tzinfo) -> str:
    """A stored moment in the city's time, ISO 8601 with its offset: 2026-11-22T23:30:00-06:00."""
    return iso_in(moment, zone) if moment else ""


def csv_columns(zone: tzinfo) -> list[str]:
    """The CSV's header: the record's keys, the times named by their zone."""
    name = getattr(zone, "key", None) or str(zone)
    return [f"{HEADINGS[key]} ({name})" if key in TIMED else str(HEADINGS[key]) for key in RECORD_KEYS]


def _csv_chunks(records: Iterator[dict], zone: tzinfo) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(csv_columns(zone))
    for n, record in enumerate(records, 1):
        writer.writerow([_csv_cell(record[key]) for key in RECORD_KEYS])
        if n % BATCH == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _csv_cell(value) -> object:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "" if value is None else defuse(value)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _geojson_chunks(records: Iterator[dict], limit: int | None) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    capped = False
    for n, record in enumerate(records):
        if limit is not None and n >= limit:
            capped = True  # the one read past the limit only tells that there are more
            break
        yield ("," if n else "") + json.dumps(_feature(record), ensure_ascii=False, separators=(",", ":"))
    yield f'],"capped":{json.dumps(capped)},"limit":{json.dumps(limit)}}}'


def _feature(record: dict) -> dict:
    properties = {key: value for key, value in record.items() if key not in ("latitude", "longitude")}
    return {
        "type": "Feature",
        "id": record["folio"],
        "geometry": {"type": "Point", "coordinates": [record["longitude"], record["latitude"]]},
        "properties": properties,
    }
