"""What a signed-in operator may see and do: their departments' tickets, acting only if not a viewer."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlmodel import Session

from bot.db.tables import Operator, Ticket
from bot.tickets.folio import is_folio_shaped, select_by_folio

__all__ = [
    "me",
    "is_admin",
    "can_act",
    "department_scope",
    "visible",
    "ticket_or_404",
    "visible_ticket",
    "acting_required",
    "admin_required",
]


def me() -> Operator:
    """The signed-in operator."""
    return current_user.operator


def is_admin(operator: Operator | None = None) -> bool:
    """Whether the operator manages everything (all departments, operators)."""
    return (operator or me()).role == "admin"


def can_act(operator: Operator | None = None) -> bool:
    """Whether the operator may change tickets (admins and operators; viewers only read)."""
    return (operator or me()).role in ("admin", "operator")


def department_scope(operator: Operator | None = None) -> list[str] | None:
    """The departments the operator sees; None means all of them (an admin)."""
    operator = operator or me()
    return None if is_admin(operator) else list(operator.departments)


def visible(statement, operator: Operator | None = None):
    """Narrow a select over Ticket to the operator's departments."""
    scope = department_scope(operator)
    return statement if scope is None else statement.where(Ticket.department.in_(scope))


def visible_ticket(session: Session, folio: str, operator: Operator | None = None) -> Ticket | None:
    """The ticket with this folio if the operator may see it; None otherwise, and at once for what is no folio
    (a NUL, say, which PostgreSQL refuses)."""
    if not is_folio_shaped(folio):
        return None
    return session.exec(visible(select_by_folio(folio), operator)).first()


def ticket_or_404(session: Session, folio: str, operator: Operator | None = None) -> Ticket:
    """The ticket with this folio if the operator may see it; 404 otherwise, so a guess learns nothing."""
    ticket = visible_ticket(session, folio, operator)
    if ticket is None:
        abort(404)
    return ticket


def acting_required(view):
    """Refuse a change (403) to a viewer."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not can_act():
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    """Refuse (403) anyone but an admin."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not is_admin():
            abort(403)
        return view(*args, **kwargs)

    return wrapper
