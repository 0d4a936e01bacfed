"""Schema changes through Alembic: data survives an upgrade, the head is the models, old databases are adopted."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlmodel import Session, SQLModel

from bot.cli.main import main
from bot.db import text_search
from bot.db.database import make_engine
from bot.db.migrate import alembic_config, current, head, upgrade
from bot.db.tables import Ticket
from bot.db.text_search import not_text_index
from bot.flows.loader import load_flows
from bot.tickets.search import normalise
from tests.support.app import ROOT, TEST_DATABASE_URL, database_url, drop_everything
from tests.support.search import ids_by_index

FLOWS = load_flows(ROOT / "flows.yaml")
MOMENT = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
FILLER_TICKETS = 1_100  # more than one round of the data migrations (0002's BATCH is 1000)
HEAD = "0013"  # the newest revision: 0013 added survey campaigns and residents' survey opt-in


@pytest.fixture
def url(tmp_path) -> str:
    """An empty database: a new SQLite file, or PostgreSQL with every table dropped (alembic_version too)."""
    url = database_url(tmp_path, "migrations.db")
    if TEST_DATABASE_URL:
        drop_everything(url)
    yield url
    if TEST_DATABASE_URL:
        drop_everything(url)  # alembic_version included, which conftest's fresh_database does not know


@pytest.fixture
def engine(url):
    engine = make_engine(url)
    yield engine
    engine.dispose()


def first_schema() -> sa.MetaData:
    """The tables as migration 0001 makes them."""
    return ScriptDirectory.from_config(alembic_config()).get_revision("0001").module.SCHEMA


def differences(engine) -> list:
    """What alembic's autogenerate finds between the database and the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": not_text_index})
        return compare_metadata(context, SQLModel.metadata)


def columns_of(engine, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns(table)}


def indexes_of(engine, table: str) -> set[str]:
    return {index["name"] for index in sa.inspect(engine).get_indexes(table)}


def fill_as_0001(engine) -> None:
    """A resident's whole story as a database at 0001 stored it: no due dates, no search text."""
    t = first_schema().tables
    with engine.begin() as db:
        db.execute(
            t["contact"].insert(), [{"id": 1, "name": "Ana", "lang": "es", "opted_out": False, "created_at": MOMENT}]
        )
        db.execute(
            t["contactaddress"].insert(), [{"id": 1, "contact_id": 1, "kind": "phone", "address": "+5218110000001"}]
        )
        db.execute(
            t["conversation"].insert(),
            [{"id": 1, "contact_id": 1, "state": {"flow": "pothole"}, "seq": 4, "updated_at": MOMENT}],
        )
        db.execute(
            t["message"].insert(),
            [
                {
                    "id": 1,
                    "contact_id": 1,
                    "direction": "in",
                    "channel": "whatsapp",
                    "provider": "twilio",
                    "provider_id": "SM1",
                    "reply_to_id": None,
                    "text": "Hay un árbol caído",
                    "data": {},
                    "status": "received",
                    "error": "",
                    "created_at": MOMENT,
                },
                {
                    "id": 2,
                    "contact_id": 1,
                    "direction": "out",
                    "channel": "whatsapp",
                    "provider": "twilio",
                    "provider_id": None,
                    "reply_to_id": 1,
                    "text": "Gracias",
                    "data": {"folio": "2611-AAAAAA"},
                    "status": "sent",
                    "error": "",
                    "created_at": MOMENT,
                },
            ],
        )
        db.execute(
            t["ticket"].insert(),
            [
                _ticket(
                    1,
                    "2611-AAAAAA",
                    summary="Árbol caído",
                    answers={"where": "Calle Morelos", "photo": None, "count": 3},
                )
            ],
        )
        db.execute(t["ticket"].insert(), [_ticket(n, f"2611-F{n:05d}") for n in range(2, FILLER_TICKETS + 2)])
        db.execute(
            t["ticketevent"].insert(),
            [
                {
                    "id": 1,
                    "ticket_id": 1,
                    "kind": "opened",
                    "actor": "system",
                    "detail": {"channel": "whatsapp"},
                    "created_at": MOMENT,
                }
            ],
        )
        db.execute(
            t["outbox"].insert(),
            [
                {
                    "id": 1,
                    "kind": "deliver_ticket",
                    "ticket_id": 1,
                    "payload": {"ticket_id": 1},
                    "status": "pending",
                    "attempts": 0,
                    "available_at": None,
                    "last_error": "",
                    "created_at": MOMENT,
                    "done_at": None,
                }
            ],
        )
        db.execute(
            t["operator"].insert(),
            [
                {
                    "id": 1,
                    "email": "ana@sanpedro.gob.mx",
                    "name": "Ana",
                    "password_hash": "-",
                    "role": "admin",
                    "departments": ["obras"],
                    "active": True,
                    "created_at": MOMENT,
                }
            ],
        )
        db.execute(
            t["surveyresponse"].insert(),
            [{"id": 1, "flow": "park", "contact_id": 1, "lang": "es", "answers": {"rating": 4}, "created_at": MOMENT}],
        )
        db.execute(t["flowversion"].insert(), [{"version": "v1", "text": "flows: {}", "created_at": MOMENT}])
    if engine.dialect.name == "postgresql":  # rows went in with explicit ids: move the sequences past them
        with engine.begin() as db:
            for name in ("contact", "message", "ticket", "outbox", "operator"):
                db.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                )


def _ticket(id_: int, folio: str, summary: str = "Bache", answers: dict | None = None) -> dict:
    return {
        "id": id_,
        "folio": folio,
        "contact_id": 1,
        "channel": "whatsapp",
        "flow": "pothole",
        "department": "obras",
        "category": "bache",
        "priority": "normal",
        "status": "received",
        "summary": summary,
        "lang": "es",
        "address": "Morelos y 5 de Mayo",
        "latitude": 25.66,
        "longitude": -100.4,
        "answers": answers or {},
        "media": [],
        "duplicate_of": None,
        "external_id": None,
        "created_at": MOMENT + timedelta(minutes=id_),
        "updated_at": MOMENT,
    }


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every 0001 table, in the columns 0001 has, in id order."""
    rows = {}
    with engine.connect() as db:
        for table in first_schema().sorted_tables:
            columns = [sa.column(c.name) for c in table.columns]
            order = sa.column(table.primary_key.columns.keys()[0])
            rows[table.name] = [
                tuple(row) for row in db.execute(sa.select(*columns).select_from(sa.table(table.name)).order_by(order))
            ]
    return rows


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.utcoffset() is None else moment.astimezone(UTC)


# --- (a) an upgrade keeps every row and fills what 0002 added ---------------------------------------


def test_upgrading_a_0001_database_keeps_every_row_and_fills_due_dates_and_search_text(engine):
    assert upgrade(engine, "0001").after == "0001"
    assert "due_at" not in columns_of(engine, "ticket") and "ix_ticket_status" in indexes_of(engine, "ticket")
    fill_as_0001(engine)
    before = snapshot(engine)

    done = upgrade(engine, flows=FLOWS)

    assert (done.before, done.after, done.adopted) == ("0001", HEAD, None)
    assert snapshot(engine) == before
    with engine.connect() as db:
        tickets = db.execute(
            sa.select(
                Ticket.id, Ticket.flow, Ticket.department, Ticket.created_at, Ticket.due_at, Ticket.search_text
            ).order_by(Ticket.id)
        ).all()
    assert len(tickets) == FILLER_TICKETS + 1
    for ticket in tickets:
        assert as_utc(ticket.due_at) == as_utc(ticket.created_at) + FLOWS.sla(ticket.flow, ticket.department)
        assert ticket.search_text
    first = tickets[0].search_text.split()
    assert {"2611-aaaaaa", "arbol", "caido", "calle", "morelos", "3"} <= set(first)
    assert normalise("Árbol caído") in tickets[0].search_text
    assert "ix_ticket_status" not in indexes_of(engine, "ticket")  # replaced by the (status, created_at, id) index


def test_the_app_writes_to_an_upgraded_database(engine):
    from bot.db.database import transaction

    upgrade(engine, "0001")
    fill_as_0001(engine)
    upgrade(engine, flows=FLOWS)
    with transaction(engine) as db:
        ticket = db.get(Ticket, 1)
        ticket.assignee_id = 1
        db.add(
            Ticket(
                folio="2612-NEWONE",
                contact_id=1,
                channel="sms",
                flow="pothole",
                department="obras",
                category="bache",
                summary="Fuga de agua",
            )
        )
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT assignee_id FROM ticket WHERE id = 1")).scalar() == 1
        assert (
            "fuga de agua" in db.execute(sa.text("SELECT search_text FROM ticket WHERE folio = '2612-NEWONE'")).scalar()
        )


PLACE_COLUMNS = {"colonia", "zone", "geo_method", "geo_confidence", "place_note"}
PLACE_INDEXES = {"ix_ticket_department_colonia_created_at_id", "ix_ticket_department_zone_created_at_id"}


def test_upgrading_a_0003_database_gives_its_tickets_empty_place_columns_and_the_queue_indexes(engine):
    upgrade(engine, "0001")
    fill_as_0001(engine)
    upgrade(engine, "0003", flows=FLOWS)
    assert not PLACE_COLUMNS & columns_of(engine, "ticket") and not PLACE_INDEXES & indexes_of(engine, "ticket")
    before = snapshot(engine)

    assert upgrade(engine).after == HEAD

    assert snapshot(engine) == before
    assert columns_of(engine, "ticket") >= PLACE_COLUMNS and indexes_of(engine, "ticket") >= PLACE_INDEXES
    with engine.connect() as db:
        placed = db.execute(sa.select(Ticket.colonia, Ticket.zone, Ticket.geo_method).distinct()).all()
    assert placed == [(None, None, None)]  # never read against the city's map

    from alembic import command

    command.downgrade(alembic_config(engine), "0003")
    assert not PLACE_COLUMNS & columns_of(engine, "ticket") and snapshot(engine) == before


def text_index_exists(engine) -> bool:
    """SQLite: the FTS5 table and its triggers; PostgreSQL: the trigram index."""
    with engine.connect() as db:
        if db.dialect.name == "sqlite":
            names = set(
                db.execute(sa.text("SELECT name FROM sqlite_master WHERE name LIKE 'ticket_search%'")).scalars()
            )
            return {"ticket_search", "ticket_search_insert", "ticket_search_update", "ticket_search_delete"} <= names
        return bool(
            db.execute(sa.text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_ticket_search_text_trgm'")).first()
        )


def test_upgrading_a_0006_database_indexes_the_text_of_its_tickets_and_downgrading_removes_the_index(engine):
    upgrade(engine, "0001")
    fill_as_0001(engine)
    upgrade(engine, "0006", flows=FLOWS)
    assert not text_index_exists(engine)
    before = snapshot(engine)

    assert upgrade(engine).after == HEAD

    assert text_index_exists(engine) and snapshot(engine) == before
    with Session(engine) as db, db.begin():  # the tickets stored before 0007 are in the index
        assert ids_by_index(db, ["arbol", "caido"]) == [1]
        assert len(ids_by_index(db, ["morelos"])) == FILLER_TICKETS + 1  # all of them hold it
        assert ids_by_index(db, ["zzyzx"]) == []

    from alembic import command

    command.downgrade(alembic_config(engine), "0006")
    assert not text_index_exists(engine) and snapshot(engine) == before
    upgrade(engine)
    assert text_index_exists(engine) and differences(engine) == []


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="pg_trgm and its privileges are PostgreSQL's")
def test_a_postgresql_user_who_may_not_install_pg_trgm_is_told_what_to_ask_for_and_search_still_works(engine, caplog):
    upgrade(engine)
    with engine.connect() as db, db.begin():  # everything below is rolled back: roles and extensions too
        db.exec_driver_sql("DROP EXTENSION pg_trgm CASCADE")  # its index goes with it
        db.exec_driver_sql("CREATE ROLE clerk_without_create")
        db.exec_driver_sql("GRANT SELECT ON ticket TO clerk_without_create")
        db.exec_driver_sql("SET LOCAL ROLE clerk_without_create")
        with caplog.at_level(logging.WARNING, logger="bot.db.text_search"):
            assert text_search.ensure(db) is False
        assert "a superuser runs `CREATE EXTENSION pg_trgm;`" in caplog.text
        assert "CREATE INDEX IF NOT EXISTS ix_ticket_search_text_trgm" in caplog.text
        # the transaction goes on, and search reads the rows instead
        assert db.execute(sa.select(Ticket.id).where(Ticket.search_text.like("%zzyzx%"))).all() == []


# --- (b) the models and the migrations agree --------------------------------------------------------


def test_the_head_revision_is_exactly_the_models(engine):
    upgrade(engine)
    assert current(engine) == head() == HEAD
    assert differences(engine) == []


def test_downgrading_to_0001_and_back_leaves_the_models(engine):
    upgrade(engine)
    upgrade_back = upgrade(engine, "0001")  # an upgrade to an older revision is a no-op...
    assert upgrade_back.after == HEAD
    from alembic import command

    command.downgrade(alembic_config(engine), "0001")  # ...a downgrade is explicit
    assert "due_at" not in columns_of(engine, "ticket")
    upgrade(engine)
    assert differences(engine) == []


# --- (c) databases made before migrations -----------------------------------------------------------


def test_a_database_made_before_migrations_with_the_later_columns_is_stamped_0002(engine, caplog):
    SQLModel.metadata.create_all(engine)  # what create_tables made on every start
    with caplog.at_level(logging.WARNING, logger="bot.db.migrate"):
        done = upgrade(engine, flows=FLOWS)
    assert (done.adopted, done.after) == ("0002", HEAD)
    assert "made before migrations: stamped revision 0002" in caplog.text
    assert differences(engine) == []


def test_a_database_made_before_migrations_without_the_later_columns_is_stamped_0001_and_upgraded(engine, caplog):
    first_schema().create_all(engine)
    fill_as_0001(engine)
    before = snapshot(engine)
    with caplog.at_level(logging.WARNING, logger="bot.db.migrate"):
        done = upgrade(engine, flows=FLOWS)
    assert (done.before, done.adopted, done.after) == ("0001", "0001", HEAD)
    assert "stamped revision 0001" in caplog.text
    assert snapshot(engine) == before
    with engine.connect() as db:
        assert (
            db.execute(sa.text("SELECT count(*) FROM ticket WHERE due_at IS NULL OR search_text IS NULL")).scalar() == 0
        )
    assert differences(engine) == []


def test_an_older_database_gets_the_columns_and_indexes_it_lacks(engine):
    SQLModel.metadata.create_all(engine)
    with engine.begin() as connection:  # as an earlier version left it: no due date, no queue index
        connection.execute(sa.text("DROP INDEX ix_ticket_status_due_at_id"))
        connection.execute(sa.text("DROP INDEX ix_ticket_department_status_due_at"))  # 0009's, on due_at too
        connection.execute(sa.text("ALTER TABLE ticket DROP COLUMN due_at"))
    assert upgrade(engine, flows=FLOWS).adopted == "0001"
    assert "due_at" in columns_of(engine, "ticket")
    assert "ix_ticket_status_due_at_id" in indexes_of(engine, "ticket")
    assert differences(engine) == []


def test_a_database_from_before_the_operators_gets_their_tables(engine):
    older = [t for t in first_schema().sorted_tables if not t.name.startswith("operator")]
    first_schema().create_all(engine, tables=older)
    assert upgrade(engine, flows=FLOWS).adopted == "0001"
    assert differences(engine) == []


def test_an_empty_database_is_not_adopted_but_migrated_from_the_start(engine):
    done = upgrade(engine)
    assert (done.before, done.adopted, done.after) == (None, None, HEAD)


# --- (d) the command --------------------------------------------------------------------------------


def test_db_upgrade_from_the_command_line_is_safe_to_run_again(url):
    runner = CliRunner()
    env = {"DATABASE_URL": url, "FLOWS_PATH": str(ROOT / "flows.yaml")}
    first = runner.invoke(main, ["db", "upgrade"], env=env)
    assert first.exit_code == 0, first.output
    assert f"empty -> {HEAD}" in first.output
    again = runner.invoke(main, ["db", "upgrade"], env=env)
    assert again.exit_code == 0, again.output
    assert f"already at {HEAD}" in again.output
    alias = runner.invoke(main, ["init-db"], env=env)
    assert alias.exit_code == 0 and f"already at {HEAD}" in alias.output
    shown = runner.invoke(main, ["db", "current"], env=env)
    assert shown.exit_code == 0 and shown.output.startswith(f"{HEAD} (head: {HEAD})")


def test_db_upgrade_with_a_broken_flows_file_says_where_and_changes_nothing(url, tmp_path):
    broken = tmp_path / "flows.yaml"
    broken.write_text("flows: [\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["db", "upgrade"], env={"DATABASE_URL": url, "FLOWS_PATH": str(broken)})
    assert result.exit_code == 1 and str(broken) in result.output
    assert current(url) is None


def test_init_db_gives_tickets_from_before_due_dates_the_due_date_of_their_sla(url):
    engine = make_engine(url)
    upgrade(engine, "0001")
    fill_as_0001(engine)  # potholes, which flows.yaml gives 48 hours
    engine.dispose()
    result = CliRunner().invoke(main, ["init-db"], env={"DATABASE_URL": url, "FLOWS_PATH": str(ROOT / "flows.yaml")})
    assert result.exit_code == 0 and f"0001 -> {HEAD}" in result.output, result.output
    with (engine := make_engine(url)).connect() as db:
        due = db.execute(sa.select(Ticket.created_at, Ticket.due_at).where(Ticket.id == 1)).one()
    engine.dispose()
    assert as_utc(due.due_at) - as_utc(due.created_at) == timedelta(hours=48)
