"""`pip install .` is how production installs: the wheel must carry the pages, the widget and the migrations."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_wheel_holds_every_file_the_app_serves_or_runs(tmp_path):
    source = tmp_path / "source"  # a copy: setuptools builds in place and would leave build/ in the checkout
    shutil.copytree(ROOT / "bot", source / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheel_dir = tmp_path / "wheel"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheel_dir), "."]
    subprocess.run(build, check=True, capture_output=True, cwd=source)
    (wheel,) = wheel_dir.glob("ventanilla-*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    needed = [
        p.relative_to(ROOT).as_posix()
        for folder in ("bot/templates", "bot/static", "bot/db/migrations", "bot/data", "bot/translations")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert len(needed) > 20
    assert [n for n in needed if n not in packed] == []
