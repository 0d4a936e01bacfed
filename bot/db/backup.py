"""A backup of a SQLite installation: the database, copied consistently while it runs, and the media store.

One `.tar.gz` holds `ventanilla.db` (made with SQLite's online backup API, so web and worker keep writing
meanwhile and the copy is one consistent moment), `media/` (every stored photo and voice note) and
`manifest.json` (when, the schema revision, how many files). Restoring puts both back in an installation
whose database is empty or missing, or replaces them with `force`. PostgreSQL installations back up with
`pg_dump` (README, "Running in production"): this module refuses them, saying so.
"""

from __future__ import annotations

import json
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

__all__ = ["BackupError", "Backed", "backup", "restore", "sqlite_path"]

DATABASE_NAME = "ventanilla.db"
MANIFEST = "manifest.json"
MEDIA = "media"


class BackupError(Exception):
    """The backup or restore cannot be made as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Backed:
    """What a backup or a restore held: the schema revision and the media files."""

    revision: str | None
    media_files: int
    path: Path


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite URL; BackupError for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError(
            f"{url.get_backend_name()} is backed up with its own tools (pg_dump for PostgreSQL): see the README's "
            "'Running in production'; `ventanilla backup` copies a SQLite installation"
        )
    return Path(url.database)


def backup(database_url: str, media_dir: str | Path, destination: str | Path) -> Backed:
    """Write the database and the media store to destination (a .tar.gz), consistently while the app runs."""
    source, media, destination = sqlite_path(database_url), Path(media_dir), Path(destination)
    if not source.exists():
        raise BackupError(f"there is no database at {source}: nothing to back up")
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / DATABASE_NAME
        with sqlite3.connect(source) as live, sqlite3.connect(copy) as target:
            live.backup(target)  # SQLite's online backup: one consistent moment, writers not blocked for long
        target.close()
        revision = _revision(copy)
        files = sorted(p for p in media.rglob("*") if p.is_file()) if media.is_dir() else []
        manifest = {
            "made_at": datetime.now(UTC).isoformat(),
            "revision": revision,
            "media_files": len(files),
        }
        (Path(scratch) / MANIFEST).write_text(json.dumps(manifest, indent=2))
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(Path(scratch) / MANIFEST, MANIFEST)
            archive.add(copy, DATABASE_NAME)
            for path in files:
                archive.add(path, f"{MEDIA}/{path.relative_to(media).as_posix()}")
        partial.replace(destination)  # a backup is whole or absent, never half-written
    return Backed(revision, len(files), destination)


def restore(database_url: str, media_dir: str | Path, source: str | Path, force: bool = False) -> Backed:
    """Put a backup's database and media store in place; refuses to overwrite a database with data unless force."""
    target, media, source = sqlite_path(database_url), Path(media_dir), Path(source)
    if not source.is_file():
        raise BackupError(f"there is no backup at {source}")
    if _has_data(target) and not force:
        raise BackupError(
            f"{target} already holds data: restoring would replace it (stop web and worker, then use --force)"
        )
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(source, "r:gz") as archive:
        names = archive.getnames()
        if MANIFEST not in names or DATABASE_NAME not in names:
            raise BackupError(f"{source} is not a Ventanilla backup (no {MANIFEST} or {DATABASE_NAME})")
        archive.extractall(scratch, filter="data")  # no absolute paths, links out or devices
        manifest = json.loads((Path(scratch) / MANIFEST).read_text())
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):  # a stale write-ahead log must not replay over the restored file
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        (Path(scratch) / DATABASE_NAME).replace(target)
        restored = Path(scratch) / MEDIA
        files = sorted(p for p in restored.rglob("*") if p.is_file()) if restored.is_dir() else []
        for path in files:
            place = media / path.relative_to(restored)
            place.parent.mkdir(parents=True, exist_ok=True)
            path.replace(place)
    return Backed(manifest.get("revision"), len(files), target)


def _revision(database: Path) -> str | None:
    with sqlite3.connect(database) as connection:
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            return None
    connection.close()
    return row[0] if row else None


def _has_data(database: Path) -> bool:
    """Whether the database exists with any contact or ticket in it (an empty, just-migrated one may be replaced)."""
    if not database.exists():
        return False
    with sqlite3.connect(database) as connection:
        try:
            counts = [
                connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("contact", "ticket")
            ]
        except sqlite3.OperationalError:
            counts = []
    connection.close()
    return any(counts)
