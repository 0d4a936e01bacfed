"""Benchmark the open data: one publication over a city's tickets and survey responses, then /datos/ served.

    .venv/bin/python bench/open_data.py                       # SQLite: 200,000 tickets, 20,000 responses
    .venv/bin/python bench/open_data.py --tickets 1000000 --responses 100000 --requests 500

What one run does: builds the database as bench/dashboard.py does (the migrations, then bulk-loaded tickets over
three years with phone numbers, park evaluations with comments, their survey tallies), times `publish` (every
figure computed and stored, the job the relay schedules), then sends --requests GETs to the page and to two
files through the app in this process (Flask's test client: no network, no gunicorn) and prints the first
request's time (the page's render, once per publication and language in a process) and p50/p99 after it. The
page and files are read from the stored publication, so their times do not grow with the tickets.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.dashboard import CITY_ZONE, Target, build_database, percentile_ms  # noqa: E402
from bench.webhook import department_keys  # noqa: E402
from bot.cli.embedded_redis import embedded_redis  # noqa: E402

PATHS = ("/datos/", "/datos/reportes-abiertos.geojson", "/datos/encuestas/park_evaluation.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, embedded_redis(Path(folder) / "redis.rdb", save=False) as redis:
        url = f"sqlite:///{Path(folder) / 'open-data.db'}"
        started = time.perf_counter()
        build_database(Target(url), args.tickets, args.responses)
        print(
            f"built {args.tickets:,} tickets and {args.responses:,} responses in {time.perf_counter() - started:.0f} s"
        )
        os.environ.update(department_keys(Path(folder)))
        from bot import create_app
        from bot.db.tables import utcnow
        from bot.opendata import publish

        settings = {"database_url": url, "redis_url": redis, "city_timezone": CITY_ZONE.key}  # the tallies' zone
        app = create_app({**settings, "flows_path": str(ROOT / "flows.yaml"), "media_dir": str(Path(folder) / "media")})
        svc = app.extensions["ventanilla"]
        started = time.perf_counter()
        publication = publish(svc.engine, svc.config, svc.flows, utcnow())
        size = sum(len(file.body) for file in publication.files)
        print(f"publish: {time.perf_counter() - started:.2f} s, {len(publication.files)} files, {size:,} bytes")
        client = app.test_client()
        for path in PATHS:
            started = time.perf_counter()
            client.get(path)  # the page: rendered once per publication and language in a process
            print(f"GET {path}: first {1000 * (time.perf_counter() - started):.1f} ms")
            latencies = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = client.get(path)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)
            p50, p99 = percentile_ms(latencies, 50), percentile_ms(latencies, 99)
            print(f"GET {path}: p50 {p50:.1f} ms, p99 {p99:.1f} ms ({len(response.data):,} bytes)")
        svc.engine.dispose()


if __name__ == "__main__":
    main()
