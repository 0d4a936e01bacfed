"""`ventanilla surveys rebuild` counts every survey's responses into its tallies, in CITY_TIMEZONE's days."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.cli.main import main
from bot.db.database import create_tables, make_engine, transaction
from bot.db.tables import Contact, SurveyResponse
from bot.flows.loader import load_flows
from bot.reports import Period, survey_results
from bot.reports.tallies import read_tallies
from tests.support.app import ROOT, database_url

FLOWS = load_flows(ROOT / "flows.yaml")
PARKS = FLOWS.flows["park_evaluation"]


@pytest.fixture
def env(tmp_path, redis_url) -> dict:
    """A database with three park evaluations stored before any tallies (as a database from before 0008)."""
    url = database_url(tmp_path)
    engine = make_engine(url)
    create_tables(engine)
    with transaction(engine, immediate=True) as session:
        contact = Contact(name="Lupita")
        session.add(contact)
        session.flush()
        for park, score, hour in (("P001", 5, 3), ("P001", 3, 12), ("P002", 1, 20)):
            answers = {"park": park, "cleanliness": score, "safety": score, "lighting": score}
            moment = datetime(2026, 11, 2, hour, tzinfo=UTC)
            session.add(SurveyResponse(flow=PARKS.id, contact_id=contact.id, answers=answers, created_at=moment))
    engine.dispose()
    return {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "FLOWS_PATH": str(ROOT / "flows.yaml"),
        "SECRET_KEY": "test",
        "CITY_TIMEZONE": "America/Monterrey",
    }


def results(url: str, zone: str):
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            period = Period(zone=ZoneInfo(zone))
            return read_tallies(db, PARKS, period), survey_results(db, PARKS, period, "es")
    finally:
        engine.dispose()


def test_rebuild_counts_the_responses_in_the_city_zone(runner, env):
    tallied, _ = results(env["DATABASE_URL"], "America/Monterrey")
    assert tallied is None  # responses from before the tallies: results read them until a rebuild
    result = runner.invoke(main, ["surveys", "rebuild"], env=env)
    assert result.exit_code == 0, result.output
    assert "park_evaluation: 3 responses counted (America/Monterrey)" in result.output
    tallied, found = results(env["DATABASE_URL"], "America/Monterrey")
    assert tallied is not None and found.total == 3
    assert found.timeline == [
        (datetime(2026, 11, 1).date(), 1),
        (datetime(2026, 11, 2).date(), 2),
    ]  # 03:00 UTC: the 1st
    assert [(row.value, row.count) for row in found.subjects] == [("P001", 2), ("P002", 1)]


def test_an_unknown_flow_or_a_database_not_upgraded_is_told_not_a_traceback(runner, env, tmp_path):
    unknown = runner.invoke(main, ["surveys", "rebuild", "nope"], env=env)
    assert unknown.exit_code == 1 and "no survey flow named nope" in unknown.output
    fresh = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    result = runner.invoke(main, ["surveys", "rebuild"], env=fresh)
    assert result.exit_code == 1
    assert "run `ventanilla db upgrade` first" in result.output and "Traceback" not in result.output
