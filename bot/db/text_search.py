"""The tickets' text index: each database's own substring index over `ticket.search_text`, made by DDL.

`search_text` is already lowercase and without accents (bot/tickets/search.py fills it), so both indexes
only have to find a substring quickly, as `LIKE '%word%'` does:

- SQLite: an FTS5 table with the `trigram` tokenizer whose content is the ticket table itself (external
  content: the text is stored once), kept current by triggers, so rows inserted without the ORM (a bulk
  import, the bench) are indexed too. A quoted phrase of three or more characters matches exactly the rows
  `LIKE '%phrase%'` matches.
- PostgreSQL: a GIN index with pg_trgm's `gin_trgm_ops` on the column; the planner uses it for
  `search_text LIKE '%word%'` itself. pg_trgm is a trusted extension (PostgreSQL 13+): a user with CREATE
  on the database may create it; otherwise a superuser runs `CREATE EXTENSION pg_trgm` once. Without it
  search still works, by reading the rows (`ensure` logs how to add the index later).

The same statements run when tests create the tables from the models (an `after_create` listener) and in
migration 0007. A later migration that rebuilds the ticket table on SQLite (batch mode copies, drops and
renames it, and a dropped table loses its triggers) must call `ensure` again afterwards.
"""

from __future__ import annotations

import logging

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from bot.db.tables import Ticket

__all__ = [
    "FTS_TABLE",
    "TRGM_INDEX",
    "SCOPED_TABLE",
    "ensure",
    "ensure_scoped",
    "drop",
    "drop_scoped",
    "not_text_index",
]

FTS_TABLE = "ticket_search"  # SQLite: FTS5 creates ticket_search_data, _idx, _docsize and _config beside it
TRGM_INDEX = "ix_ticket_search_text_trgm"  # PostgreSQL

log = logging.getLogger(__name__)

SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_text, content='ticket', content_rowid='id', tokenize='trigram')",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON ticket BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON ticket BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update AFTER UPDATE OF search_text ON ticket BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
)
SQLITE_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"  # index every row the table holds
SQLITE_DROP = (
    *(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{kind}" for kind in ("insert", "delete", "update")),
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
# SQLite, by department: the same trigram index again, contentless, each ticket under the rowid
# department key * 2**40 + ticket id, so one department's matches are a rowid range FTS5 seeks to. A word common in
# other departments and rare (or absent) in the operator's is then answered from the operator's entries alone.
SCOPED_TABLE = f"{FTS_TABLE}_scoped"
DEPARTMENT_KEYS = f"{FTS_TABLE}_departments"  # department -> its key, numbered as departments first appear
DEPARTMENT_SPAN = 2**40  # ticket ids below this; keys below 2**23
_KEY_OF = "(SELECT key FROM " + DEPARTMENT_KEYS + " WHERE department = {row}.department) * " + str(DEPARTMENT_SPAN)
_NEW_KEY = (
    f"INSERT OR IGNORE INTO {DEPARTMENT_KEYS}(department, key) "
    f"SELECT new.department, coalesce(max(key), 0) + 1 FROM {DEPARTMENT_KEYS};"
)
_ADD_NEW = (
    f"INSERT INTO {SCOPED_TABLE}(rowid, search_text) VALUES ({_KEY_OF.format(row='new')} + new.id, new.search_text);"
)
_REMOVE_OLD = (
    f"INSERT INTO {SCOPED_TABLE}({SCOPED_TABLE}, rowid, search_text) "
    f"VALUES ('delete', {_KEY_OF.format(row='old')} + old.id, old.search_text);"
)
SQLITE_SCOPED_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {DEPARTMENT_KEYS} (department TEXT PRIMARY KEY, key INTEGER NOT NULL UNIQUE)",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SCOPED_TABLE} USING fts5(search_text, content='', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {SCOPED_TABLE}_insert AFTER INSERT ON ticket BEGIN {_NEW_KEY} {_ADD_NEW} END",
    f"CREATE TRIGGER IF NOT EXISTS {SCOPED_TABLE}_delete AFTER DELETE ON ticket BEGIN {_REMOVE_OLD} END",
    f"""CREATE TRIGGER IF NOT EXISTS {SCOPED_TABLE}_update AFTER UPDATE OF search_text, department ON ticket BEGIN
        {_REMOVE_OLD} {_NEW_KEY} {_ADD_NEW}
    END""",
)
SQLITE_SCOPED_FILL = (
    f"INSERT OR IGNORE INTO {DEPARTMENT_KEYS}(department, key) "
    f"SELECT department, row_number() OVER (ORDER BY department) FROM (SELECT DISTINCT department FROM ticket)",
    f"INSERT INTO {SCOPED_TABLE}(rowid, search_text) SELECT k.key * {DEPARTMENT_SPAN} + t.id, t.search_text "
    f"FROM ticket t JOIN {DEPARTMENT_KEYS} k ON k.department = t.department",
)
SQLITE_SCOPED_DROP = (
    *(f"DROP TRIGGER IF EXISTS {SCOPED_TABLE}_{kind}" for kind in ("insert", "delete", "update")),
    f"DROP TABLE IF EXISTS {SCOPED_TABLE}",
    f"DROP TABLE IF EXISTS {DEPARTMENT_KEYS}",
)
# PostgreSQL, by department: one GIN index over the department (btree_gin) and the text's trigrams, which finds
# the tickets of some departments holding a word by intersecting the two (bot/tickets/search.py asks it).
PG_SCOPED_INDEX = "ix_ticket_department_search_text_trgm"
PG_CREATE_SCOPED_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {PG_SCOPED_INDEX} ON ticket USING gin (department, search_text gin_trgm_ops)"
)
PG_CREATE_INDEX = f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON ticket USING gin (search_text gin_trgm_ops)"
PG_WITHOUT_EXTENSION = (
    "pg_trgm is not installed and this database user may not install it: ticket search works, but reads "
    "every ticket of the department. To index it, a superuser runs `CREATE EXTENSION pg_trgm;` in this "
    f"database, then: {PG_CREATE_INDEX};"
)

PG_WITHOUT_SCOPED = (
    "pg_trgm or btree_gin is not installed and this database user may not install them: search works, but a "
    "word common in other departments and rare in an operator's reads the operator's department. To index it, "
    "a superuser runs `CREATE EXTENSION pg_trgm; CREATE EXTENSION btree_gin;` in this database, then: "
    f"{PG_CREATE_SCOPED_INDEX};"
)


def ensure(connection: Connection, rebuild: bool = False) -> bool:
    """Create the text index where missing (rebuild: index the rows already there); False if it cannot be made."""
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_CREATE:
            connection.exec_driver_sql(statement)
        if rebuild:
            connection.exec_driver_sql(SQLITE_REBUILD)
        return True
    if connection.dialect.name != "postgresql":
        return False
    if not _pg_trgm(connection):
        log.warning(PG_WITHOUT_EXTENSION)
        return False
    connection.exec_driver_sql(PG_CREATE_INDEX)  # a new index reads the rows already there
    return True


def _extension(connection: Connection, name: str) -> bool:
    """Whether an extension is there, creating it if this user may (in a savepoint: a refusal must not end the
    transaction)."""
    if connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = :name"), {"name": name}).first():
        return True
    try:
        with connection.begin_nested():
            connection.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {name}")
    except DBAPIError as error:
        log.warning("CREATE EXTENSION %s failed: %s", name, str(error).splitlines()[0])
        return False
    return True


def _pg_trgm(connection: Connection) -> bool:
    """Whether pg_trgm is there, creating it if this user may: any refusal (no privilege, contrib not installed)
    means "no index", not "no upgrade"."""
    return _extension(connection, "pg_trgm")


def ensure_scoped(connection: Connection, fill: bool = False) -> bool:
    """Create the index by department where missing (SQLite, fill: index the tickets already there, into an empty
    one); False if it cannot be made (PostgreSQL without pg_trgm or btree_gin: search reads rows, as before)."""
    if connection.dialect.name == "postgresql":
        if not (_pg_trgm(connection) and _extension(connection, "btree_gin")):
            log.warning(PG_WITHOUT_SCOPED)
            return False
        connection.exec_driver_sql(PG_CREATE_SCOPED_INDEX)
        return True
    if connection.dialect.name != "sqlite":
        return False
    for statement in SQLITE_SCOPED_CREATE:
        connection.exec_driver_sql(statement)
    if fill:
        for statement in SQLITE_SCOPED_FILL:
            connection.exec_driver_sql(statement)
    return True


def drop_scoped(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_SCOPED_DROP:
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_SCOPED_INDEX}")


def drop(connection: Connection) -> None:
    """Remove the text index (pg_trgm stays: other databases' objects may use it)."""
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_DROP:
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {TRGM_INDEX}")


def not_text_index(name: str | None, _type: str, _parent_names) -> bool:
    """Alembic's include_name: the text index's tables and index are made by DDL, not the models; compare the rest."""
    return not name or not (name in (TRGM_INDEX, PG_SCOPED_INDEX, FTS_TABLE) or name.startswith(FTS_TABLE + "_"))


@event.listens_for(Ticket.__table__, "after_create")
def _after_create(_table, connection: Connection, **_kw) -> None:
    # create_tables (the tests' and the bench's schema) makes the same indexes the migrations make.
    ensure(connection)
    ensure_scoped(connection)
