"""What a signed-in operator may see and do: their departments' tickets, acting only if not a viewer; residents'
ARCO requests for privacy officers and admins (a privacy officer sees no ticket)."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlmodel import Session

from bot.db.tables import Operator, Ticket
from bot.operators import PRIVACY_ROLE
from bot.tickets.folio import is_folio_shaped, select_by_folio

__all__ = [
    "me",
    "is_admin",
    "can_act",
    "sees_tickets",
    "handles_privacy",
    "department_scope",
    "visible",
    "ticket_or_404",
    "visible_ticket",
    "acting_required",
    "admin_required",
    "privacy_required",
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


def sees_tickets(operator: Operator | None = None) -> bool:
    """Whether the operator works with tickets at all (everyone but a privacy officer)."""
    return (operator or me()).role != PRIVACY_ROLE


def handles_privacy(operator: Operator | None = None) -> bool:
    """Whether the operator answers residents' ARCO requests (privacy officers and admins)."""
    return (operator or me()).role in ("admin", PRIVACY_ROLE)


def department_scope(operator: Operator | None = None) -> list[str] | None:
    """The departments the operator sees; None means all of them (an admin), none for a privacy officer."""
    operator = operator or me()
    if is_admin(operator):
        return None
    return list(operator.departments) if sees_tickets(operator) else []


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


def privacy_required(view):
    """Refuse (403) anyone who does not answer ARCO requests."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not handles_privacy():
            abort(403)
        return view(*args, **kwargs)

    return wrapper
