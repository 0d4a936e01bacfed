"""`ventanilla backup` and `ventanilla restore`: a SQLite installation's database and media store, copied and put back."""

from __future__ import annotations

import sqlite3
import tarfile
import threading

import pytest

from bot.cli.main import main
from bot.db.database import create_tables, make_engine, transaction
from bot.db.migrate import stamp
from bot.db.tables import Contact, Ticket
from tests.support.app import ROOT

PHOTO = b"\xff\xd8\xff\xe0 a pothole"


@pytest.fixture
def city(tmp_path) -> dict:
    """A SQLite installation with a resident, a ticket and a stored photo (whatever database the suite runs on)."""
    url = f"sqlite:///{tmp_path / 'city' / 'ventanilla.db'}"
    (tmp_path / "city").mkdir()
    engine = make_engine(url)
    create_tables(engine)
    stamp(engine, "head")
    with transaction(engine, immediate=True) as session:
        contact = Contact(name="Lupita")
        session.add(contact)
        session.flush()
        assert contact.id is not None
        session.add(
            Ticket(
                folio="2611-AAAAAA", contact_id=contact.id, channel="whatsapp", flow="pothole",
                department="obras_publicas", category="bache", media=[{"stored": "ab/photo.jpg"}],
            )
        )  # fmt: skip
    engine.dispose()
    media = tmp_path / "city" / "media"
    (media / "ab").mkdir(parents=True)
    (media / "ab" / "photo.jpg").write_bytes(PHOTO)
    return {
        "DATABASE_URL": url,
        "MEDIA_DIR": str(media),
        "FLOWS_PATH": str(ROOT / "flows.yaml"),
        "SECRET_KEY": "test",
    }


def rows(url: str, sql: str) -> list[tuple]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        found = connection.execute(sql).fetchall()
    connection.close()
    return found


def test_a_backup_restored_into_a_fresh_installation_has_every_row_and_photo(runner, city, tmp_path):
    archive = tmp_path / "backups" / "ventanilla-2026-11-30.tar.gz"
    result = runner.invoke(main, ["backup", str(archive)], env=city)
    assert result.exit_code == 0, result.output
    assert "1 media files" in result.output and "schema 0013" in result.output
    with tarfile.open(archive) as opened:
        assert {"manifest.json", "ventanilla.db", "media/ab/photo.jpg"} <= set(opened.getnames())

    fresh = {
        **city,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'new' / 'ventanilla.db'}",
        "MEDIA_DIR": str(tmp_path / "new" / "media"),
    }
    result = runner.invoke(main, ["restore", str(archive)], env=fresh)
    assert result.exit_code == 0, result.output
    assert rows(fresh["DATABASE_URL"], "SELECT folio, category FROM ticket") == [("2611-AAAAAA", "bache")]
    assert rows(fresh["DATABASE_URL"], "SELECT name FROM contact") == [("Lupita",)]
    assert (tmp_path / "new" / "media" / "ab" / "photo.jpg").read_bytes() == PHOTO
    # the text index (an FTS5 table and its shadow tables) comes back whole with the tickets
    rows(fresh["DATABASE_URL"], "INSERT INTO ticket_search(ticket_search, rank) VALUES ('integrity-check', 1)")
    assert rows(fresh["DATABASE_URL"], "SELECT rowid FROM ticket_search WHERE ticket_search MATCH '\"aaaaa\"'") == [
        (1,)
    ]


def test_restoring_over_a_database_with_data_needs_force(runner, city, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert runner.invoke(main, ["backup", str(archive)], env=city).exit_code == 0
    refused = runner.invoke(main, ["restore", str(archive)], env=city)
    assert refused.exit_code == 1 and "already holds data" in refused.output and "--force" in refused.output
    forced = runner.invoke(main, ["restore", "--force", str(archive)], env=city)
    assert forced.exit_code == 0, forced.output


def test_a_backup_while_residents_write_is_one_consistent_moment(runner, city, tmp_path):
    url = city["DATABASE_URL"]
    stop, writing = threading.Event(), threading.Event()

    def write() -> None:  # a web process filing tickets meanwhile
        engine = make_engine(url)
        n = 0
        while not stop.is_set():
            with transaction(engine, immediate=True) as session:
                session.add(Ticket(folio=f"2611-W{n:05d}", contact_id=1, channel="sms", flow="pothole",
                                   department="obras_publicas", category="bache"))  # fmt: skip
            n += 1
            if n == 20:
                writing.set()
        engine.dispose()

    writer = threading.Thread(target=write)
    writer.start()
    assert writing.wait(30)
    try:
        archive = tmp_path / "live.tar.gz"
        result = runner.invoke(main, ["backup", str(archive)], env=city)
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    restored = {
        **city,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'r' / 'ventanilla.db'}",
        "MEDIA_DIR": str(tmp_path / "r" / "m"),
    }
    assert runner.invoke(main, ["restore", str(archive)], env=restored).exit_code == 0
    assert rows(restored["DATABASE_URL"], "PRAGMA integrity_check") == [("ok",)]
    folios = [
        f for (f,) in rows(restored["DATABASE_URL"], "SELECT folio FROM ticket WHERE folio LIKE '2611-W%' ORDER BY id")
    ]
    assert len(folios) >= 20  # written before the backup began
    assert folios == [f"2611-W{n:05d}" for n in range(len(folios))]  # a prefix of what was written: no gap, no half


def test_postgresql_is_backed_up_with_its_own_tools(runner, city, tmp_path):
    env = {**city, "DATABASE_URL": "postgresql+psycopg://ventanilla@db.example/ventanilla"}
    result = runner.invoke(main, ["backup", str(tmp_path / "x.tar.gz")], env=env)
    assert result.exit_code == 1 and "pg_dump" in result.output
    assert not (tmp_path / "x.tar.gz").exists()


def test_something_that_is_not_a_backup_is_refused_and_changes_nothing(runner, city, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as archive:
        archive.add(__file__, "notes.txt")
    before = rows(city["DATABASE_URL"], "SELECT count(*) FROM ticket")
    result = runner.invoke(main, ["restore", "--force", str(bogus)], env=city)
    assert result.exit_code == 1 and "is not a Ventanilla backup" in result.output
    assert rows(city["DATABASE_URL"], "SELECT count(*) FROM ticket") == before
