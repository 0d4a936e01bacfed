"""The `ventanilla` command: flows check/test/graph/reload and chat, through click's CliRunner."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from bot.cli.main import main

ROOT = Path(__file__).parent.parent.parent
FLOWS = ROOT / "flows.yaml"


@pytest.fixture
def copy(tmp_path):
    """flows.yaml, parks.csv and transcripts/ copied to tmp_path."""
    shutil.copy(FLOWS, tmp_path / "flows.yaml")
    shutil.copy(ROOT / "parks.csv", tmp_path / "parks.csv")
    shutil.copytree(ROOT / "transcripts", tmp_path / "transcripts")
    return tmp_path / "flows.yaml"


def break_file(path: Path) -> int:
    """Give the confirm step of the pothole flow an unknown kind; return that line."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines) if "kind: confirm" in line)
    lines[number] = lines[number].replace("kind: confirm", "kind: confirmar")
    path.write_text("".join(lines), encoding="utf-8")
    return number + 1


def test_flows_check_ok(runner):
    result = runner.invoke(main, ["flows", "check", str(FLOWS)])
    assert result.exit_code == 0, result.output
    assert "ok, 6 flows" in result.output


def test_flows_check_broken_lists_path_line_col(runner, copy):
    line = break_file(copy)
    result = runner.invoke(main, ["flows", "check", str(copy)])
    assert result.exit_code == 1
    assert re.search(
        rf"^{re.escape(str(copy))}:{line}:15: flow 'pothole', step 'confirm': unknown step kind 'confirmar'",
        result.output,
        re.M,
    )


def test_flows_check_reads_flows_path_from_the_environment(runner, copy):
    break_file(copy)
    result = runner.invoke(main, ["flows", "check"], env={"FLOWS_PATH": str(copy)})
    assert result.exit_code == 1 and str(copy) in result.output


def test_flows_check_reports_a_wrong_shape_without_a_traceback(runner, tmp_path):
    path = tmp_path / "flows.yaml"
    path.write_text(
        "default_language: es\nlanguages: {es: [hola]}\nmenu: {prompt: hola, flows: [a]}\n"
        "flows:\n  a:\n    title: A\n    steps: 3\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["flows", "check", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # a crash exits 1 too
    assert re.search(rf"^{re.escape(str(path))}:7:5: flow 'a': 'steps' must be a list$", result.output, re.M)


def test_flows_test_passes_on_the_shipped_transcripts(runner):
    result = runner.invoke(main, ["flows", "test", "--flows", str(FLOWS)])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"\d+ transcripts, 0 failed\n", result.output)


def test_flows_test_fails_on_a_broken_transcript(runner, copy):
    wrong = copy.parent / "transcripts" / "wrong.yaml"
    wrong.write_text(
        "- name: menú equivocado\n  conversation:\n    - resident: hola\n      bot: 7. Pagar el predial\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["flows", "test", "--flows", str(copy)])
    assert result.exit_code == 1
    first, summary = result.output.splitlines()
    assert first.startswith(
        f'{wrong}:4: transcript \'menú equivocado\': expected "7. Pagar el predial", bot said "¡Hola! 👋 Soy Ventanilla'
    )
    assert re.fullmatch(r"\d+ transcripts, 1 failed", summary)


def test_flows_test_runs_only_the_files_given(runner, copy):
    given = copy.parent / "transcripts" / "city_info.yaml"
    result = runner.invoke(main, ["flows", "test", str(given), "--flows", str(copy)])
    assert result.exit_code == 0 and result.output == "2 transcripts, 0 failed\n"


def test_flows_test_reports_an_unreadable_transcript_file(runner, copy):
    (copy.parent / "transcripts" / "bad.yaml").write_text(
        "- name: x\n  conversation:\n    - bot: hola\n", encoding="utf-8"
    )
    result = runner.invoke(main, ["flows", "test", "--flows", str(copy)])
    assert result.exit_code == 1
    assert "bad.yaml:3:7: transcript 'x': each turn starts with 'resident:'" in result.output
    assert ", 0 failed, 1 unreadable file" in result.output


def test_flows_graph_prints_a_flowchart(runner):
    result = runner.invoke(main, ["flows", "graph", "pothole", "--flows", str(FLOWS)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("flowchart TD\n")
    assert "step_confirm --> flow_end" in result.output and "obras_publicas" in result.output


def test_flows_graph_markdown_is_a_page_with_the_diagram_and_every_prompt(runner):
    result = runner.invoke(
        main, ["flows", "graph", "park_evaluation", "--markdown", "--lang", "en", "--flows", str(FLOWS)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Rate a park (`park_evaluation`)\n\n```mermaid\nflowchart TD\n")
    assert "- end: survey → Parques y Jardines (parques)" in result.output
    assert "   - en: From 1 to 5, how clean is {park}? 🧹\n" in result.output


def test_flows_graph_of_an_unknown_flow(runner):
    result = runner.invoke(main, ["flows", "graph", "predial", "--flows", str(FLOWS)])
    assert result.exit_code == 1 and "no flow named 'predial'" in result.output


def test_flows_reload_refuses_a_broken_file_and_leaves_it_untouched(runner, copy):
    break_file(copy)
    os.utime(copy, (1_700_000_000, 1_700_000_000))
    result = runner.invoke(main, ["flows", "reload", "--flows", str(copy)])
    assert result.exit_code == 1
    assert "unknown step kind 'confirmar'" in result.output
    assert os.stat(copy).st_mtime == 1_700_000_000


def test_flows_reload_touches_a_valid_file_and_prints_its_version(runner, copy):
    from bot.flows import load_flows
    from bot.flowstore import FlowStore

    os.utime(copy, (1_700_000_000, 1_700_000_000))
    store = FlowStore(copy, environ={}, check_every=0)
    result = runner.invoke(main, ["flows", "reload", "--flows", str(copy)])
    assert result.exit_code == 0, result.output
    assert os.stat(copy).st_mtime > 1_700_000_000
    assert f"version {load_flows(copy).version}" in result.output
    assert store.reload_if_changed()  # a running process notices


def test_chat_reports_a_pothole(runner):
    result = runner.invoke(
        main,
        ["chat", "--flows", str(FLOWS)],
        input="hola\nbache\nsí\n/location 25.65,-100.40 Esquina\n/photo\nsí\n/quit\n",
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "¿En qué te ayudo?" in out and "   1. Reportar un bache" in out and "   5. Horarios y teléfonos" in out
    assert out.index("Aviso de privacidad completo") < out.index("privacy notice 2026-11 accepted")
    assert "¿Dónde está el bache?" in out
    assert "mándanos una foto" in out
    assert "Voy a reportar un bache en *Esquina*" in out
    ticket = next(line for line in out.splitlines() if "ticket opened" in line)
    assert "department obras_publicas" in ticket and "summary 'Bache en Esquina'" in ticket
    assert out.index("¿Dónde está el bache?") < out.index("mándanos una foto") < out.index("ticket opened")


def test_chat_starts_in_a_flow_in_english_and_shows_events(runner):
    result = runner.invoke(
        main,
        ["chat", "--flow", "trash", "--lang", "en", "--flows", str(FLOWS)],
        input="xyz\nxyz\nxyz\nstatus 2611-abc123\nSTOP\nhello\n",
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("What happened?") < out.index("> xyz")  # the flow's first question comes first
    assert "   1. The truck didn't come" in out
    assert "handover requested" in out and "department servicios_publicos" in out
    assert "status requested for folio 2611-ABC123" in out
    assert "opted out" in out
    assert out.rstrip().endswith("(no reply)")


def test_chat_commands_and_a_bad_location(runner):
    result = runner.invoke(main, ["chat", "--flows", str(FLOWS)], input="/location aquí\n/state\n/nada\n/help\n")
    assert result.exit_code == 0, result.output
    assert "usage: /location LAT,LNG" in result.output
    assert '"opted_out": false' in result.output
    assert "unknown command /nada" in result.output


def test_chat_refuses_an_unknown_flow_or_a_broken_file(runner, copy):
    result = runner.invoke(main, ["chat", "--flow", "predial", "--flows", str(FLOWS)], input="")
    assert result.exit_code == 2 and "no flow named 'predial'" in result.output
    break_file(copy)
    result = runner.invoke(main, ["chat", "--flows", str(copy)], input="hola\n")
    assert result.exit_code == 1 and "unknown step kind" in result.output
