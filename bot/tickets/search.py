"""Text search over tickets: one normalised column per ticket (lowercase, no accents), filled whenever a ticket is written.

A ticket matches when its column holds every word, anywhere (`LIKE '%word%'`): "morel" finds Morelos,
accents and order do not matter. The database's substring index (bot/db/text_search.py) makes a word few
tickets hold as quick to find as a common one:

- PostgreSQL: the planner uses the pg_trgm index for `LIKE '%word%'` itself, weighing it against the
  queue's own indexes with its statistics of how common each trigram is.
- SQLite: the planner knows nothing of how many tickets an FTS5 phrase matches, so `matching_ids` asks the
  index, with a LIMIT: a word few tickets hold (or none) gives their ids, at most FEW_MATCHES, and the queue
  reads just those; when every word is common it gives None, and the queue reads its usual index newest
  first keeping the rows that match, which fills a page after a short read because matches are everywhere.

- By department: when the operator's departments are known, both ask an index by department first (SQLite:
  FTS5 rowid ranges, a word at a time; PostgreSQL: GIN over department and trigrams, all the words at once,
  which its planner would not choose, taking a word common anywhere for common in every department), so a
  word common in other departments and rare or absent in theirs is answered from their own entries.

What is still read along the department: common words that seldom meet in the operator's tickets on SQLite
(two common words seldom together), and any search where the index by department is missing.
Words under three characters have no trigram; they are only checked row by row, beside the longer words.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import bindparam, event, select, text

from bot.db.tables import Ticket
from bot.db.text_search import DEPARTMENT_KEYS, DEPARTMENT_SPAN, FTS_TABLE, PG_SCOPED_INDEX, SCOPED_TABLE

__all__ = ["normalise", "search_text_of", "like_pattern", "matching_ids", "MAX_SEARCH_TEXT", "FEW_MATCHES"]

MAX_SEARCH_TEXT = 2000  # characters kept per ticket: a long story still matches on its beginning
FEW_MATCHES = 2000  # up to this many matches the queue reads them by id; more: along its index, newest first
TRIGRAM = 3  # characters: the shortest word a trigram index finds


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


def matching_ids(db, words, few: int = FEW_MATCHES, departments=None) -> list[int] | None:
    """SQLite: the ids of the tickets holding one of the words that at most `few` tickets hold; else None.

    Each word is asked alone, longest first (a long word is likelier rare), and the first one few tickets
    hold bounds the search; a common word's question stops after `few` entries, so asking costs a few
    milliseconds however common. (Asking for all the words together would cost a walk through both lists
    when two common words are asked.) When every word is common, None: the queue reads its own index newest
    first, which fills a page quickly then, except when the words seldom meet in the operator's tickets.
    None too when no word has three characters, and on PostgreSQL without departments, whose planner weighs
    its index itself. The caller still checks every word on each row, so the answer is a superset the row
    checks narrow, never another meaning.

    With departments (the operator's scope), the index by department is asked instead: "few" then means few in
    those departments, so a word common elsewhere and rare or absent there is answered from their entries alone
    (PostgreSQL: the tickets holding every word, in one question).
    """
    indexed = sorted({word for word in words if len(word) >= TRIGRAM}, key=len, reverse=True)
    connection = db.connection()
    if indexed and departments is not None and connection.dialect.name == "postgresql":
        return _matching_ids_in_postgres(connection, list(words), few, departments)
    if not indexed or connection.dialect.name != "sqlite":
        return None
    if departments is not None and _has_index(connection, SCOPED_TABLE):
        return _matching_ids_in(connection, indexed, few, departments)
    if not _has_index(connection):
        return None
    query = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :phrase LIMIT :limit")
    for word in indexed:
        phrase = '"' + word.replace('"', '""') + '"'  # FTS5: a literal string, a substring to the trigram tokenizer
        ids = list(connection.execute(query, {"phrase": phrase, "limit": few + 1}).scalars())
        if len(ids) <= few:
            return ids
    return None


def _matching_ids_in(connection, indexed: list[str], few: int, departments) -> list[int] | None:
    """matching_ids within departments: each one's entries are a rowid range of the index by department."""
    keys = connection.execute(
        text(f"SELECT key FROM {DEPARTMENT_KEYS} WHERE department IN :departments").bindparams(
            bindparam("departments", expanding=True)
        ),
        {"departments": list(departments)},
    ).scalars()
    ranges = [(key * DEPARTMENT_SPAN, (key + 1) * DEPARTMENT_SPAN) for key in sorted(keys)]  # none: no tickets
    query = text(
        f"SELECT rowid FROM {SCOPED_TABLE} WHERE {SCOPED_TABLE} MATCH :phrase AND rowid >= :low AND rowid < :high "
        "LIMIT :limit"
    )
    for word in indexed:
        phrase = '"' + word.replace('"', '""') + '"'
        ids: list[int] = []
        for low, high in ranges:
            found = connection.execute(query, {"phrase": phrase, "low": low, "high": high, "limit": few + 1 - len(ids)})
            ids += [rowid % DEPARTMENT_SPAN for rowid in found.scalars()]
            if len(ids) > few:
                break
        if len(ids) <= few:
            return ids
    return None


def _matching_ids_in_postgres(connection, words: list[str], few: int, departments) -> list[int] | None:
    """PostgreSQL: the tickets of the departments holding every word, if at most `few`, from the GIN index over
    department and trigrams; else None. Its planner, which takes a word common anywhere for common in every
    department, would walk the department newest first: the index is made its only way (enable_* off, in a
    savepoint that takes the settings back)."""
    if not departments:
        return []
    if (
        connection.execute(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": PG_SCOPED_INDEX}).scalar()
        is not True
    ):
        return None
    query = (
        select(Ticket.id)
        .where(Ticket.department.in_(list(departments)))
        .where(*[Ticket.search_text.like(like_pattern(word), escape="\\") for word in words])
        .limit(few + 1)
    )
    savepoint = connection.begin_nested()
    try:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
        ids = list(connection.execute(query).scalars())
    finally:
        savepoint.rollback()
    return ids if len(ids) <= few else None


def _has_index(connection, table: str = FTS_TABLE) -> bool:
    """Whether the FTS5 table is there: a database not yet upgraded to 0007 (0010: by department) searches
    row by row, never fails."""
    found = connection.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": table}
    )
    return found.first() is not None


@event.listens_for(Ticket, "before_insert")
@event.listens_for(Ticket, "before_update")
def _fill_search_text(_mapper, _connection, ticket: Ticket) -> None:
    # Every path that writes a ticket (conversations, hand-overs, imports, edits) keeps its search text current.
    ticket.search_text = search_text_of(ticket)
