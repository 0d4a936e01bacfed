"""`ventanilla flows check` warns when the menu's order changed under transcripts that answer it by number."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.cli.main import main

ROOT = Path(__file__).parent.parent.parent
SHIPPED_MENU = "  flows: [pothole, trash, streetlight, park_evaluation, city_info]"
ANSWER_3, ANSWER_4, ANSWER_5 = ('resident: "3"', 'resident: "4"', 'resident: "5"')
FOLLOW_UP = "(add new flows at the end of `menu: flows:`, or change the transcript's answer)"


def shipped_copy(folder: Path, menu: str) -> Path:
    """flows.yaml with its transcripts and parks.csv in folder, the menu's flows line replaced."""
    shutil.copy(ROOT / "parks.csv", folder / "parks.csv")
    shutil.copytree(ROOT / "transcripts", folder / "transcripts")
    text = (ROOT / "flows.yaml").read_text(encoding="utf-8")
    assert SHIPPED_MENU in text
    path = folder / "flows.yaml"
    path.write_text(text.replace(SHIPPED_MENU, menu), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_moving_a_flow_into_the_middle_of_the_menu_warns_at_each_transcript_it_renumbers(runner, tmp_path):
    path = shipped_copy(tmp_path, "  flows: [pothole, trash, city_info, streetlight, park_evaluation]")
    transcripts = tmp_path / "transcripts"
    result = runner.invoke(main, ["flows", "check", str(path)])
    assert result.exit_code == 0, result.output
    city, park, light = (transcripts / f"{name}.yaml" for name in ("city_info", "park_evaluation", "streetlight"))
    assert result.output.splitlines() == [
        f"{city}:{line_of(city, ANSWER_5)}:5: warning: transcript 'horario de atención' answers the menu"
        f" with 5, which now opens flow 'park_evaluation'; it was written for flow 'city_info', now number 3:"
        f" the menu's order changed {FOLLOW_UP}",
        f"{park}:{line_of(park, ANSWER_4)}:5: warning: transcript 'parque por una parte de su nombre,"
        " calificado con números' answers the menu with 4, which now opens flow 'streetlight'; it was written for"
        f" flow 'park_evaluation', now number 5: the menu's order changed {FOLLOW_UP}",
        f"{light}:{line_of(light, ANSWER_3)}:5: warning: transcript 'luminaria que parpadea' answers the"
        " menu with 3, which now opens flow 'city_info'; it was written for flow 'streetlight', now number 4:"
        f" the menu's order changed {FOLLOW_UP}",
        f"{path}: ok, 6 flows, 21 steps, 3 departments, 3 warnings",
    ]


def test_strict_fails_on_a_renumbered_menu(runner, tmp_path):
    path = shipped_copy(tmp_path, "  flows: [trash, pothole, streetlight, park_evaluation, city_info]")
    result = runner.invoke(main, ["flows", "check", "--strict", str(path)])
    assert result.exit_code == 1
    assert "answers the menu with 1, which now opens flow 'trash'; it was written for flow 'pothole'" in result.output


def test_the_shipped_menu_with_its_transcripts_gives_no_warning(runner, tmp_path):
    path = shipped_copy(tmp_path, SHIPPED_MENU)
    result = runner.invoke(main, ["flows", "check", "--strict", str(path)])
    assert result.output.splitlines() == [f"{path}: ok, 6 flows, 21 steps, 3 departments"]
