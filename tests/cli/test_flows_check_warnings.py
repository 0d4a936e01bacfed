"""`ventanilla flows check` warns about words two flows or two options share, and still passes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.support.chat import without_privacy

ROOT = Path(__file__).parent.parent.parent
FLOWS = ROOT / "flows.yaml"


@pytest.fixture
def overlapping(tmp_path) -> tuple[Path, int]:
    """flows.yaml (with parks.csv beside it) where city_info also opens with 'basura', trash's keyword; and that line."""
    shutil.copy(ROOT / "parks.csv", tmp_path / "parks.csv")
    lines = FLOWS.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines) if "es: [horario, horarios," in line)
    lines[number] = lines[number].replace("es: [horario,", "es: [basura, horario,")
    path = tmp_path / "flows.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path, number + 1


def test_a_shared_keyword_is_a_warning_with_its_line_and_the_check_passes(runner, overlapping):
    path, line = overlapping
    lines = path.read_text(encoding="utf-8").splitlines()
    trash_keywords = next(n for n, text in enumerate(lines, 1) if "es: [basura, recoleccion" in text)
    result = runner.invoke(main, ["flows", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{path}:{line}:12: warning: flow 'trash' and flow 'city_info' both use the keyword 'basura' (es): "
        f"an opener with it is ambiguous (first at line {trash_keywords})",
        f"{path}: ok, 6 flows, 21 steps, 3 departments, 1 warning",
    ]


def test_strict_fails_on_a_warning(runner, overlapping):
    path, _ = overlapping
    result = runner.invoke(main, ["flows", "check", "--strict", str(path)])
    assert result.exit_code == 1
    assert re.search(
        rf"^{re.escape(str(path))}:\d+:\d+: warning: flow 'trash' and flow 'city_info'", result.output, re.M
    )


def test_the_shipped_flows_pass_without_warnings_even_when_strict(runner):
    result = runner.invoke(main, ["flows", "check", "--strict", str(FLOWS)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert re.fullmatch(rf"{re.escape(str(FLOWS))}: ok, 6 flows, \d+ steps, \d+ departments\n", result.output)


def test_errors_still_fail_and_come_without_warnings(runner, overlapping):
    path, _ = overlapping
    path.write_text(path.read_text(encoding="utf-8").replace("kind: confirm", "kind: confirmar", 1), encoding="utf-8")
    result = runner.invoke(main, ["flows", "check", str(path)])
    assert result.exit_code == 1
    assert "unknown step kind 'confirmar'" in result.output and "warning" not in result.output


def test_a_file_that_collects_personal_data_without_a_privacy_notice_is_warned_about(runner, tmp_path):
    shutil.copy(ROOT / "parks.csv", tmp_path / "parks.csv")
    kept = without_privacy(FLOWS.read_text(encoding="utf-8")).splitlines(keepends=True)
    path = tmp_path / "flows.yaml"
    path.write_text("".join(kept), encoding="utf-8")
    result = runner.invoke(main, ["flows", "check", "--strict", str(path)])
    assert result.exit_code == 1, result.output
    line = next(n for n, text in enumerate(kept, 1) if "- id: location" in text)
    assert result.output.splitlines()[0] == (
        f"{path}:{line}:1: warning: no `privacy:` section, yet flow 'pothole' step 'location' collects personal"
        " data: residents are asked no privacy notice (aviso de privacidad); set `privacy:` before going live"
    )
