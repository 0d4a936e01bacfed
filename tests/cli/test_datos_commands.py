"""`ventanilla datos publish` publishes the open data now, and says why it cannot."""

from __future__ import annotations

from bot.cli.main import main
from bot.db.database import create_tables, make_engine
from tests.support.app import ROOT, database_url, query


def environment(tmp_path, redis_url, **more) -> dict:
    return {
        "DATABASE_URL": database_url(tmp_path),
        "REDIS_URL": redis_url,
        "FLOWS_PATH": str(ROOT / "flows.yaml"),
        "SECRET_KEY": "test",
        **more,
    }


def test_publish_stores_every_file_and_lists_them(runner, tmp_path, redis_url):
    env = environment(tmp_path, redis_url)
    engine = make_engine(env["DATABASE_URL"])
    create_tables(engine)
    engine.dispose()
    result = runner.invoke(main, ["datos", "publish"], env=env)
    assert result.exit_code == 0, result.output
    assert "/datos/tickets-por-semana.csv" in result.output and "published 8 files" in result.output
    names = [name for (name,) in query(env["DATABASE_URL"], "SELECT name FROM opendatafile ORDER BY name")]
    assert "reportes-abiertos.geojson" in names and len(names) == 8  # satisfaccion.csv among them


def test_publish_refuses_with_open_data_off_or_before_the_migration(runner, tmp_path, redis_url):
    result = runner.invoke(main, ["datos", "publish"], env=environment(tmp_path, redis_url, OPEN_DATA="0"))
    assert result.exit_code == 1 and "OPEN_DATA=0" in result.output
    env = environment(tmp_path, redis_url)
    engine = make_engine(env["DATABASE_URL"])
    with engine.begin() as db:  # a database from before migration 0015 (PostgreSQL's test database has every table)
        db.exec_driver_sql("DROP TABLE IF EXISTS opendatafile")
    engine.dispose()
    result = runner.invoke(main, ["datos", "publish"], env=env)
    assert result.exit_code == 1 and "ventanilla db upgrade" in result.output
