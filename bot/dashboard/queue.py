"""The queue: the tickets of the operator's departments, filtered, newest or most urgent first, a page at a time.

New tickets reach an open queue by polling queue.json every few seconds rather than by server-sent
events: gunicorn's gthread workers would hold a thread per open dashboard for an event stream, and
a poll that finds nothing costs one indexed query (id > the newest shown).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import jsonify, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _

from bot.dashboard.access import department_scope
from bot.dashboard.blueprint import bp
from bot.dashboard.i18n import duration, translated
from bot.dashboard.labels import label
from bot.dashboard.ticket_query import (
    PAGE_SIZE,
    FilterError,
    TicketFilters,
    fetch_page,
    filtered,
    is_overdue,
    masked_phones,
    newer_than,
    parse_cursor,
    parse_filters,
    present_values,
)
from bot.db.database import transaction
from bot.db.tables import Ticket, as_utc, utcnow
from bot.services import services
from bot.tickets.lifecycle import OPEN_STATUSES, STATUSES
from bot.translatable import N_

__all__ = [
    "queue",
    "queue_json",
    "ticket_rows",
    "ticket_path",
    "request_filters",
    "filter_form",
    "url_args",
    "CHANNEL_CHOICES",
    "city_stamp",
]

CHANNEL_CHOICES = ("whatsapp", "sms", "webchat")
POLL_SECONDS = 5


@bp.errorhandler(FilterError)
def _bad_filter(error: FilterError):
    """A filter that makes no sense is the operator's to fix: 400 with what to write instead."""
    if request.path.endswith((".json", ".geojson", ".csv")):
        return jsonify(error=translated(error)), 400
    return render_template("dashboard/error.html", title=_("Bad filter"), message=translated(error)), 400


def request_filters() -> TicketFilters:
    """The filters of this request's query string."""
    return parse_filters(request.args)


@bp.get("/")
def queue():
    """One page of the tickets the operator may see, with the filter form and the keyboard legend."""
    filters = request_filters()
    after = parse_cursor(request.args.get("after"), filters.sort)
    now = utcnow()
    with transaction(services().engine) as db:
        page = fetch_page(db, filtered(filters, now, db=db), filters.sort, after)
        rows = ticket_rows(db, page.tickets, now)
    args = filters.as_args()
    return render_template(
        "dashboard/queue.html",
        title=_("Queue"),
        rows=rows,
        filters=filters,
        form=filter_form(filters),
        next_url=url_for("dashboard.queue", **url_args(args + [("after", page.next_cursor.encode())]))
        if page.next_cursor
        else None,
        first_url=url_for("dashboard.queue", **url_args(args)) if after else None,
        live_url=_live_url(args, rows) if after is None and filters.sort == "newest" else None,
        export_csv=url_for("dashboard.export_csv", **url_args(args)),
        export_geojson=url_for("dashboard.export_geojson", **url_args(args)),
        map_url=url_for("dashboard.map_view", **url_args(args)),
        poll_seconds=POLL_SECONDS,
    )


LIVE_LOOKBACK = 20  # ids


@bp.get("/queue.json")
def queue_json():
    """Tickets newer than `since` (a ticket id) under the same filters: what the open queue adds at its top."""
    filters = request_filters()
    since = _since(request.args.get("since", ""))
    now = utcnow()
    with transaction(services().engine) as db:
        # Ids are taken at INSERT, tickets seen at COMMIT: on PostgreSQL a lower id can commit after a higher
        # one was shown. Looking a few ids back catches it; the page skips the ones it already shows.
        tickets = newer_than(db, filtered(filters, now), max(0, since - LIVE_LOOKBACK), PAGE_SIZE + LIVE_LOOKBACK)
        rows = ticket_rows(db, tickets, now)
    latest = max([since] + [row["id"] for row in rows])
    return jsonify(tickets=rows, latest=latest, more=sum(row["id"] > since for row in rows) >= PAGE_SIZE)


def _since(raw: str) -> int:
    if not re.fullmatch(r"[0-9]{1,18}", raw.strip()):
        raise FilterError(N_("since: a ticket id (a whole number)"))
    return int(raw)


def _live_url(args: list, rows: list[dict]) -> str:
    since = max((row["id"] for row in rows), default=0)
    return url_for("dashboard.queue_json", **url_args(args + [("since", str(since))]))


def url_args(args: list[tuple[str, str]]) -> dict:
    """url_for keyword arguments from (name, value) pairs, repeated names as lists."""
    merged: dict[str, list[str]] = {}
    for name, value in args:
        merged.setdefault(name, []).append(value)
    return merged


def ticket_rows(db, tickets: list[Ticket], now: datetime) -> list[dict]:
    """What the queue shows of each ticket (phone numbers masked), as plain values for a template or JSON."""
    phones = masked_phones(db, tickets)
    departments = services().flows.departments
    return [_row(ticket, phones.get(ticket.contact_id, ""), departments, now) for ticket in tickets]


def _row(ticket: Ticket, phone: str, departments: dict, now: datetime) -> dict:
    department = departments.get(ticket.department)
    return {
        "id": ticket.id,
        "folio": ticket.folio,
        "url": ticket_path(ticket.folio),
        "category": ticket.category,
        "department": department.name if department else ticket.department,
        "channel": ticket.channel,
        "phone": phone,
        "status": ticket.status,
        "status_label": label("status", ticket.status),
        "summary": ticket.summary,
        "received": as_utc(ticket.created_at).isoformat(),
        "received_text": city_stamp(ticket.created_at),
        "due": as_utc(ticket.due_at).isoformat() if ticket.due_at else None,
        "due_text": _due_text(ticket, now),
        "overdue": is_overdue(ticket, now),
    }


def ticket_path(folio: str) -> str:
    """The ticket page's path (dashboard.ticket, built by its own module)."""
    return f"{url_for('dashboard.queue')}tickets/{folio}"


def city_stamp(moment: datetime) -> str:
    """A stored moment on the city's clock (CITY_TIMEZONE, Babel's default zone) in the operator's locale:
    22 nov 2026, 23:30:00 (es-MX) or Nov 22, 2026, 11:30:00 PM (en)."""
    return format_datetime(as_utc(moment), "short")


def _due_text(ticket: Ticket, now: datetime) -> str:
    """'in 2d 4h', 'overdue 3h', or '' for a closed ticket or one without a deadline."""
    if ticket.due_at is None or ticket.status not in OPEN_STATUSES:
        return ""
    left = as_utc(ticket.due_at) - as_utc(now)
    return _("in %(span)s", span=duration(left)) if left > timedelta(0) else _("overdue %(span)s", span=duration(-left))


def filter_form(filters: TicketFilters) -> dict:
    """The options of the filter form: statuses, the categories of the flows, the operator's departments, channels,
    and the colonias and zones their tickets were placed in."""
    flows = services().flows
    scope = department_scope()
    with transaction(services().engine) as db:
        colonias, zones = present_values(db, Ticket.colonia), present_values(db, Ticket.zone)
    zone_names = {z.id: z.name or z.id for z in flows.zones}
    departments = [(d.id, d.name) for d in flows.departments.values() if scope is None or d.id in scope]
    categories = sorted({f.outcome.category for f in flows.flows.values() if f.outcome.category} | {"handover"})
    status_value = (
        "open" if filters.statuses == OPEN_STATUSES else "all" if not filters.statuses else ",".join(filters.statuses)
    )
    return {
        "statuses": [("open", _("Open")), ("all", _("All"))]
        + [(s, label("status", s)) for s in STATUSES]
        + ([(status_value, status_value.replace(",", ", "))] if "," in status_value else []),
        "status": status_value,
        "categories": sorted(set(categories) | set(filters.categories)),
        "departments": departments,
        "channels": CHANNEL_CHOICES,
        "colonias": sorted(set(colonias) | set(filters.colonias)),
        "zones": [(z, zone_names.get(z, z)) for z in sorted(set(zones) | set(filters.zones))],
    }
