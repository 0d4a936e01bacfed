"""Schema changes through Alembic: upgrade a database to the head revision, read or stamp its revision.

Alembic is configured here rather than in an alembic.ini: the scripts live in bot/db/migrations and
install with the package, and every function takes the engine (or URL) to migrate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from bot.db.database import make_engine

__all__ = ["Upgrade", "upgrade", "current", "stamp", "revision", "head", "LATER_COLUMNS"]

MIGRATIONS = Path(__file__).parent / "migrations"
LATER_COLUMNS = {"ticket": ("assignee_id", "due_at", "search_text")}  # what 0002 adds; present means "at 0002"
VERSION_TABLE = "alembic_version"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade did: the revision before and after, and the one an unversioned database was stamped with."""

    before: str | None
    after: str | None
    adopted: str | None = None


def alembic_config(engine: Engine | None = None, flows=None) -> AlembicConfig:
    """An Alembic configuration over our scripts; env.py migrates `engine` and dates tickets with `flows`."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes.update(engine=engine, flows=flows)
    return config


def _engine(engine_or_url: Engine | str) -> Engine:
    return make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url


def head() -> str | None:
    """The newest revision among the scripts (None before the first one)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(engine_or_url: Engine | str) -> str | None:
    """The database's revision; None for an empty database or one made before migrations."""
    with _engine(engine_or_url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def stamp(engine_or_url: Engine | str, target: str) -> None:
    """Record that the database is at target without running anything."""
    command.stamp(alembic_config(_engine(engine_or_url)), target)


def upgrade(engine_or_url: Engine | str, target: str = "head", flows=None) -> Upgrade:
    """Bring the database to target (head): adopt a database made before migrations, then run what is pending."""
    engine = _engine(engine_or_url)
    before = current(engine)
    adopted = None if before else _adopt_unversioned(engine)
    command.upgrade(alembic_config(engine, flows), target)
    return Upgrade(before or adopted, current(engine), adopted)


def _adopt_unversioned(engine: Engine) -> str | None:
    """Stamp a database whose tables predate migrations with the revision it matches; None if it has no tables."""
    inspector = inspect(engine)
    tables = set(inspector.get_table_names())
    first = _revision_module("0001")
    if not tables & set(first.SCHEMA.tables):
        return None
    matched = "0002" if _has_later_columns(inspector, tables) else "0001"
    # A database older still may lack whole tables (the operators' came later): add them as 0001 makes them.
    first.SCHEMA.create_all(engine, checkfirst=True)
    stamp(engine, matched)
    log.warning(
        "database made before migrations: stamped revision %s (%s), upgrading from there",
        matched,
        "later columns present" if matched == "0002" else "later columns missing",
    )
    return matched


def _has_later_columns(inspector, tables: set[str]) -> bool:
    return all(
        table in tables and set(columns) <= {c["name"] for c in inspector.get_columns(table)}
        for table, columns in LATER_COLUMNS.items()
    )


def _revision_module(revision_id: str):
    return ScriptDirectory.from_config(alembic_config()).get_revision(revision_id).module


def revision(message: str, autogenerate: bool = True, engine_or_url: Engine | str | None = None) -> str:
    """Write a new migration script (compared against the database when autogenerating); return its path."""
    engine = _engine(engine_or_url) if engine_or_url is not None else None
    script = command.revision(alembic_config(engine), message=message, autogenerate=autogenerate, rev_id=_next_id())
    return script.path


def _next_id() -> str:
    """Revisions are numbered 0001, 0002, ...: their order reads off the file names."""
    return f"{int(head() or 0) + 1:04d}"
