"""The published files in the database (table opendatafile): replaced all at once, read one by name.

A publication replaces every file in one transaction (on PostgreSQL two publications take turns on an advisory
lock), so /datos/ never serves one figure of a publication beside another's, whichever web host answers.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, text
from sqlmodel import Session, select

from bot.db.tables import OpenDataFile
from bot.opendata.downloads import File

__all__ = ["replace_all", "read", "names", "page_version", "withdraw_quotes"]

LOCK_KEY = 0x0DA705  # PostgreSQL advisory lock: publications take turns


def replace_all(session: Session, files: list[File], now: datetime) -> None:
    """Publish these files in place of every file published before."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    session.execute(delete(OpenDataFile))
    for file in files:
        session.add(
            OpenDataFile(
                name=file.name,
                media_type=file.media_type,
                body=file.body,
                digest=hashlib.sha256(file.body).hexdigest(),
                quotes_residents=file.quotes_residents,
                published_at=now,
            )
        )
    session.flush()


def read(session: Session, name: str) -> OpenDataFile | None:
    """The published file of that name, or None."""
    return session.get(OpenDataFile, name)


def page_version(session: Session, page: str) -> tuple[tuple[str, str], ...]:
    """What the page shows depends on: the page's file and the files that quote residents, as (name, digest) pairs.

    Equal versions render the same page, so a web process may keep the page it rendered for one (an erasure
    that withdraws a file of comments changes the version)."""
    found = session.exec(
        select(OpenDataFile.name, OpenDataFile.digest)
        .where((OpenDataFile.name == page) | OpenDataFile.quotes_residents.is_(True))
        .order_by(OpenDataFile.name)
    ).all()
    return tuple((name, digest) for name, digest in found)


def names(session: Session) -> list[str]:
    """Every published file's name, in order."""
    return list(session.exec(select(OpenDataFile.name).order_by(OpenDataFile.name)).all())


def withdraw_quotes(session: Session) -> int:
    """Remove the files that quote residents (public survey comments): an erased resident's words must not stay
    published. The next publication writes them again without the erased responses. Returns how many went."""
    result = session.execute(delete(OpenDataFile).where(OpenDataFile.quotes_residents.is_(True)))
    return result.rowcount or 0
