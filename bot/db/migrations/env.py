"""Alembic's entry point: migrate the engine bot.db.migrate hands over (or DATABASE_URL's), in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from bot.db import tables  # noqa: F401 - registers the tables the head must match
from bot.db.database import make_engine
from bot.db.text_search import not_text_index


def _engine():
    """The engine bot.db.migrate passed in; else the app's DATABASE_URL (a bare `alembic` run)."""
    engine = context.config.attributes.get("engine")
    if engine is None:
        from bot.config import Config

        engine = make_engine(Config.from_env().database_url)
    return engine


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    # Batch mode rebuilds a SQLite table by copy, drop and rename; with foreign keys on, dropping a table
    # others reference fails. The pragma is a no-op inside a transaction, so it goes to the driver first.
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = driver.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:5]}")
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def run_migrations_online() -> None:
    """Run the pending migrations inside one (on SQLite: immediate) transaction."""
    with _engine().connect() as connection, _sqlite_foreign_keys_off(connection):
        context.configure(
            connection=connection.execution_options(immediate=True),
            target_metadata=SQLModel.metadata,
            render_as_batch=True,  # SQLite alters most things only by rebuilding the table
            compare_type=True,
            include_name=not_text_index,  # the text index is DDL of its own (bot/db/text_search.py)
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")
run_migrations_online()
