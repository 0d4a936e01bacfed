"""The web chat's polls against the real web process, started as the Procfile starts it (gunicorn, gthread):
200 polls at once never slow the Twilio webhook (the access log: test_webchat_access_log.py)."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import statistics
import time
from collections import Counter

from tests.support.processes import free_port, gunicorn, send_signed
from tests.support.webchat import procfile_web_options, session_token, web_environment

POLLS = 200


# --- 200 polls and the webhooks -------------------------------------------------------------------------------


def _attack(port: int, tokens: list[str], stop, results) -> None:
    """In a process of its own: keep `tokens` polls open at once, each coming back when answered and a second
    or three after a refusal (sooner than Retry-After asks); report what came back and how many waited at once."""
    asyncio.run(_attack_async(port, tokens, stop, results))


async def _attack_async(port: int, tokens: list[str], stop, results) -> None:
    statuses: Counter = Counter()
    waiting_since: dict[int, float] = {}
    most_holding = 0

    async def one(i: int, token: str) -> None:
        request = (
            f"GET /webchat/api/updates?after=0 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        ).encode()
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(request)
                await writer.drain()
                waiting_since[i] = time.monotonic()
                status = int((await reader.readline()).split()[1])
                await reader.read()
                writer.close()
            except (OSError, ValueError, IndexError):
                status = 0
            finally:
                waiting_since.pop(i, None)
            statuses[status] += 1
            if status != 200:
                await asyncio.sleep(random.uniform(1, 3))

    async def watch() -> None:
        nonlocal most_holding
        while not stop.is_set():
            now = time.monotonic()
            most_holding = max(most_holding, sum(1 for t in list(waiting_since.values()) if now - t > 1.5))
            await asyncio.sleep(0.1)

    tasks = [asyncio.create_task(one(i, t)) for i, t in enumerate(tokens)]
    watcher = asyncio.create_task(watch())
    while not stop.is_set():
        await asyncio.sleep(0.1)
    await watcher
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    results.put({"statuses": dict(statuses), "most_holding": most_holding})


def webhook_times(base: str, count: int) -> list[float]:
    """Post `count` signed Twilio messages one after another; each one's time to answer, in milliseconds."""
    times = []
    for i in range(count):
        started = time.perf_counter()
        status, _ = send_signed(base, f"+52181100{i % 20:05d}", "hola")
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200
        time.sleep(0.02)
    return times


def p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[98]


def test_200_polls_at_once_never_slow_the_twilio_webhook(tmp_path, redis_url):
    port = free_port()
    env = web_environment(
        tmp_path,
        redis_url,
        port,
        WEB_CONCURRENCY="2",
        WEB_THREADS="16",  # the Procfile's defaults, said out loud: a quarter of 16 may wait per process
        WEBCHAT_POLL_SECONDS="5",  # holds end and are taken again while we measure
        WEBCHAT_POLLS_PER_ADDRESS="1000",  # every poll comes from 127.0.0.1 here: the process cap is the test
    )
    with gunicorn(env, port, tmp_path / "gunicorn.log", *procfile_web_options(env)) as base:
        webhook_times(base, 10)  # warm both workers
        quiet = webhook_times(base, 100)

        context = multiprocessing.get_context("spawn")
        stop, results = context.Event(), context.Queue()
        attacker = context.Process(target=_attack, args=(port, [session_token() for _ in range(POLLS)], stop, results))
        attacker.start()
        try:
            time.sleep(3)  # every poll has been answered or is waiting
            loaded = webhook_times(base, 200)
        finally:
            stop.set()
            seen = results.get(timeout=60)
            attacker.join(timeout=30)

    print(
        f"\nTwilio webhook: p99 {p99(quiet):.0f} ms alone, {p99(loaded):.0f} ms beside {POLLS} polls"
        f" (median {statistics.median(loaded):.0f} ms, max {max(loaded):.0f} ms);"
        f" polls answered {seen['statuses']}, at most {seen['most_holding']} waiting at once"
    )
    assert p99(loaded) < 200
    assert seen["statuses"].get(503, 0) > POLLS  # most refused, again and again
    assert seen["statuses"].get(200, 0) > 0 and 0 < seen["most_holding"] <= 2 * 4  # the rest held, 4 per worker
    assert seen["statuses"].get(0, 0) == 0  # nothing dropped
    assert "Traceback" not in (tmp_path / "gunicorn.log").read_text()
