"""Tickets created per UTC hour and UTC day, department, category and channel, kept by the database itself.

The overview counts a department's tickets per category per city week and per channel; counting them from the
tickets read every ticket of the twelve weeks (70,000 index entries for one department of a large city) per
request. Triggers on ticket keep a TicketTally row per (grain, bucket, department, category, channel): on insert
one is added to its hour and its day, on delete one taken away, and an update that moves a ticket (triage
changes its category, department or channel) takes it from its old rows and adds it to its new ones. Every path
that writes tickets (the app, imports, bulk loads, SQL by hand) is covered because the triggers sit under all
of them, and rows are never read stale.

The buckets are UTC hours and days, not the city's: nothing here depends on CITY_TIMEZONE, so a change of zone
needs no rebuild. A city week runs from one city Monday midnight to the next, which is a whole UTC hour in
every zone whose offset is whole hours; it is summed from the day rows inside it and the hour rows at its
edges (about 30 rows per week and combination). A zone with a half-hour offset (Asia/Kolkata, America/St_Johns)
has midnights inside UTC hours: the overview counts tickets then (bot/reports/tickets.py).
"""

from __future__ import annotations

from sqlalchemy import DDL, Connection

__all__ = ["install", "uninstall", "backfill", "TRIGGER", "ddl_for_create_all"]

TRIGGER = "ticket_tally"
KEY = "grain, bucket, department, category, channel"
# SQLite stores moments as SQLAlchemy writes them ('2026-11-30 06:00:00.000000'): buckets are written the same
# way so the overview's bounds compare as text; strftime also reads a stored offset ('+00:00') as UTC.
SQLITE_BUCKET = {"h": "%Y-%m-%d %H:00:00.000000", "d": "%Y-%m-%d 00:00:00.000000"}
PG_BUCKET = {"h": "hour", "d": "day"}


def _sqlite_upsert(row: str, sign: int) -> str:
    values = ", ".join(
        f"('{grain}', strftime('{pattern}', {row}.created_at), {row}.department, {row}.category, {row}.channel, {sign})"
        for grain, pattern in SQLITE_BUCKET.items()
    )
    return (
        f"INSERT INTO tickettally ({KEY}, created) VALUES {values} "
        f"ON CONFLICT ({KEY}) DO UPDATE SET created = created + excluded.created;"
    )


def _pg_upsert(row: str, sign: int) -> str:
    values = ", ".join(
        f"('{grain}', date_trunc('{unit}', {row}.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', "
        f"{row}.department, {row}.category, {row}.channel, {sign})"
        for grain, unit in PG_BUCKET.items()
    )
    return (
        f"INSERT INTO tickettally ({KEY}, created) VALUES {values} "
        f"ON CONFLICT ({KEY}) DO UPDATE SET created = tickettally.created + EXCLUDED.created;"
    )


MOVED = (
    "OLD.created_at IS NOT NEW.created_at OR OLD.department IS NOT NEW.department"
    " OR OLD.category IS NOT NEW.category OR OLD.channel IS NOT NEW.channel"
)

SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGER}_insert AFTER INSERT ON ticket BEGIN {_sqlite_upsert('NEW', 1)} END",
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGER}_delete AFTER DELETE ON ticket BEGIN {_sqlite_upsert('OLD', -1)} END",
    f"""
    CREATE TRIGGER IF NOT EXISTS {TRIGGER}_update AFTER UPDATE OF created_at, department, category, channel ON ticket
    WHEN {MOVED}
    BEGIN {_sqlite_upsert("OLD", -1)} {_sqlite_upsert("NEW", 1)} END
    """,
]
POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {_pg_upsert("OLD", -1)}
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {_pg_upsert("NEW", 1)}
        END IF;
        RETURN NULL;
    END $$
    """,
    f"DROP TRIGGER IF EXISTS {TRIGGER}_insert ON ticket",
    f"DROP TRIGGER IF EXISTS {TRIGGER}_update ON ticket",
    f"CREATE TRIGGER {TRIGGER}_insert AFTER INSERT OR DELETE ON ticket FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()",
    f"""
    CREATE TRIGGER {TRIGGER}_update AFTER UPDATE OF created_at, department, category, channel ON ticket
    FOR EACH ROW WHEN ({MOVED.replace("IS NOT", "IS DISTINCT FROM")}) EXECUTE FUNCTION {TRIGGER}()
    """,
]


def statements(dialect: str) -> list[str]:
    """The DDL that installs the triggers on this dialect (sqlite or postgresql)."""
    return POSTGRES if dialect == "postgresql" else SQLITE


def install(connection: Connection) -> None:
    """Create the triggers (again: they replace themselves)."""
    for statement in statements(connection.dialect.name):
        connection.exec_driver_sql(statement)  # as written: strftime's patterns hold % and :00


def uninstall(connection: Connection) -> None:
    pg = connection.dialect.name == "postgresql"
    for name in ("insert", "update", "delete"):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TRIGGER}_{name}" + (" ON ticket" if pg else ""))
    if pg:
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {TRIGGER}()")


def backfill(connection: Connection) -> None:
    """Count every ticket into the tallies (an empty table: a migration's, with the triggers holding writers off)."""
    pg = connection.dialect.name == "postgresql"
    for grain in ("h", "d"):
        bucket = (
            f"date_trunc('{PG_BUCKET[grain]}', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
            if pg
            else f"strftime('{SQLITE_BUCKET[grain]}', created_at)"
        )
        connection.exec_driver_sql(
            f"INSERT INTO tickettally ({KEY}, created) "
            f"SELECT '{grain}', {bucket}, department, category, channel, count(*) FROM ticket "
            f"GROUP BY {bucket}, department, category, channel"
        )


def ddl_for_create_all(dialect: str) -> list[DDL]:
    """The triggers as DDL run after ticket is created by SQLModel's create_all (the tests' quick schema)."""
    return [DDL(statement.replace("%", "%%")).execute_if(dialect=dialect) for statement in statements(dialect)]
