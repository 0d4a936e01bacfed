"""Admin pages: operators (add, edit role/departments/active, set a password) and the departments of flows.yaml.

Only admins reach these routes (403 for anyone else). An admin cannot demote or disable
themself, so the last admin cannot lock everyone out. Every change is stored (OperatorChange, in the
same transaction as the change itself) and the page lists the latest.
"""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import select

from bot.dashboard.access import admin_required, me
from bot.dashboard.blueprint import bp
from bot.dashboard.i18n import translated
from bot.db.database import transaction
from bot.db.tables import Operator, OperatorChange, OperatorSession, utcnow
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.operators import PRIVACY_ROLE, ROLES, OperatorError, create_operator, end_all_sessions, set_password
from bot.reports import department_rows
from bot.services import services
from bot.translatable import N_, Code, TranslatableText, from_stored, stored

log = logging.getLogger(__name__)

CHANGES_SHOWN = 50


@bp.get("/operators")
@admin_required
def operators():
    """Every operator with their role, departments and last sign-in activity; the departments; recent changes."""
    return operators_page()


@bp.post("/operators")
@admin_required
def add_operator():
    """Add an operator with an initial password."""
    svc, form = services(), request.form
    try:
        role, language = chosen_role(form), chosen_language(form)
        departments = chosen_departments(form) if role != PRIVACY_ROLE else []
        with transaction(svc.engine, immediate=True) as db:
            added = create_operator(
                db,
                form.get("email", ""),
                form.get("password", ""),
                role,
                departments,
                form.get("name", "").strip()[:120],
                language=language,
            )
            email = added.email
            record_change(
                db,
                TranslatableText(
                    N_("added %(email)s as %(role)s of %(departments)s"),
                    email=email,
                    role=Code("role", role),
                    departments=_departments(departments),
                ),
                added,
            )
    except OperatorError as error:
        return operators_page(error=_sentence(translated(error)), status=400)
    flash(_("Added %(email)s.", email=email), "info")
    return redirect(url_for("dashboard.operators"))


@bp.post("/operators/<int:operator_id>")
@admin_required
def edit_operator(operator_id: int):
    """Change an operator's role, departments, language and whether they may sign in (disabling signs them out)."""
    svc, form = services(), request.form
    active = form.get("active") == "1"
    try:
        role = chosen_role(form)
        language = chosen_language(form, keep=True)
        departments = chosen_departments(form) if role != PRIVACY_ROLE else []
        if operator_id == me().id and (role != "admin" or not active):
            raise OperatorError(N_("You cannot demote or disable yourself; ask another admin to do it."))
        with transaction(svc.engine, immediate=True) as db:
            operator = operator_or_404(db, operator_id)
            operator.role, operator.departments, operator.active = role, departments, active
            operator.language = language or operator.language
            db.add(operator)
            if not active:
                end_all_sessions(db, operator.id)
            email = operator.email
            record_change(
                db,
                TranslatableText(
                    N_("set %(email)s to %(role)s of %(departments)s, %(state)s"),
                    email=email,
                    role=Code("role", role),
                    departments=_departments(departments),
                    state=TranslatableText(N_("active")) if active else TranslatableText(N_("disabled")),
                ),
                operator,
            )
    except OperatorError as error:
        return operators_page(error=_sentence(translated(error)), status=400)
    flash(_("Saved %(email)s.", email=email), "info")
    return redirect(url_for("dashboard.operators"))


@bp.post("/operators/<int:operator_id>/password")
@admin_required
def operator_password(operator_id: int):
    """Set a new password for an operator; their sessions end, so they sign in again with it."""
    svc = services()
    try:
        with transaction(svc.engine, immediate=True) as db:
            operator = operator_or_404(db, operator_id)
            set_password(db, operator, request.form.get("password", ""))
            email = operator.email
            record_change(db, TranslatableText(N_("set a new password for %(email)s"), email=email), operator)
    except OperatorError as error:
        return operators_page(error=_sentence(translated(error)), status=400)
    flash(_("New password set for %(email)s; their sessions have ended.", email=email), "info")
    return redirect(url_for("dashboard.operators"))


def operator_or_404(db, operator_id: int) -> Operator:
    """The operator with this id, or a 404 (also for an id no database column could hold)."""
    operator = db.get(Operator, operator_id) if 0 < operator_id < 2**31 else None
    if operator is None:
        abort(404)
    return operator


def chosen_role(form) -> str:
    """The role the form asks for, one of ROLES."""
    role = form.get("role", "")
    if role not in ROLES:
        raise OperatorError(N_("Role must be one of %(roles)s."), roles=", ".join(ROLES))
    return role


def chosen_language(form, keep: bool = False) -> str:
    """The dashboard language the form asks for (es or en); Spanish when the form has none, or '' to keep it."""
    language = form.get("language", "")
    if not language:
        return "" if keep else DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        raise OperatorError(N_("Language must be one of %(languages)s."), languages=", ".join(LANGUAGES))
    return language


def chosen_departments(form) -> list[str]:
    """The departments ticked in the form, all of them defined in flows.yaml."""
    known = services().flows.departments
    chosen = sorted(set(form.getlist("departments")))
    unknown = [d for d in chosen if d not in known]
    if unknown:
        raise OperatorError(
            _("Unknown department: %(ids)s (departments are defined in flows.yaml).", ids=", ".join(unknown)[:200])
        )
    return chosen


def operators_page(error: str | None = None, status: int = 200):
    """Render the operators page, with an error message when a change was refused."""
    svc = services()
    with transaction(svc.engine) as db:
        people = db.exec(select(Operator).order_by(Operator.email)).all()
        last_seen = dict(
            db.exec(
                select(OperatorSession.operator_id, func.max(OperatorSession.last_seen_at)).group_by(
                    OperatorSession.operator_id
                )
            ).all()
        )
        departments = department_rows(db, svc.flows, utcnow())
    return render_template(
        "dashboard/operators.html",
        title=_("Operators"),
        operators=people,
        last_seen=last_seen,
        departments=departments,
        roles=ROLES,
        me_id=me().id,
        error=error,
        changes=recent_changes(),
        default_sla=svc.flows.default_sla,
    ), status


def record_change(db, text: TranslatableText, operator: Operator) -> None:
    """Store an admin's change with the change itself, and log it by operator ids (emails stay in the database).

    The text is kept as bot.translatable.stored() writes it (its English, template and params in the text
    column), so each admin reads it in their language; rows from before show as they were written.
    """
    log.info("operators: operator %s %s", me().id, str(text).replace(operator.email, f"operator {operator.id}"))
    db.add(OperatorChange(actor=me().email, text=stored(text)))


def _departments(departments: list[str]) -> str | TranslatableText:
    return ", ".join(departments) or TranslatableText(N_("no department"))


def recent_changes() -> list[dict]:
    """The latest operator changes, newest first."""
    with transaction(services().engine) as db:
        rows = db.exec(select(OperatorChange).order_by(OperatorChange.id.desc()).limit(CHANGES_SHOWN)).all()
    return [{"at": row.created_at, "actor": row.actor, "text": translated(from_stored(row.text))} for row in rows]


def _sentence(text: str) -> str:
    """A lower layer's lowercase reason as the page's sentences read: capitalised, with a full stop."""
    text = text.strip()
    return f"{text[:1].upper()}{text[1:]}" + ("" if text.endswith(".") else ".")
