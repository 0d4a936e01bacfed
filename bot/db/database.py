"""Database engine and transactions: SQLite in WAL mode, writes taken as BEGIN IMMEDIATE."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel, create_engine

from bot.db import tables, text_search  # noqa: F401 - registers the tables and their text index

__all__ = ["make_engine", "create_tables", "transaction", "connection_transaction"]

BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and explicit transaction control.

    PostgreSQL sessions run in UTC; DATABASE_POOL=none leaves pooling to an external
    pooler (PgBouncer) and opens a connection per use. Statements' parameters (residents' numbers and
    words) stay out of SQLAlchemy's log and of its errors' text, which a traceback would log.
    """
    if not url.startswith("sqlite"):
        pooling = {"poolclass": NullPool} if os.environ.get("DATABASE_POOL") == "none" else {"pool_pre_ping": True}
        return create_engine(url, connect_args={"options": "-c timezone=UTC"}, hide_parameters=True, **pooling)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    engine = create_engine(url, connect_args=connect_args, hide_parameters=True)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection, _record) -> None:
    # pysqlite's own BEGIN is deferred; switch it off so _begin_sqlite decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # in WAL: durable across crashes of the app
    cursor.close()


def _begin_sqlite(connection) -> None:
    # A deferred transaction that reads then writes fails with "database is locked"
    # under several processes even with a busy timeout; IMMEDIATE waits its turn instead.
    immediate = connection.get_execution_options().get("immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_tables(engine: Engine) -> None:
    """Create the missing tables straight from the models: the tests' quick fixture; real databases use `ventanilla db upgrade`."""
    SQLModel.metadata.create_all(engine)


@contextmanager
def transaction(engine: Engine, immediate: bool = False) -> Iterator[Session]:
    """Yield a session inside one transaction, committed on success, rolled back on error."""
    bind = engine.execution_options(immediate=True) if immediate else engine
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def connection_transaction(engine: Engine, immediate: bool = False) -> Iterator[Connection]:
    """Yield a Core connection inside one transaction: the hot path's lighter twin of transaction()."""
    bind = engine.execution_options(immediate=True) if immediate else engine
    with bind.connect() as connection, connection.begin():
        yield connection
