"""Text search over tickets: one normalised column per ticket (lowercase, no accents), filled whenever a ticket is written.

`LIKE '%word%'` over that column works the same on SQLite and PostgreSQL, needs no extension, and
reads the newest tickets first, so a page of hits for a common word comes after a short scan
(bench/dashboard.py measures a word found nowhere too, the slowest case: every row is read).
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import event

from bot.db.tables import Ticket

__all__ = ["normalise", "search_text_of", "like_pattern", "MAX_SEARCH_TEXT"]

MAX_SEARCH_TEXT = 2000  # characters kept per ticket: a long story still matches on its beginning


def normalise(text: str) -> str:
    """Lowercase, accents and controls stripped, whitespace collapsed: the form search compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        " " if unicodedata.category(c).startswith("C") else c for c in decomposed if not unicodedata.combining(c)
    )
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
