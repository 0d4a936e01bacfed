"""A web process's memory under a flood of distinct long messages stays under a fixed ceiling (issue 12).

The normalising cache once kept every text it read (65,536 of up to 4 KB): 20,000 distinct emoji-laden
messages grew this process from 137 MiB to 538 MiB, and a full cache would reach ≈1.5 GiB. The
process here is built as wsgi.py builds the web process; it is paused every 1,000 messages while its
VmRSS and VmHWM are read from /proc/<pid>/status.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.app import AUTH_TOKEN, PUBLIC_URL, ROOT, database_url

MESSAGES, BATCH = 20_000, 1_000
CEILING_MIB = 200  # the process's peak RSS throughout (measured: 125 MiB; with the old cache: 538)
GROWTH_MIB = 32  # RSS from the first 1,000 messages to the last (measured: 1 MiB; with the old cache: 401)


def memory_mib(pid: int) -> tuple[float, float]:
    """A process's resident memory now and at its peak (VmRSS, VmHWM), in MiB."""
    fields = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.MULTILINE))
    return int(fields["VmRSS"]) / 1024, int(fields["VmHWM"]) / 1024


def test_20000_distinct_long_messages_keep_the_web_process_under_its_ceiling(tmp_path, redis_url):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(tmp_path, "app.db"),
        "REDIS_URL": redis_url,
        "FLOWS_PATH": str(ROOT / "flows.yaml"),
        "MEDIA_DIR": str(tmp_path / "media"),
        "PUBLIC_URL": PUBLIC_URL,
        "SECRET_KEY": "memory-test-secret",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    }
    subprocess.run([Path(sys.executable).parent / "ventanilla", "init-db"], env=env, check=True, capture_output=True)
    log = tmp_path / "flood.log"
    with open(log, "w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.flood", str(MESSAGES), str(BATCH)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        readings = []
        try:
            assert process.stdin is not None and process.stdout is not None
            while line := process.stdout.readline():
                assert line.startswith("sent "), line
                readings.append((int(line.split()[1]), *memory_mib(process.pid)))
                process.stdin.write("\n")
                process.stdin.flush()
            assert process.wait(timeout=60) == 0, log.read_text()[-2000:]
        finally:
            if process.poll() is None:
                process.kill()
    assert [sent for sent, _, _ in readings] == list(range(BATCH, MESSAGES + 1, BATCH)), log.read_text()[-2000:]
    first, last = readings[0][1], readings[-1][1]
    peak = max(hwm for _, _, hwm in readings)
    shown = ", ".join(f"{sent}: {rss:.0f}" for sent, rss, _ in readings)
    assert peak < CEILING_MIB, f"peak RSS {peak:.0f} MiB; RSS (MiB) after each batch: {shown}"
    assert last - first < GROWTH_MIB, f"RSS grew {last - first:.0f} MiB; after each batch: {shown}"
