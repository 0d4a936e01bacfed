"""The admin page of Open311 API keys: issue one to an application (shown once), revoke one.

Only admins reach it (403 for anyone else); every change carries the form's CSRF token. A new key is shown
on the page that answers the POST, never stored nor shown again: only its hash is kept.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from bot.dashboard.access import admin_required, me
from bot.dashboard.blueprint import bp
from bot.db.database import transaction
from bot.services import services
from bot.tickets.apikeys import MAX_NAME, all_keys, issue_key, revoke_key


@bp.get("/apikeys")
@admin_required
def apikeys():
    """Every key: application, start of the key, issued by and when, revoked or live."""
    return _page()


@bp.post("/apikeys")
@admin_required
def add_apikey():
    """Issue a key to an application; the answer shows it once."""
    name = request.form.get("name", "")
    if not " ".join(name.split()) or len(name) > MAX_NAME:
        return _page(error=_("Name the application (1 to %(count)s characters).", count=MAX_NAME), status=400)
    with transaction(services().engine, immediate=True) as session:
        issued = issue_key(session, name, created_by=me().email)
    return _page(issued=issued.key, issued_name=issued.row.name, status=201)


@bp.post("/apikeys/<int:key_id>/revoke")
@admin_required
def revoke_apikey(key_id: int):
    """Revoke a key: requests with it are refused from now on."""
    with transaction(services().engine, immediate=True) as session:
        row = revoke_key(session, key_id)
        name = row.name if row is not None else None
    if name is None:
        return _page(error=_("There is no such key."), status=404)
    flash(_("Revoked the key of %(name)s.", name=name), "info")
    return redirect(url_for("dashboard.apikeys"))


def _page(error: str = "", issued: str = "", issued_name: str = "", status: int = 200):
    with transaction(services().engine) as session:
        keys = all_keys(session)
    page = render_template(
        "dashboard/apikeys.html", keys=keys, error=error, issued=issued, issued_name=issued_name, max_name=MAX_NAME
    )
    return page, status
