"""ARCO requests: the queue of residents' rectification, cancellation and opposition requests, one request's page,
and the decisions on it (fulfil, reject with a legal reason, extend once), which bot/privacy/decisions.py takes.

Privacy officers (role privacy) and admins reach these pages; operators and viewers get 403. A privacy officer
sees nothing else of the dashboard: tickets, the map, exports and surveys answer 403, and the dashboard's home
shows them this queue. A request's page shows what the request needs of the contact (their masked number, their
name, the folios and counts of what is kept), never a ticket's conversation or photos.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import Session, select

from bot.dashboard.access import me, privacy_required, sees_tickets
from bot.dashboard.blueprint import bp
from bot.dashboard.i18n import translated
from bot.db.database import transaction
from bot.db.tables import Contact, ContactAddress, Operator, PrivacyEvent, PrivacyRequest, as_utc
from bot.flows import Flows
from bot.flows.model import Privacy
from bot.jobs.outbox import unit_of_work
from bot.messaging.phones import mask_phone
from bot.privacy.calendar import business_days_between
from bot.privacy.decisions import (
    MAX_NAME,
    MAX_RESPONSE,
    REASON_PREFIX,
    Decision,
    DecisionError,
    RequestClosedError,
    extend,
    find_request,
    fulfil,
    reject,
    rejection_reasons,
)
from bot.privacy.inventory import summary
from bot.privacy.requests import privacy_of
from bot.services import services

__all__ = ["privacy_requests", "privacy_request", "queue_rows"]

OPEN_SHOWN = 500  # open requests on the queue, most urgent first (a city gets a handful a month)
CLOSED_SHOWN = 50  # the latest closed ones below them
EVENTS_SHOWN = 200
FOLIO_SHAPE = re.compile(r"[0-9A-Za-z-]{1,40}")
OFFICER_ENDPOINTS = {"dashboard.login", "dashboard.logout", "dashboard.static"}  # besides this module's pages
STATUS_BADGES = {"open": "received", "fulfilled": "resolved", "rejected": "rejected"}  # dashboard.css's colours
# An action: (session, flows, request, operator) -> the decision it took
Action = Callable[[Session, Flows, PrivacyRequest, Operator], Decision]


@bp.before_request
def _officers_see_requests_only():
    """A privacy officer reaches the ARCO pages only; their home (the ticket queue's address) shows the requests."""
    if not current_user.is_authenticated or request.endpoint is None or sees_tickets():
        return None  # signing in is signin._guard's; an unknown address is a 404
    view = current_app.view_functions.get(request.endpoint)
    if request.endpoint in OFFICER_ENDPOINTS or getattr(view, "__module__", "") == __name__:
        return None
    if request.endpoint == "dashboard.queue":
        return privacy_requests()
    abort(403)


@bp.get("/privacy/requests")
@privacy_required
def privacy_requests():
    """Open requests, most urgent first (overdue ones marked), then the latest closed."""
    svc = services()
    with transaction(svc.engine) as db:
        open_rows = db.exec(
            select(PrivacyRequest)
            .where(PrivacyRequest.status == "open")
            .order_by(PrivacyRequest.due_on, PrivacyRequest.id)
            .limit(OPEN_SHOWN + 1)
        ).all()
        closed_rows = db.exec(
            select(PrivacyRequest)
            .where(PrivacyRequest.status != "open")
            .order_by(PrivacyRequest.closed_at.desc(), PrivacyRequest.id.desc())
            .limit(CLOSED_SHOWN)
        ).all()
    today, privacy = city_today(), privacy_of(svc.flows)
    rows = queue_rows([*open_rows[:OPEN_SHOWN], *closed_rows], today, privacy)
    return render_template(
        "dashboard/privacy_requests.html",
        title=_("ARCO requests"),
        rows=rows,
        more_open=len(open_rows) > OPEN_SHOWN,
        open_count=min(len(open_rows), OPEN_SHOWN),
        overdue_count=sum(1 for row in rows if row["overdue"]),
        today=today,
        zone=svc.config.city_timezone,
        privacy=privacy,
    )


@bp.get("/privacy/requests/<folio>")
@privacy_required
def privacy_request(folio: str):
    """One request: what the resident asked, who they are (masked), what is kept of them, and its audit trail."""
    svc = services()
    with transaction(svc.engine) as db:
        found = request_or_404(db, folio)
        page = request_page(db, found)
    today, privacy = city_today(), privacy_of(svc.flows)
    return render_template(
        "dashboard/privacy_request.html",
        title=found.folio,
        req=found,
        row=queue_rows([found], today, privacy)[0],
        reasons=[(code, svc.flows.message(REASON_PREFIX + code, "es")) for code in rejection_reasons(svc.flows)],
        can_extend=found.status == "open" and not found.extended and privacy.extension_days > 0,
        privacy=privacy,
        max_response=MAX_RESPONSE,
        max_name=MAX_NAME,
        **page,
    )


@bp.post("/privacy/requests/<folio>/fulfil")
@privacy_required
def privacy_fulfil(folio: str):
    """Close the request as done and tell the resident; a cancellation then erases the contact."""

    def action(db, flows, found, operator):
        return fulfil(db, flows, found, operator.email, _field("response"), name=_field("name") or None)

    return _decide(folio, action)


@bp.post("/privacy/requests/<folio>/reject")
@privacy_required
def privacy_reject(folio: str):
    """Refuse the request on a legal ground and tell the resident why."""

    def action(db, flows, found, operator):
        return reject(db, flows, found, operator.email, _field("reason"), _field("text"))

    return _decide(folio, action)


@bp.post("/privacy/requests/<folio>/extend")
@privacy_required
def privacy_extend(folio: str):
    """Extend the deadline once, telling the resident why and until when."""

    def action(db, flows, found, operator):
        return extend(db, flows, found, operator.email, _field("text"), city_today())

    return _decide(folio, action)


def city_today() -> date:
    """Today in the city: deadlines are the city's business days."""
    return datetime.now(services().config.city_zone()).date()


def request_or_404(db: Session, folio: str, *, for_update: bool = False) -> PrivacyRequest:
    """The request with this folio, or a 404 (at once for what is no folio: a NUL, say, which PostgreSQL refuses)."""
    found = find_request(db, folio.strip().upper(), for_update=for_update) if FOLIO_SHAPE.fullmatch(folio) else None
    if found is None:
        abort(404)
    return found


def queue_rows(requests: list[PrivacyRequest], today: date, privacy: Privacy) -> list[dict]:
    """The queue's rows: received in the city's time, business days left (negative: late), overdue."""
    zone = services().config.city_zone()
    return [_row(r, today, privacy, zone) for r in requests]


def _row(found: PrivacyRequest, today: date, privacy: Privacy, zone) -> dict:
    is_open = found.status == "open"
    overdue = is_open and today > found.due_on
    left = None
    if is_open:
        left = (
            -business_days_between(found.due_on, today, privacy)
            if overdue
            else business_days_between(today, found.due_on, privacy)
        )
    return {
        "folio": found.folio,
        "right": found.right,
        "channel": found.channel,
        "received": as_utc(found.created_at).astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "due": found.due_on.isoformat(),
        "extended": found.extended,
        "left": left,
        "left_text": _left_text(left, overdue),
        "overdue": overdue,
        "status": found.status,
        "badge": STATUS_BADGES.get(found.status, found.status),
        "url": url_for("dashboard.privacy_request", folio=found.folio),
    }


def _left_text(left: int | None, overdue: bool) -> str:
    if left is None:
        return "—"
    if overdue:
        late = -left
        return (
            ngettext("overdue by %(num)s business day", "overdue by %(num)s business days", late)
            if late
            else _("overdue")
        )
    if left == 0:
        return _("due today")
    return ngettext("%(num)s business day", "%(num)s business days", left)


def request_page(db: Session, found: PrivacyRequest) -> dict:
    """What a request's page shows besides the request: the contact (masked), what is kept, the audit trail."""
    contact = db.get(Contact, found.contact_id)
    addresses = db.exec(
        select(ContactAddress.kind, ContactAddress.address).where(ContactAddress.contact_id == found.contact_id)
    ).all()
    events = db.exec(
        select(PrivacyEvent)
        .where(PrivacyEvent.request_id == found.id)
        .order_by(PrivacyEvent.id.desc())
        .limit(EVENTS_SHOWN)
    ).all()
    return {
        "contact": contact,
        "phones": [mask_phone(address) for kind, address in addresses if kind == "phone"],
        "webchat": any(kind == "webchat" for kind, _ in addresses),
        "kept": summary(db, found.contact_id),
        "events": events,
    }


def _decide(folio: str, action: Action):
    """Take a decision on the request in one transaction; its messages and erasure go to the queue after commit."""
    svc, operator = services(), me()
    try:
        with unit_of_work(svc) as db:
            found = request_or_404(db, folio, for_update=True)
            decision = action(db, svc.flows, found, operator)
            done = _done_text(decision)
            folio = found.folio
    except RequestClosedError as exc:
        return _refused(folio, translated(exc), 409)
    except DecisionError as exc:
        return _refused(folio, translated(exc), 400)
    flash(done, "info")
    return redirect(url_for("dashboard.privacy_request", folio=folio))


def _done_text(decision: Decision) -> str:
    """What the flash says: what was decided and whether the resident is told."""
    found = decision.request
    what = {
        "fulfilled": _("Fulfilled."),
        "rejected": _("Rejected."),
        "open": _("Extended to %(day)s.", day=format_date(found.due_on, "long")),
    }[found.status]
    told = (
        _("The resident will be told.")
        if decision.told
        else _(
            "The resident cannot be told on their channel (opted out, never wrote, or outside WhatsApp's window "
            "without a template): answer them another way."
        )
    )
    erased = ""
    if found.status == "fulfilled" and found.right == "cancellation":
        erased = " " + (
            _("Their personal data are erased once the message has gone out.")
            if decision.told
            else _("Their personal data are erased now.")
        )
    return f"{what} {told}{erased}"


def _field(name: str) -> str:
    return request.form.get(name, "")


def _refused(folio: str, reason: str, status: int):
    """400 (bad input) or 409 (already closed) with what was wrong; nothing was written."""
    message = f"{folio.strip().upper()[:40]}: {reason[:1].upper()}{reason[1:]}."
    return render_template("dashboard/error.html", title=_("Not done"), message=message), status
