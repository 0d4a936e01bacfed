"""Benchmark Open311's public list (`/open311/v2/requests.json`) on a million tickets, SQLite or PostgreSQL.

Each case is measured side by side with a bare Flask endpoint under the same gunicorn, and the ratios printed.
Run from the repo root:

    .venv/bin/python bench/open311.py                        # SQLite, 1,000,000 tickets
    .venv/bin/python bench/open311.py --keep /tmp/open311.db # keep (and next time reuse) the database
    .venv/bin/python bench/open311.py --database postgres --keep /tmp/pgdata-open311
    .venv/bin/python bench/open311.py --tickets 100000 --requests 100

The database is bench/dashboard.py's (three years of tickets of the shipped flows, most old ones closed; its
--keep databases are reused, brought to the newest migration first). The server is gunicorn gthread 2 workers
x 16 threads (the Procfile's web line) serving our app with the bare app mounted at /bare; limits are lifted
(OPEN311_ADDRESS_LIMIT) so that the bench measures the work, not the 429s. Each case: --warmup GETs, then
--requests GETs from --concurrency threads, each answer checked to be a 200 with requests in it. The query
plans of the list's index streams are printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dashboard import (  # noqa: E402
    CITY_ZONE,
    PROCFILE_WEB,
    Target,
    build_database,
    built,
    database_target,
    measure,
    percentile_ms,
)
from bench.webhook import department_keys, free_port, gunicorn  # noqa: E402
from bot.cli.embedded_redis import embedded_redis  # noqa: E402

LIST = "/open311/v2/requests.json"


@dataclass(frozen=True)
class Case:
    name: str
    path: str


def cases(folio: str) -> list[Case]:
    return [
        Case("requests.json, a page of 50", f"{LIST}?page_size=50"),
        Case("  service_code=pothole", f"{LIST}?page_size=50&service_code=pothole"),
        Case("  status=open", f"{LIST}?page_size=50&status=open"),
        Case("  status=closed", f"{LIST}?page_size=50&status=closed"),
        Case("  service_code=pothole&status=open", f"{LIST}?page_size=50&service_code=pothole&status=open"),
        Case(
            "  service_code=trash,streetlight&status=closed",
            f"{LIST}?page_size=50&service_code=trash,streetlight&status=closed",
        ),
        Case("  page 20 of 50 (the 1,000th)", f"{LIST}?page_size=50&page=20"),
        Case(
            "  a window a year ago",
            f"{LIST}?page_size=50&start_date=2025-12-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
        ),
        Case("requests.xml, a page of 50", "/open311/v2/requests.xml?page_size=50"),
        Case(f"requests/{folio}.json", f"/open311/v2/requests/{folio}.json"),
        Case("services.json", "/open311/v2/services.json"),
        Case("bare Flask endpoint", "/bare/"),
    ]


def newest_folio(target: Target) -> str:
    from sqlalchemy import text

    from bot.db.database import make_engine

    engine = make_engine(target.url)
    with engine.connect() as connection:
        folio = connection.execute(text("SELECT folio FROM ticket ORDER BY id DESC LIMIT 1")).scalar_one()
        count = connection.execute(text("SELECT count(*) FROM ticket")).scalar_one()
    engine.dispose()
    print(f"{target.kind}: {count:,} tickets", flush=True)
    return folio


def requests_in(port: int, path: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
        body = answer.read().decode()
    if path.endswith(".json") or ".json?" in path:
        found = json.loads(body)
        return len(found) if isinstance(found, list) else 1
    return body.count("<request>")


def print_plans(target: Target) -> None:
    """The plan of each index stream the list reads, as the database chooses it."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from bot.db.database import make_engine

    now = datetime.now(UTC).replace(tzinfo=None)
    since = now - timedelta(days=90)
    base = "SELECT created_at, id FROM ticket WHERE created_at >= :since AND created_at < :until"
    streams = {
        "no filter": base,
        "flow": base + " AND flow = 'pothole'",
        "status": base + " AND status = 'received'",
        "flow and status": base + " AND flow = 'pothole' AND status = 'received'",
    }
    engine = make_engine(target.url)
    explain = "EXPLAIN QUERY PLAN " if target.kind == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        for name, sql in streams.items():
            query = text(explain + sql + " ORDER BY created_at DESC, id DESC LIMIT 50")
            rows = connection.execute(query, {"since": since, "until": now}).all()
            plan = " | ".join(str(row[-1]) for row in rows)
            print(f"  plan, {name}: {plan}")
    engine.dispose()


def run(args, tmp: Path, stack: ExitStack) -> int:
    from bot.db.database import make_engine
    from bot.db.migrate import upgrade

    target = database_target(args, tmp, stack)
    if not built(target):
        started = time.monotonic()
        build_database(target, args.tickets, args.responses)
        print(f"built {args.tickets:,} tickets in {time.monotonic() - started:.0f} s ({target.kind})", flush=True)
    engine = make_engine(target.url)
    upgrade(engine)  # a database kept from before migration 0011 gets Open311's indexes
    engine.dispose()
    folio = newest_folio(target)
    redis_url = stack.enter_context(embedded_redis(tmp / "bench.rdb", save=False))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY")}
    env |= {
        "DATABASE_URL": target.url,
        "REDIS_URL": redis_url,
        "FLOWS_PATH": str(ROOT / "flows.yaml"),
        "CITY_TIMEZONE": CITY_ZONE.key,
        "SECRET_KEY": "bench-secret",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "OPEN311_ADDRESS_LIMIT": "1000000 per minute",
    }
    print(
        f"gunicorn gthread 2 workers x 16 threads; {args.requests} requests per case from {args.concurrency} threads;"
        f" {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    results, failed = [], False
    with gunicorn("bench.dashboard:combined_app()", port, env, tmp / "gunicorn.log", PROCFILE_WEB):
        for case in cases(folio):
            measure(port, "", case.path, args.warmup, 1)
            latencies, errors, _ = measure(port, "", case.path, args.requests, args.concurrency)
            rows = requests_in(port, case.path) if case.path.startswith("/open311") else 0
            if case.path.startswith(LIST) and "start_date" not in case.path and rows == 0:
                errors.append("no requests in the answer")
            failed |= bool(errors)
            results.append((case.name, latencies, errors, rows))
            print(
                f"  {case.name:<48} p50 {percentile_ms(latencies, 50):7.1f} ms  p99 {percentile_ms(latencies, 99):7.1f} ms"
                f"  ({len(errors)} errors; load {os.getloadavg()[0]:.2f})",
                flush=True,
            )
    bare = results[-1][1]
    bare_p50, bare_p99 = percentile_ms(bare, 50), percentile_ms(bare, 99)
    print(f"\n{'case':<48} {'rows':>5} {'p50 ms':>8} {'p99 ms':>8} {'p50/bare':>9} {'p99/bare':>9}")
    for name, latencies, errors, rows in results:
        p50, p99 = percentile_ms(latencies, 50), percentile_ms(latencies, 99)
        print(f"{name:<48} {rows:>5} {p50:>8.1f} {p99:>8.1f} {p50 / bare_p50:>8.1f}x {p99 / bare_p99:>8.1f}x")
        for error in errors[:3]:
            print(f"    error: {error}")
    print_plans(target)
    return 1 if failed else 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets in the database (when built)")
    parser.add_argument("--responses", type=int, default=1_000, help="survey responses in the database (when built)")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per case")
    parser.add_argument("--concurrency", type=int, default=2, help="client threads sending them")
    parser.add_argument("--warmup", type=int, default=10, help="requests per case before measuring")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite", help="which database")
    parser.add_argument(
        "--database-url", help="postgres: an empty database to fill (default TEST_DATABASE_URL, else a private server)"
    )
    parser.add_argument("--keep", help="sqlite: a database file; postgres: a data directory; built once and reused")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanups on SIGTERM too
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ventanilla-bench-open311-")))
        os.environ.update(department_keys(tmp))  # the server started below refuses to start without them
        return run(args, tmp, stack)


if __name__ == "__main__":
    raise SystemExit(main())
