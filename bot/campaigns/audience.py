"""Who a campaign invites: residents who asked for surveys, have not opted out of messages, still have a number,
and — when the campaign says — once reported something in a colonia or of a category."""

from __future__ import annotations

from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from bot.db.tables import Contact, ContactAddress, Ticket

__all__ = ["audience", "audience_count", "known_colonias", "known_categories"]


def audience(colonia: str | None = None, category: str | None = None):
    """The select of the contacts' ids a campaign with these filters invites, in order of id."""
    statement = select(Contact.id).where(
        col(Contact.surveys_opted_in_at).is_not(None),
        col(Contact.opted_out).is_(False),
        col(Contact.anonymised_at).is_(None),
        exists().where(col(ContactAddress.contact_id) == Contact.id, col(ContactAddress.kind) == "phone"),
    )
    if colonia:
        statement = statement.where(
            exists().where(col(Ticket.contact_id) == Contact.id, col(Ticket.colonia) == colonia)
        )
    if category:
        statement = statement.where(
            exists().where(col(Ticket.contact_id) == Contact.id, col(Ticket.category) == category)
        )
    return statement.order_by(col(Contact.id))


def audience_count(session: Session, colonia: str | None = None, category: str | None = None) -> int:
    """How many residents a campaign with these filters would invite now."""
    return session.exec(select(func.count()).select_from(audience(colonia, category).order_by(None).subquery())).one()


def known_colonias(session: Session) -> list[str]:
    """The colonias reports were placed in: what the colonia filter offers."""
    rows = session.exec(select(Ticket.colonia).where(col(Ticket.colonia).is_not(None)).distinct()).all()
    return sorted({row for row in rows if row}, key=str.casefold)


def known_categories(session: Session, flows) -> list[str]:
    """The categories of the flows' tickets and of stored reports: what the category filter offers."""
    from_flows = {f.outcome.category for f in flows.flows.values() if f.outcome.kind == "ticket" and f.outcome.category}
    stored = set(session.exec(select(Ticket.category).distinct()).all())
    return sorted((from_flows | stored) - {"", "handover"}, key=str.casefold)
