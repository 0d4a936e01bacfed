"""Text search over tickets: one normalised column per ticket (lowercase, no accents), filled whenever a ticket is written.

`LIKE '%word%'` over that column works the same on SQLite and PostgreSQL, needs no extension, and
reads the newest tickets first, so a page of hits for a common word comes after a short scan
(bench/dashboard.py measures a word found nowhere too, the slowest case: every row is read).
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine

from bot.db.engine import transaction
from bot.db.tables import Ticket

__all__ = ["normalise", "search_text_of", "like_pattern", "backfill_search_text", "MAX_SEARCH_TEXT"]

MAX_SEARCH_TEXT = 2000  # characters kept per ticket: a long story still matches on its beginning


def normalise(text: str) -> str:
    """Lowercase, accents and controls stripped, whitespace collapsed: the form search compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(" " if unicodedata.category(c).startswith("C") else c for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.casefold().split())


def search_text_of(ticket: Ticket) -> str:
    """Every word a search may find a ticket by (folio, address, summary, the resident's answers), each once."""
    parts = [ticket.folio or "", ticket.address or "", ticket.summary or "", *_strings(ticket.answers or {})]
    words = dict.fromkeys(normalise(" ".join(parts)).split())  # a search matches words in any order: keep each once
    return " ".join(words)[:MAX_SEARCH_TEXT]


def _strings(value) -> list[str]:
    """The text inside a JSON value (answers hold strings, numbers, locations as dicts)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return [str(value)]
    return []


def like_pattern(word: str) -> str:
    """A LIKE pattern matching word anywhere, its own % and _ taken literally (escape character '\\')."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@event.listens_for(Ticket, "before_insert")
@event.listens_for(Ticket, "before_update")
def _fill_search_text(_mapper, _connection, ticket: Ticket) -> None:
    # Every path that writes a ticket (conversations, hand-overs, imports, edits) keeps its search text current.
    ticket.search_text = search_text_of(ticket)


def backfill_search_text(engine: Engine, batch: int = 1000) -> int:
    """Fill the search text of tickets stored before the column existed; return how many were filled."""
    filled = 0
    while True:
        with transaction(engine, immediate=True) as db:
            rows = db.execute(select(Ticket.id, Ticket.folio, Ticket.address, Ticket.summary, Ticket.answers)
                              .where(Ticket.search_text.is_(None)).limit(batch)).all()
            for row in rows:
                text = search_text_of(Ticket(folio=row.folio, address=row.address, summary=row.summary, answers=row.answers))
                db.execute(update(Ticket).where(Ticket.id == row.id).values(search_text=text))
        filled += len(rows)
        if len(rows) < batch:
            return filled
