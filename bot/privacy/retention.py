"""Retention: what flows.yaml's `privacy.retention` says may no longer be kept, found and removed.

- messages: a message older than the period whose contact has no open ticket and no ticket closed within
  the period loses its text and its data (media, pins); its row stays, so counts by channel and day stay.
  A ticket closed longer ago than the period loses its photos. Files go once no row names them.
- silent_contacts: a contact with no open ticket, no ticket closed, no message of theirs and no open ARCO
  request within the period is erased (bot.privacy.erase): tickets stay as statistics.
- audit_events: tickets' and privacy's audit entries older than the period are deleted.

A ticket linked as a duplicate counts as its original: open while the original is, closed when it closed
(a linked report keeps the status it was filed with). "Closed" is any status outside OPEN_STATUSES, at the
ticket's last update. Survey answers are kept (their free text goes only with their contact's erasure).

`apply` works in short transactions of `batch` rows, pausing between them so webhooks get the database
(SQLite has one writer), and repeats its conditions in each UPDATE: two workers at once change each row
once. On PostgreSQL it also holds an advisory lock, and a second worker leaves at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from redis import Redis
from sqlalchemy import Text, and_, cast, delete, exists, func, not_, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from bot.config import Config
from bot.db.database import transaction
from bot.db.tables import Contact, Message, PrivacyEvent, PrivacyRequest, Ticket, TicketEvent
from bot.flows.model import Flows, Retention
from bot.privacy import audit
from bot.privacy.erase import erase_contact
from bot.privacy.media_files import all_referenced, remove_files, stored_names, unreferenced_old_files
from bot.tickets.lifecycle import OPEN_STATUSES

__all__ = ["report", "apply", "retention_of", "LOCK_KEY", "PAUSE_SECONDS"]

MESSAGE, TICKET, CONTACT = Message.__table__, Ticket.__table__, Contact.__table__
LOCK_KEY = 0x56454E5452  # pg_try_advisory_lock's key for retention ("VENTR")
PAUSE_SECONDS = 0.01  # between batches: a webhook waiting for SQLite's write lock gets it


def retention_of(flows: Flows) -> Retention:
    """The flows' retention periods (none set: everything is kept)."""
    return flows.privacy.retention if flows.privacy else Retention()


# --- what is due ---------------------------------------------------------------------------------


def _busy(contact_id, since: datetime) -> ColumnElement[bool]:
    """The contact has a ticket open, or closed since `since` (a linked duplicate counts as its original)."""
    ticket, original = TICKET.alias("busy_ticket"), TICKET.alias("busy_original")
    status = func.coalesce(original.c.status, ticket.c.status)
    closed = func.coalesce(original.c.updated_at, ticket.c.updated_at)
    return exists(
        select(ticket.c.id)
        .select_from(ticket.outerjoin(original, ticket.c.duplicate_of == original.c.id))
        .where(ticket.c.contact_id == contact_id, or_(status.in_(OPEN_STATUSES), closed >= since))
    )


def _expired_message(cutoff: datetime) -> ColumnElement[bool]:
    kept = or_(MESSAGE.c.text != "", cast(MESSAGE.c.data, Text) != "{}")
    return and_(MESSAGE.c.created_at < cutoff, kept, not_(_busy(MESSAGE.c.contact_id, cutoff)))


def _expired_ticket_media(cutoff: datetime) -> ColumnElement[bool]:
    ticket, original = TICKET.alias("done_ticket"), TICKET.alias("done_original")
    status = func.coalesce(original.c.status, ticket.c.status)
    closed = func.coalesce(original.c.updated_at, ticket.c.updated_at)
    done = exists(
        select(ticket.c.id)
        .select_from(ticket.outerjoin(original, ticket.c.duplicate_of == original.c.id))
        .where(ticket.c.id == TICKET.c.id, status.not_in(OPEN_STATUSES), closed < cutoff)
    )
    return and_(cast(TICKET.c.media, Text) != "[]", done)


def _silent_contact(cutoff: datetime) -> ColumnElement[bool]:
    requests = PrivacyRequest.__table__
    spoke = exists(
        select(MESSAGE.c.id).where(
            MESSAGE.c.contact_id == CONTACT.c.id, MESSAGE.c.direction == "in", MESSAGE.c.created_at >= cutoff
        )
    )
    asked = exists(select(requests.c.id).where(requests.c.contact_id == CONTACT.c.id, requests.c.status == "open"))
    return and_(
        CONTACT.c.anonymised_at.is_(None),
        CONTACT.c.created_at < cutoff,
        not_(spoke),
        not_(asked),
        not_(_busy(CONTACT.c.id, cutoff)),
    )


# --- report ----------------------------------------------------------------------------------------


def report(session: Session, flows: Flows, now: datetime) -> dict[str, Any]:
    """What applying retention now would remove, by kind, with the periods it follows."""
    retention = retention_of(flows)
    found: dict[str, Any] = {"periods": _periods(retention)}
    if retention.silent_contacts:
        found["contacts"] = _count(session, CONTACT, _silent_contact(now - retention.silent_contacts))
    if retention.messages:
        cutoff = now - retention.messages
        found["messages"] = _count(session, MESSAGE, _expired_message(cutoff))
        found["ticket_photos"] = _count(session, TICKET, _expired_ticket_media(cutoff))
        found["media_files"] = len(_files_due(session, cutoff))
    if retention.audit_events:
        cutoff = now - retention.audit_events
        found["ticket_events"] = _count(session, TicketEvent.__table__, TicketEvent.__table__.c.created_at < cutoff)
        found["privacy_events"] = _count(session, PrivacyEvent.__table__, PrivacyEvent.__table__.c.created_at < cutoff)
    return found


def _periods(retention: Retention) -> dict[str, int | None]:
    """Each period in days (None: kept until erased)."""
    return {
        name: (period.days if period is not None else None)
        for name, period in (
            ("messages", retention.messages),
            ("silent_contacts", retention.silent_contacts),
            ("audit_events", retention.audit_events),
        )
    }


def _count(session: Session, table, condition) -> int:
    return int(session.execute(select(func.count()).select_from(table).where(condition)).scalar_one())


def _files_due(session: Session, cutoff: datetime) -> set[str]:
    with_files = cast(MESSAGE.c.data, Text).contains('"stored"')
    names: set[str] = set()
    for (data,) in session.execute(select(MESSAGE.c.data).where(_expired_message(cutoff), with_files)):
        names |= stored_names((data or {}).get("media", []))
    for (media,) in session.execute(select(TICKET.c.media).where(_expired_ticket_media(cutoff))):
        names |= stored_names(media)
    return names


# --- apply -----------------------------------------------------------------------------------------


def apply(
    engine: Engine,
    config: Config,
    flows: Flows,
    now: datetime,
    batch: int = 500,
    *,
    redis: Redis | None = None,
    actor: str = "system",
    pause: float = PAUSE_SECONDS,
) -> dict[str, Any]:
    """Remove what retention says is due, batch by batch; return the counts (audited as retention_applied)."""
    retention = retention_of(flows)
    with _exclusive(engine) as mine:
        if not mine:
            return {"skipped": 1}
        work = _Batches(engine, batch, pause)
        counts: dict[str, Any] = {}
        if retention.silent_contacts:
            counts["contacts"] = _erase_silent(work, config, flows, now - retention.silent_contacts, redis, actor)
        files: set[str] = set()
        if retention.messages:
            cutoff = now - retention.messages
            counts["messages"] = _blank_messages(work, cutoff, files)
            counts["ticket_photos"] = _clear_ticket_media(work, cutoff, files)
            counts["media_files"] = _remove_unreferenced(engine, config, files, retention.messages)
        if retention.audit_events:
            cutoff = now - retention.audit_events
            counts["ticket_events"] = _delete_older(work, TicketEvent.__table__, cutoff)
            counts["privacy_events"] = _delete_older(work, PrivacyEvent.__table__, cutoff)
        with transaction(engine, immediate=True) as session:
            audit.record(session, "retention_applied", actor=actor, detail=counts)
    return counts


class _Batches:
    """Short write transactions one after another, with a pause between them."""

    def __init__(self, engine: Engine, size: int, pause: float):
        self.engine, self.size, self.pause = engine, max(1, size), pause

    def read(self, statement) -> list:
        with transaction(self.engine) as session:
            return list(session.execute(statement.limit(self.size)))

    def write(self, statement) -> int:
        with transaction(self.engine, immediate=True) as session:
            changed = session.execute(statement).rowcount
        time.sleep(self.pause)
        return changed


def _blank_messages(work: _Batches, cutoff: datetime, files: set[str]) -> int:
    changed, after = 0, 0
    condition = _expired_message(cutoff)
    while rows := work.read(
        select(MESSAGE.c.id, MESSAGE.c.data).where(MESSAGE.c.id > after, condition).order_by(MESSAGE.c.id)
    ):
        after = rows[-1].id
        for row in rows:
            files |= stored_names((row.data or {}).get("media", []))
        ids = [row.id for row in rows]
        changed += work.write(update(MESSAGE).where(MESSAGE.c.id.in_(ids), condition).values(text="", data={}))
    return changed


def _clear_ticket_media(work: _Batches, cutoff: datetime, files: set[str]) -> int:
    changed, after = 0, 0
    condition = _expired_ticket_media(cutoff)
    while rows := work.read(
        select(TICKET.c.id, TICKET.c.media).where(TICKET.c.id > after, condition).order_by(TICKET.c.id)
    ):
        after = rows[-1].id
        for row in rows:
            files |= stored_names(row.media)
        ids = [row.id for row in rows]
        changed += work.write(update(TICKET).where(TICKET.c.id.in_(ids), condition).values(media=[]))
    return changed


def _erase_silent(
    work: _Batches, config: Config, flows: Flows, cutoff: datetime, redis: Redis | None, actor: str
) -> int:
    erased, after = 0, 0
    condition = _silent_contact(cutoff)
    while rows := work.read(select(CONTACT.c.id).where(CONTACT.c.id > after, condition).order_by(CONTACT.c.id)):
        after = rows[-1].id
        for (contact_id,) in rows:
            with transaction(work.engine, immediate=True) as session:
                still = session.execute(select(CONTACT.c.id).where(CONTACT.c.id == contact_id, condition)).first()
                if still is not None:
                    erase_contact(session, config, flows, contact_id, actor=actor, reason="retention", redis=redis)
                    erased += 1
            time.sleep(work.pause)
    return erased


def _delete_older(work: _Batches, table, cutoff: datetime) -> int:
    deleted = 0
    while True:
        due = select(table.c.id).where(table.c.created_at < cutoff).order_by(table.c.id).limit(work.size)
        count = work.write(delete(table).where(table.c.id.in_(due)))
        deleted += count
        if count < work.size:
            return deleted


def _remove_unreferenced(engine: Engine, config: Config, files: set[str], period: timedelta) -> int:
    """Remove the files of what was blanked that no row names any more, and old files nothing names."""
    with transaction(engine) as session:
        named = all_referenced(session)
    orphans = unreferenced_old_files(config, named, period.total_seconds())
    return remove_files(config, (files - named) | set(orphans))


@contextmanager
def _exclusive(engine: Engine) -> Iterator[bool]:
    """On PostgreSQL, hold retention's advisory lock (False: another worker has it); elsewhere, always True."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as connection:
        mine = bool(connection.execute(select(func.pg_try_advisory_lock(LOCK_KEY))).scalar())
        connection.commit()  # a session lock: it outlives this transaction, which must not stay open
        try:
            yield mine
        finally:
            if mine:
                connection.execute(select(func.pg_advisory_unlock(LOCK_KEY)))
                connection.commit()
