"""Removing residents' photos and voice notes from the media store once no row refers to them.

Stored files are named by their content's hash (bot.messaging.media.store_media), so two residents who
send the same picture share one file: a file goes only when no message and no ticket still names it.
Files are removed after the rows that named them changed, never before: a rolled-back erasure keeps them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Text, cast, event, or_, select
from sqlalchemy.orm import Session

from bot.config import Config
from bot.db.tables import Message, Ticket
from bot.messaging.media import media_path

__all__ = [
    "STORED_NAME",
    "stored_names",
    "referenced",
    "all_referenced",
    "remove_files",
    "remove_after_commit",
    "unreferenced_old_files",
]

STORED_NAME = re.compile(r"[0-9a-f]{32}\.[a-z0-9]{1,8}")  # what store_media names a file
REFERENCE_QUERY_NAMES = 50  # names looked up per query


def stored_names(media: Iterable) -> set[str]:
    """The names of our copies among media items ({"url", "stored", ...})."""
    return {
        item["stored"] for item in media or () if isinstance(item, dict) and isinstance(item.get("stored"), str)
    } - {""}


def referenced(session: Session, names: Iterable[str]) -> set[str]:
    """Which of these files some message or ticket still names."""
    wanted, found = sorted(set(names)), set[str]()
    for start in range(0, len(wanted), REFERENCE_QUERY_NAMES):
        chunk = wanted[start : start + REFERENCE_QUERY_NAMES]
        for column in (cast(Message.__table__.c.data, Text), cast(Ticket.__table__.c.media, Text)):
            matches = or_(*(column.contains(name, autoescape=True) for name in chunk))
            for (text,) in session.execute(select(column).where(matches)):
                found.update(name for name in chunk if name in text)
    return found


def all_referenced(session: Session) -> set[str]:
    """Every file a message or a ticket names (one pass over the rows that hold any)."""
    data = cast(Message.__table__.c.data, Text)
    media = cast(Ticket.__table__.c.media, Text)
    names: set[str] = set()
    for (items,) in session.execute(select(Message.__table__.c.data).where(data.contains('"stored"'))):
        names |= stored_names((items or {}).get("media", []))
    for (items,) in session.execute(select(Ticket.__table__.c.media).where(media.contains('"stored"'))):
        names |= stored_names(items)
    return names


def remove_files(config: Config, names: Iterable[str]) -> int:
    """Delete these stored files; return how many were there."""
    removed = 0
    for name in names:
        path = media_path(config, name)
        if path is not None:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def remove_after_commit(session: Session, config: Config, names: Iterable[str]) -> None:
    """Delete these files once the session's transaction commits (nothing if it rolls back)."""
    pending = set(names)
    if not pending:
        return

    def remove(_session) -> None:
        remove_files(config, pending)
        pending.clear()

    event.listen(session, "after_commit", remove, once=True)
    event.listen(session, "after_rollback", lambda _session: pending.clear(), once=True)


def unreferenced_old_files(config: Config, referenced_names: set[str], older_than_seconds: float) -> list[str]:
    """Stored files no row names, untouched for longer than given: left by an erasure whose process died
    between its commit and the removal. Younger files may be a download whose row is still being written."""
    folder, now = Path(config.media_dir), time.time()
    if not folder.is_dir():
        return []
    return [
        path.name
        for path in folder.iterdir()
        if STORED_NAME.fullmatch(path.name)
        and path.name not in referenced_names
        and path.is_file()
        and now - path.stat().st_mtime > older_than_seconds
    ]
