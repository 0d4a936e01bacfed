"""What one mid-flow message costs in SQL: a number that must not grow unnoticed."""

from __future__ import annotations

from sqlalchemy import event

# A read snapshot (BEGIN, dedupe lookup, conversation lookup), then the write lock
# for writes only (BEGIN IMMEDIATE, conversation update, inbound insert, replies
# insert). COMMITs go through the driver, not a cursor.
MID_FLOW_BUDGET = 7


def executed_statements(engine, action) -> list[str]:
    """Run action and return the first words of every SQL statement it executed."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()[:2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def test_one_mid_flow_message_costs_a_handful_of_statements(app, resident):
    resident.says("hola")
    resident.says("bache")
    engine = app.extensions["ventanilla"].engine
    statements = executed_statements(engine, lambda: resident.says("Morelos y 5 de Mayo"))
    assert len(statements) <= MID_FLOW_BUDGET, statements
    if engine.dialect.name != "sqlite":  # PostgreSQL: the driver begins; the UPDATE's row lock is the lock
        first_write = next(i for i, s in enumerate(statements) if s.startswith("UPDATE"))
        assert all(s.startswith(("UPDATE", "INSERT")) for s in statements[first_write:]), statements
        return
    locked = statements[statements.index("BEGIN IMMEDIATE") + 1 :]
    assert locked and all(s.startswith(("UPDATE", "INSERT")) for s in locked), statements  # no reads under the lock
    assert "BEGIN" in statements[: statements.index("BEGIN IMMEDIATE")]  # reads share one snapshot


def test_a_finishing_message_pays_one_count_for_the_daily_cap(tmp_path, redis_url):
    """The daily cap (TICKETS_PER_CONTACT_PER_DAY) costs the message that files a report one SELECT, no more."""
    from bot import create_app
    from bot.db.database import create_tables
    from tests.support.app import Resident, app_settings

    costs = {}
    for cap in (0, 10):
        app = create_app(app_settings(tmp_path / str(cap), redis_url, tickets_per_contact_per_day=cap))
        engine = app.extensions["ventanilla"].engine
        create_tables(engine)
        resident = Resident(app.test_client())
        for text in ("hola", "bache", "Morelos y 5 de Mayo", "omitir"):
            resident.says(text)
        costs[cap] = executed_statements(engine, lambda resident=resident: resident.says("sí"))
        engine.dispose()
    counted = costs[10].copy()
    counted.remove("SELECT (SELECT")  # the tickets filed today and whether the cap was lifted, in one statement
    assert counted == costs[0], costs
