"""The SQLite settings the guarantees rest on."""

from __future__ import annotations

from sqlalchemy import text

from bot.db.database import BUSY_TIMEOUT_MS, make_engine, transaction


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x' / 'db.sqlite'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == BUSY_TIMEOUT_MS
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_an_immediate_transaction_holds_the_write_lock_from_its_first_statement(tmp_path):
    import sqlite3

    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    with transaction(engine, immediate=True) as session:
        session.execute(text("SELECT count(*) FROM t"))  # only a read so far
        other = sqlite3.connect(tmp_path / "db.sqlite", timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            raise AssertionError("a second writer got the lock")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
        finally:
            other.close()
