"""Search helpers: a ticket edited as the dashboard edits it, and the tickets the text index alone finds."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from bot.db.database import transaction
from bot.db.tables import Ticket
from bot.db.text_search import PG_SCOPED_INDEX, TRGM_INDEX
from bot.tickets.search import like_pattern, matching_ids


def change(app, folio: str, **values) -> None:
    """Change a stored ticket as an edit would (through the ORM, so its search text follows)."""
    with transaction(app.extensions["ventanilla"].engine) as db:
        ticket = db.exec(select(Ticket).where(Ticket.folio == folio)).one()
        for name, value in values.items():
            setattr(ticket, name, value)
        db.add(ticket)


def ids_by_index(db, words: list[str]) -> list[int]:
    """The tickets holding every word, found through the text index alone (FTS5; PostgreSQL: pg_trgm, forced)."""
    if db.connection().dialect.name == "sqlite":  # each word's tickets, as the index lists them, then those of all
        found = [set(matching_ids(db, [word], few=10_000) or ()) for word in words]
        return sorted(set.intersection(*found))
    db.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")  # a few rows: the planner would read them all
    query = sa.select(Ticket.id).where(*[Ticket.search_text.like(like_pattern(w), escape="\\") for w in words])
    plan = "\n".join(
        db.connection()
        .execute(sa.text("EXPLAIN " + str(query.compile(db.connection(), compile_kwargs={"literal_binds": True}))))
        .scalars()
    )
    assert TRGM_INDEX in plan or PG_SCOPED_INDEX in plan, plan  # either trigram index (whole, by department)
    return sorted(db.connection().execute(query).scalars())
