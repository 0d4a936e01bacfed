"""flows.yaml changes while the app runs: picked up without a restart, conversations under way
finish on their version, a broken file is refused and the running version stays."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from bot import create_app
from bot.db.database import create_tables
from bot.flows import FlowsInvalidError
from tests.support.app import AUTH_TOKEN, PUBLIC_URL, ROOT, Resident, database_url

OLD_PROMPT = "Si puedes, mándanos una foto 📷 (o escribe *omitir*)."
NEW_PROMPT = "¿Tienes una foto del bache? 📷 (o escribe *omitir*)."


@pytest.fixture
def flows_copy(tmp_path):
    for name in ("flows.yaml", "parks.csv"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path / "flows.yaml"


def make_app(tmp_path, redis_url, flows_path):
    app = create_app(
        {
            "database_url": database_url(tmp_path),
            "redis_url": redis_url,
            "flows_path": str(flows_path),
            "public_url": PUBLIC_URL,
            "twilio_auth_token": AUTH_TOKEN,
        }
    )
    create_tables(app.extensions["ventanilla"].engine)
    app.extensions["ventanilla"].flow_store.check_every = 0  # look at the file on every message
    return app


def rewrite(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    stamp = time.time() + 5
    os.utime(path, (stamp, stamp))  # a later mtime, as a real edit would leave


def test_an_edit_is_picked_up_and_conversations_under_way_keep_their_version(tmp_path, redis_url, flows_copy):
    app = make_app(tmp_path, redis_url, flows_copy)
    started = Resident(app.test_client(), From="whatsapp:+5218110000001")
    started.says("bache")
    rewrite(flows_copy, OLD_PROMPT, NEW_PROMPT)

    assert OLD_PROMPT in started.says("Morelos 100")  # began on the old version, stays on it
    newcomer = Resident(app.test_client(), From="whatsapp:+5218110000002")
    newcomer.says("bache")
    assert NEW_PROMPT in newcomer.says("Morelos 200")
    assert "folio" in started.says("omitir") + started.says("sí")


def test_another_process_finishes_a_conversation_on_a_version_it_never_loaded(tmp_path, redis_url, flows_copy):
    first = make_app(tmp_path, redis_url, flows_copy)
    resident_number = "whatsapp:+5218110000003"
    Resident(first.test_client(), From=resident_number).says("bache")
    rewrite(flows_copy, OLD_PROMPT, NEW_PROMPT)
    second = make_app(tmp_path, redis_url, flows_copy)  # starts after the edit, same database
    assert OLD_PROMPT in Resident(second.test_client(), From=resident_number).says("Morelos 100")


def test_a_broken_edit_is_refused_and_the_running_version_stays(tmp_path, redis_url, flows_copy, caplog):
    app = make_app(tmp_path, redis_url, flows_copy)
    version = app.extensions["ventanilla"].flows.version
    rewrite(flows_copy, "kind: confirm", "kind: confirmar")
    resident = Resident(app.test_client())
    resident.says("bache")
    assert OLD_PROMPT in resident.says("Morelos 100")
    assert app.extensions["ventanilla"].flows.version == version
    assert "unknown step kind 'confirmar'" in caplog.text


def test_the_app_refuses_to_start_on_a_broken_file(tmp_path, flows_copy):
    flows_copy.write_text(flows_copy.read_text().replace("department: obras_publicas", "department: obras"))
    with pytest.raises(FlowsInvalidError):
        make_app(tmp_path, "redis://127.0.0.1:1/0", flows_copy)
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "FLOWS_PATH": str(flows_copy)},
        timeout=60,
    )
    assert result.returncode == 1
    assert f"{flows_copy}:" in result.stderr and "department 'obras' is not defined" in result.stderr


def add_park(flows_path, line: str = "P999,Parque Las Golondrinas\n") -> None:
    """An edit of parks.csv alone, as a volunteer adds a park (flows.yaml itself untouched)."""
    with open(flows_path.parent / "parks.csv", "a", encoding="utf-8") as csv:
        csv.write(line)


def test_flows_reload_re_reads_the_options_files_an_edit_of_the_csv_alone_is_not_seen(tmp_path, redis_url, flows_copy):
    from click.testing import CliRunner

    from bot.cli.main import main

    app = make_app(tmp_path, redis_url, flows_copy)
    version = app.extensions["ventanilla"].flows.version
    add_park(flows_copy)
    early = Resident(app.test_client(), From="whatsapp:+5218110000004")
    early.says("parque")
    assert "Golondrinas" not in early.says("golondrinas")  # running processes watch flows.yaml only
    assert app.extensions["ventanilla"].flows.version == version

    result = CliRunner().invoke(main, ["flows", "reload", "--flows", str(flows_copy)])
    assert result.exit_code == 0, result.output
    late = Resident(app.test_client(), From="whatsapp:+5218110000005")
    late.says("parque")
    assert "¿qué tan *limpio* está Parque Las Golondrinas?" in late.says("golondrinas")
    assert app.extensions["ventanilla"].flows.version != version  # the version covers every options file


def test_a_conversation_begun_before_a_csv_edit_finishes_in_a_process_started_after_it(tmp_path, redis_url, flows_copy):
    first = make_app(tmp_path, redis_url, flows_copy)
    resident_number = "whatsapp:+5218110000006"
    Resident(first.test_client(), From=resident_number).says("parque")
    add_park(flows_copy)
    second = make_app(tmp_path, redis_url, flows_copy)  # its flows.yaml text is the same, its options are not
    reply = Resident(second.test_client(), From=resident_number).says("Parque Clouthier")
    assert "¿qué tan *limpio* está Parque Clouthier?" in reply
