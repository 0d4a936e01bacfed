"""`ventanilla apikeys`: a key printed once at issue, listed by its start only, revoked by id."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli.main import main
from tests.support.app import ROOT, database_url


def run(tmp_path, *args):
    env = {"DATABASE_URL": database_url(tmp_path), "SECRET_KEY": "test", "FLOWS_PATH": str(ROOT / "flows.yaml")}
    return CliRunner().invoke(main, ["apikeys", *args], env=env)


def test_a_key_is_shown_once_listed_by_its_start_and_revoked(tmp_path):
    added = run(tmp_path, "add", "Reporta MTY")
    assert added.exit_code == 0, added.output
    key = added.output.strip().splitlines()[-1]
    assert key.startswith("v311_") and "key 1 for Reporta MTY" in added.output
    listed = run(tmp_path, "list").output
    assert "Reporta MTY" in listed and key[:11] in listed and key not in listed and "live" in listed
    assert run(tmp_path, "revoke", "1").output.strip() == "revoked key 1 (Reporta MTY)"
    assert "revoked" in run(tmp_path, "list").output.splitlines()[0]
    missing = run(tmp_path, "revoke", "7")
    assert missing.exit_code == 1 and "no key has id 7" in missing.output
    assert run(tmp_path, "add", "  ").exit_code == 1
