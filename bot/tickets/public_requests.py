"""Reading tickets for Open311's public list: newest first, a page at a time, from indexes in that order.

A page is read in two steps. First the (created_at, id) of the candidates, one stream per service (flow)
and status asked, each from the index that holds it in order (`(flow, status, created_at, id)`,
`(flow, created_at, id)`, `(status, created_at, id)`, `created_at`), each stopping after the page's last
row; the streams are merged newest first. Then the page's tickets by id. However many tickets the city
has, a page of 50 reads at most 50 index entries per stream plus 50 rows.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row
from sqlmodel import Session, col, select

from bot.db.tables import Ticket

__all__ = ["Window", "page_of_tickets", "tickets_by_folio"]

# What a public request shows of a ticket, read as plain rows: not its answers nor its search text (the larger
# columns, never shown), and no ORM objects (building 50 of them took most of a page's time).
SHOWN = tuple(
    getattr(Ticket, name)
    for name in (
        "id", "folio", "channel", "flow", "department", "category", "status", "summary", "address",
        "latitude", "longitude", "media", "due_at", "created_at", "updated_at",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Window:
    """Which tickets: created in [since, until), of these flows and statuses (None: any)."""

    since: datetime
    until: datetime
    flows: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None


def page_of_tickets(session: Session, window: Window, offset: int, limit: int) -> list[Row]:
    """The tickets of the window from offset on, at most limit, newest first (rows of SHOWN)."""
    reach = offset + limit
    streams = [_stream(session, window, flow, status, reach) for flow, status in _streams(window)]
    keys = list(heapq.merge(*streams, reverse=True))[offset:reach]
    if not keys:
        return []
    ids = [ticket_id for _, ticket_id in keys]
    by_id = {t.id: t for t in session.exec(select(*SHOWN).where(col(Ticket.id).in_(ids))).all()}
    return [by_id[i] for i in ids if i in by_id]


def tickets_by_folio(session: Session, folios: Iterable[str]) -> list[Row]:
    """The tickets with these folios (case as stored), newest first (rows of SHOWN)."""
    wanted = sorted({f for f in folios if f})
    if not wanted:
        return []
    rows = session.exec(select(*SHOWN).where(col(Ticket.folio).in_(wanted))).all()
    return sorted(rows, key=lambda t: (t.created_at, t.id), reverse=True)


def _streams(window: Window) -> list[tuple[str | None, str | None]]:
    flows: tuple[str | None, ...] = window.flows or (None,)
    statuses: tuple[str | None, ...] = window.statuses or (None,)
    return [(flow, status) for flow in flows for status in statuses]


def _stream(session: Session, window: Window, flow: str | None, status: str | None, reach: int) -> list[tuple]:
    """The (created_at, id) of one service and status in the window, newest first, at most reach."""
    query = select(Ticket.created_at, Ticket.id).where(
        Ticket.created_at >= window.since, Ticket.created_at < window.until
    )
    if flow is not None:
        query = query.where(Ticket.flow == flow)
    if status is not None:
        query = query.where(Ticket.status == status)
    query = query.order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc()).limit(reach)
    return [(created_at, ticket_id) for created_at, ticket_id in session.exec(query).all()]
