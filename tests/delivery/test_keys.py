"""No shipped secrets (issue 12): a process refuses to start without fit department keys, naming the
variable; demo mode generates them once, readable by their owner only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot import create_app
from bot.config import Config, ConfigError
from bot.delivery.keys import DepartmentKeyError, checked_flow_store, demo_keys, weakness
from bot.flows.loader import load_flows
from tests.support.app import DEPARTMENT_KEYS, ROOT, app_settings

VARIABLE = "OBRAS_PUBLICAS_WEBHOOK_SECRET"


def refusal(tmp_path, redis_url) -> str:
    with pytest.raises(ConfigError) as refused:
        create_app(app_settings(tmp_path, redis_url))
    return str(refused.value)


def test_the_app_refuses_to_start_without_a_department_key(tmp_path, redis_url, monkeypatch):
    monkeypatch.delenv(VARIABLE)
    message = refusal(tmp_path, redis_url)
    assert f"{VARIABLE} (department 'obras_publicas', secret) is not set" in message
    assert "openssl rand -hex 32" in message


@pytest.mark.parametrize(
    "value, reason",
    [
        ("dev-secret-change-me", "is a known example value"),  # what flows.yaml used to ship
        ("changeme", "is a known example value"),
        ("0123456789abcdef0123456789abcdef", "is a known example value"),
        ("a" * 40, "is not random"),
        ("s3cret-but-only-24-bytes", "is too short (24 bytes; at least 32)"),
    ],
)
def test_the_app_refuses_a_short_or_example_key_naming_its_variable(tmp_path, redis_url, monkeypatch, value, reason):
    monkeypatch.setenv("OBRAS_PUBLICAS_STATUS_SECRET", value)
    assert f"OBRAS_PUBLICAS_STATUS_SECRET (department 'obras_publicas', status_secret) {reason}" in refusal(
        tmp_path, redis_url
    )


def test_one_key_for_both_directions_is_refused(tmp_path, redis_url, monkeypatch):
    monkeypatch.setenv("OBRAS_PUBLICAS_STATUS_SECRET", DEPARTMENT_KEYS[VARIABLE])
    assert f"OBRAS_PUBLICAS_STATUS_SECRET and {VARIABLE} (department 'obras_publicas') hold the same key" in refusal(
        tmp_path, redis_url
    )


def test_every_unfit_key_is_named_at_once(tmp_path, redis_url, monkeypatch):
    for name in DEPARTMENT_KEYS:
        monkeypatch.delenv(name)
    message = refusal(tmp_path, redis_url)
    assert all(f"{name} (department" in message for name in DEPARTMENT_KEYS)
    assert "\n" not in message


def test_the_worker_refuses_to_start_in_one_line_naming_the_variable(tmp_path, redis_url):
    env = {k: v for k, v in os.environ.items() if k != VARIABLE}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}", REDIS_URL=redis_url, FLOWS_PATH=str(ROOT / "flows.yaml"))
    env["SECRET_KEY"] = "worker-test-secret-key"  # so nothing is written to the repository's instance/
    done = subprocess.run([sys.executable, "worker.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith(f"refusing to start, a setting is wrong: {VARIABLE} (department 'obras_publicas'")
    assert "Traceback" not in done.stderr


def test_weakness_in_short():
    assert weakness("") == "is not set"
    assert weakness(os.urandom(16).hex()) is None  # openssl rand -hex 16 is already 32 bytes of text
    assert weakness("CHANGEME") == "is a known example value"


def test_demo_mode_generates_each_missing_key_once_into_files_only_the_owner_reads(tmp_path):
    flows = load_flows(
        ROOT / "flows.yaml", environ={"OBRAS_PUBLICAS_WEBHOOK_SECRET": "given-by-the-person-" + "x1" * 8}
    )
    previous = os.umask(0)  # files made 0644 and then chmodded would show here; 0600 from the start would not
    try:
        keys = demo_keys(flows, tmp_path / "instance", {"OBRAS_PUBLICAS_WEBHOOK_SECRET": "given"})
    finally:
        os.umask(previous)
    assert sorted(keys) == sorted(set(DEPARTMENT_KEYS) - {"OBRAS_PUBLICAS_WEBHOOK_SECRET"})  # a given one is kept
    folder = tmp_path / "instance" / "demo-secrets"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name, value in keys.items():
        path = folder / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text().strip() == value and weakness(value) is None
    assert sorted(p.name for p in folder.iterdir()) == sorted(keys)  # no drafts left behind
    again = demo_keys(flows, tmp_path / "instance", {})  # the next start (or another process) reads them back
    assert {name: again[name] for name in keys} == keys


def test_demo_mode_fills_in_the_keys_the_app_lacks(tmp_path, monkeypatch):
    for name in DEPARTMENT_KEYS:
        monkeypatch.delenv(name)
    config = Config.from_env({"SECRET_KEY": "k", "FLOWS_PATH": str(ROOT / "flows.yaml")}, tmp_path)
    with pytest.raises(DepartmentKeyError):
        checked_flow_store(config, tmp_path)
    store = checked_flow_store(config.replace(demo_mode=True), tmp_path)
    obras = store.current.departments["obras_publicas"].delivery
    assert obras["secret"] == (tmp_path / "demo-secrets" / VARIABLE).read_text().strip()


def test_no_default_key_is_left_in_the_code_or_the_shipped_files():
    for path in [ROOT / "flows.yaml", *Path(ROOT / "bot").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "dev-secret-change-me" not in text or path.name == "keys.py", path  # keys.py lists it to refuse it


def test_the_relay_refuses_to_start_in_one_line_naming_the_variable(tmp_path, redis_url, monkeypatch):
    from click.testing import CliRunner

    from bot.cli.main import main

    monkeypatch.delenv(VARIABLE)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}", "REDIS_URL": redis_url, "SECRET_KEY": "relay-test-key"}
    result = CliRunner().invoke(main, ["outbox", "relay"], env={**env, "FLOWS_PATH": str(ROOT / "flows.yaml")})
    assert result.exit_code == 1
    assert f"refusing to start, a setting is wrong: {VARIABLE} (department 'obras_publicas'" in result.output
