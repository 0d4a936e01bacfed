"""The benchmark scripts still run against the shipped flows (nothing here is timed).

bench/engine.py drives scripted conversations through every shipped flow and exits when one no longer
ends as it assumes; a flow change (the privacy notice's question, once) must not leave it broken unseen.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_engine_benchmark_runs_every_shipped_conversation_to_its_end():
    run = subprocess.run(
        [sys.executable, "bench/engine.py", "--seconds", "0.05", "--names", "50", "--queries", "20"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    flows = [line.split()[0] for line in run.stdout.splitlines() if line.startswith("    ") and "turns" not in line]
    assert {"pothole", "trash", "streetlight", "park_evaluation", "city_info", "overall"} <= set(flows)
