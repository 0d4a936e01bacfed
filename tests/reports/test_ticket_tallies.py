"""The overview's tickets per category, city week and channel, summed from the tallies triggers keep, are the
tickets themselves counted: after triage moves tickets, after deletions, in zones with and without whole-hour
offsets, and after migration 0010 counts the tickets a database already had."""

from __future__ import annotations

import random
import statistics
from bisect import bisect_right
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from bot.db.database import make_engine, transaction
from bot.db.migrate import head, upgrade
from bot.db.tables import Contact, Ticket, TicketEvent, TicketTally
from bot.flows.loader import load_flows
from bot.reports import overview
from bot.reports.periods import day_start, week_start
from bot.tickets.lifecycle import OPEN_STATUSES
from bot.tickets.search import matching_ids
from tests.support.app import ROOT, TEST_DATABASE_URL, database_url

FLOWS = load_flows(ROOT / "flows.yaml")
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
ZONES = ["UTC", "America/Monterrey", "Europe/London", "Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe"]
DEPARTMENTS = {"obras": ["bache", "banqueta"], "servicios": ["basura", "alumbrado"]}
CHANNELS = ["whatsapp", "sms", "web"]


@pytest.fixture
def engine(tmp_path):
    url = database_url(tmp_path, "tallies.db")
    if TEST_DATABASE_URL:
        _drop_everything(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    if TEST_DATABASE_URL:
        _drop_everything(url)


def _drop_everything(url: str) -> None:
    engine = make_engine(url)
    existing = sa.MetaData()
    existing.reflect(engine)
    existing.drop_all(engine)
    engine.dispose()


def add_tickets(engine, count: int, seed: int) -> None:
    """Tickets over the last sixteen weeks and a few days ahead, at any second, of every department, category, channel."""
    chance = random.Random(seed)
    with transaction(engine) as db:
        # The contact's columns named, as the migration under test knows them (later ones add columns).
        added = db.execute(sa.insert(Contact).values(name="Lupita", opted_out=False, created_at=NOW))
        contact_id = added.inserted_primary_key[0]
        for n in range(count):
            department = chance.choice(list(DEPARTMENTS))
            created = NOW - timedelta(seconds=chance.randrange(-3 * 86400, 16 * 7 * 86400), microseconds=n)
            db.add(
                Ticket(
                    folio=f"T-{seed}-{n}",
                    contact_id=contact_id,
                    channel=chance.choice(CHANNELS),
                    flow="x",
                    department=department,
                    category=chance.choice(DEPARTMENTS[department]),
                    created_at=created,
                )
            )


def triage(engine, seed: int) -> None:
    """Operators move tickets to other categories, departments, channels, dates; some tickets are deleted."""
    chance = random.Random(seed)
    with transaction(engine) as db:
        tickets = list(db.exec(select(Ticket).order_by(Ticket.id)))
        for ticket in chance.sample(tickets, len(tickets) // 4):
            move = chance.choice(["category", "department", "channel", "created_at", "status", "all"])
            if move in ("category", "all"):
                ticket.category = chance.choice(DEPARTMENTS[ticket.department])
            if move in ("department", "all"):
                ticket.department = chance.choice(list(DEPARTMENTS))
                ticket.category = chance.choice(DEPARTMENTS[ticket.department])
            if move in ("channel", "all"):
                ticket.channel = chance.choice(CHANNELS)
            if move in ("created_at", "all"):
                ticket.created_at = ticket.created_at - timedelta(hours=chance.randrange(1, 200))
            if move == "status":
                ticket.status = chance.choice(OPEN_STATUSES)  # not counted: the tallies stay as they are
        db.flush()
        for ticket in chance.sample(tickets, 5):
            db.delete(ticket)


def expected(engine, scope, zone) -> tuple[dict, list]:
    """The overview's counts, computed here from every ticket."""
    mondays = [week_start(NOW.astimezone(zone).date()) - timedelta(weeks=n) for n in reversed(range(12))]
    bounds = [day_start(monday, zone) for monday in mondays] + [day_start(mondays[-1] + timedelta(weeks=1), zone)]
    per_week: dict[str, list[int]] = {}
    channels: Counter = Counter()
    with engine.connect() as db:
        for department, category, channel, created in db.execute(
            sa.select(Ticket.department, Ticket.category, Ticket.channel, Ticket.created_at)
        ):
            created = created.replace(tzinfo=UTC) if created.tzinfo is None else created
            if (scope and department not in scope) or created < bounds[0]:
                continue
            week = bisect_right(bounds, created) - 1
            counts = per_week.setdefault(category, [0] * 12)
            if week < 12:
                counts[week] += 1
            channels[channel] += 1
    return dict(sorted(per_week.items())), sorted(channels.items(), key=lambda row: (-row[1], row[0]))


def figures(engine, scope, zone) -> tuple[dict, list]:
    with Session(engine) as db:
        seen = overview(db, scope, NOW, zone=zone)
    return seen.per_category_week, seen.channels


def assert_counts_hold(engine) -> None:
    for name in ZONES:
        for scope in (None, ["obras"], ["servicios", "obras"]):
            assert figures(engine, scope, ZoneInfo(name)) == expected(engine, scope, ZoneInfo(name)), (name, scope)


def test_the_overview_counts_tickets_as_they_are_created_moved_and_deleted(engine):
    SQLModel.metadata.create_all(engine)  # the tests' quick schema: create_all installs the triggers too
    add_tickets(engine, 600, seed=1)
    assert_counts_hold(engine)
    triage(engine, seed=2)
    assert_counts_hold(engine)
    with engine.connect() as db:  # and the tallies did the work: every hour and day row sums to the tickets
        hours = db.execute(sa.select(sa.func.sum(TicketTally.created)).where(TicketTally.grain == "h")).scalar()
        days = db.execute(sa.select(sa.func.sum(TicketTally.created)).where(TicketTally.grain == "d")).scalar()
        tickets = db.execute(sa.select(sa.func.count()).select_from(Ticket)).scalar()
    assert hours == days == tickets == 595


def test_migration_0010_counts_the_tickets_a_database_already_has(engine):
    upgrade(engine, "0009", flows=FLOWS)
    add_tickets(engine, 300, seed=3)
    assert upgrade(engine, flows=FLOWS).after == head()  # 0010 and any later revision
    assert_counts_hold(engine)
    assert_search_by_department_holds(engine)  # SQLite: 0010 indexes the tickets' text by department too
    triage(engine, seed=4)  # and from now on the triggers keep them
    add_tickets(engine, 50, seed=5)
    assert_counts_hold(engine)
    assert_search_by_department_holds(engine)


def assert_search_by_department_holds(engine) -> None:
    with Session(engine) as db:
        if db.connection().dialect.name != "sqlite":
            return
        for department in DEPARTMENTS:
            for word in ("t-3-1", "t-5-", "t-3-29"):
                like = db.exec(
                    select(Ticket.id).where(Ticket.department == department, Ticket.search_text.like(f"%{word}%"))
                ).all()
                assert like or word != "t-3-1"
                assert sorted(matching_ids(db, [word], few=10_000, departments=[department]) or []) == sorted(like)


def resolve(engine, seed: int) -> None:
    """Most tickets resolved after any number of microseconds; some reopened and resolved again (the first counts)."""
    chance = random.Random(seed)
    with transaction(engine) as db:
        for ticket in db.exec(select(Ticket).order_by(Ticket.id)):
            if chance.random() < 0.2:
                continue
            first = ticket.created_at + timedelta(microseconds=chance.randrange(1, 30 * 86400 * 10**6))
            changes = [(first, "resolved")]
            if chance.random() < 0.3:
                changes += [(first + timedelta(hours=1), "in_progress"), (first + timedelta(hours=9), "resolved")]
            for moment, to in changes:
                db.add(TicketEvent(ticket_id=ticket.id, kind="status_changed", detail={"to": to}, created_at=moment))


def expected_medians(engine, scope, since: datetime) -> dict[str, tuple[timedelta, int]]:
    spans: dict[str, list[timedelta]] = {}
    with engine.connect() as db:
        for department, category, created, resolved in db.execute(
            sa.select(Ticket.department, Ticket.category, Ticket.created_at, Ticket.resolved_at)
        ):
            resolved = resolved and (resolved.replace(tzinfo=UTC) if resolved.tzinfo is None else resolved)
            if resolved is None or resolved < since or (scope and department not in scope):
                continue
            created = created.replace(tzinfo=UTC) if created.tzinfo is None else created
            spans.setdefault(category, []).append(resolved - created)
    return {category: (statistics.median(found), len(found)) for category, found in sorted(spans.items())}


def test_the_median_time_to_resolve_is_exact_to_the_microsecond(engine):
    SQLModel.metadata.create_all(engine)
    add_tickets(engine, 400, seed=6)
    resolve(engine, seed=7)
    for name in ("America/Monterrey", "Asia/Kolkata"):
        for scope in (None, ["obras"]):
            with Session(engine) as db:
                seen = overview(db, scope, NOW, zone=ZoneInfo(name))
            assert seen.median_resolve == expected_medians(engine, scope, seen.since), (name, scope)
            assert sum(count for _, count in seen.median_resolve.values()) > 50
