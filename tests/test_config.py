"""Settings from the environment: defaults, the special parsings, bad values, and the README's table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot import create_app_or_exit
from bot.config import Config, ConfigError, readme_table

ROOT = Path(__file__).resolve().parents[1]

# Every variable the settings were read from before they were declared once; none may be renamed.
VARIABLES = [
    "DATABASE_URL",
    "REDIS_URL",
    "FLOWS_PATH",
    "PUBLIC_URL",
    "TWILIO_AUTH_TOKEN",
    "SECRET_KEY",
    "DEMO_MODE",  # VENTANILLA_DEMO_INBOX until issue 12: only `make run` set it; demo mode now also makes keys
    "TWILIO_ACCOUNT_SID",
    "TWILIO_SMS_FROM",
    "TWILIO_WHATSAPP_FROM",
    "TWILIO_MESSAGING_SERVICE_SID",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
    "WHATSAPP_GRAPH_URL",
    "MEDIA_DIR",
    "MEDIA_MAX_BYTES",
    "MEDIA_TYPES",
    "SESSION_IDLE_MINUTES",
    "SESSION_COOKIE_SECURE",
    "LOGIN_RATE_LIMIT",
    "TRUSTED_PROXIES",
    "WEBCHAT_MESSAGE_LIMIT",
    "WEBCHAT_SESSION_LIMIT",
    "WORKER_TTL",
    "WORKER_MAINTENANCE_INTERVAL",
]


def test_defaults_are_safe_on_a_laptop(tmp_path):
    config = Config.from_env({}, tmp_path)
    assert config.database_url == f"sqlite:///{tmp_path / 'ventanilla.db'}"
    assert config.media_dir == str(tmp_path / "media")
    assert config.redis_url == "redis://localhost:6379/0"
    assert config.flows_path == "flows.yaml"
    assert config.public_url == "" and config.twilio_auth_token == "" and config.whatsapp_app_secret == ""
    assert config.whatsapp_graph_url == "https://graph.facebook.com/v21.0"
    assert config.media_max_bytes == 10 * 1024 * 1024
    assert config.media_types[0] == "image/jpeg" and "application/pdf" in config.media_types
    assert config.session_cookie_secure is True and config.demo_mode is False
    assert (config.session_idle_minutes, config.trusted_proxies, config.worker_ttl) == (30, 0, 60)
    assert config.login_rate_limit == "10 per minute;50 per hour"


def test_the_secret_key_is_made_once_in_the_instance_folder_and_kept(tmp_path):
    first = Config.from_env({}, tmp_path / "instance").secret_key
    assert len(first) == 64
    assert (tmp_path / "instance" / "secret_key").read_text() == first
    assert Config.from_env({}, tmp_path / "instance").secret_key == first
    assert Config.from_env({"SECRET_KEY": "given"}, tmp_path / "other").secret_key == "given"
    assert not (tmp_path / "other").exists()  # a given key writes nothing


@pytest.mark.parametrize("variable", VARIABLES)
def test_every_variable_keeps_its_name(tmp_path, variable):
    default = Config.from_env({}, tmp_path)
    value = {"SESSION_COOKIE_SECURE": "0", "DEMO_MODE": "1", "MEDIA_TYPES": "image/png"}.get(variable, "7")
    changed = Config.from_env({variable: value}, tmp_path)
    assert changed != default, f"{variable} changed nothing"


@pytest.mark.parametrize("variable", ["PUBLIC_URL", "WHATSAPP_GRAPH_URL"])
def test_urls_lose_their_trailing_slash(tmp_path, variable):
    config = Config.from_env({variable: "https://example.org/base//"}, tmp_path)
    assert getattr(config, variable.lower()) == "https://example.org/base"


def test_media_types_are_comma_separated(tmp_path):
    config = Config.from_env({"MEDIA_TYPES": "image/png, audio/ogg,,image/jpeg"}, tmp_path)
    assert config.media_types == ("image/png", "audio/ogg", "image/jpeg")


@pytest.mark.parametrize(("value", "secure"), [("0", False), ("1", True), ("false", False), ("true", True)])
def test_secure_cookies_are_turned_off_with_0(tmp_path, value, secure):
    assert Config.from_env({"SESSION_COOKIE_SECURE": value}, tmp_path).session_cookie_secure is secure


@pytest.mark.parametrize(("value", "enabled"), [("1", True), ("0", False)])
def test_demo_mode_is_turned_on_with_1(tmp_path, value, enabled):
    assert Config.from_env({"DEMO_MODE": value}, tmp_path).demo_mode is enabled
    assert Config.from_env({"VENTANILLA_DEMO_INBOX": "1"}, tmp_path).demo_mode is False  # retired: no longer a switch


def test_numbers_are_numbers(tmp_path):
    config = Config.from_env({"MEDIA_MAX_BYTES": "2048", "TRUSTED_PROXIES": "2", "SESSION_IDLE_MINUTES": "5"}, tmp_path)
    assert (config.media_max_bytes, config.trusted_proxies, config.session_idle_minutes) == (2048, 2, 5)


def test_an_empty_variable_means_the_default(tmp_path):
    assert Config.from_env(dict.fromkeys(VARIABLES, ""), tmp_path) == Config.from_env({}, tmp_path)


def test_os_environ_is_read_when_no_mapping_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "1 per day")
    assert Config.from_env(instance_path=tmp_path).login_rate_limit == "1 per day"


def test_a_bad_value_is_one_line_naming_the_variable(tmp_path):
    with pytest.raises(ConfigError) as raised:
        Config.from_env({"MEDIA_MAX_BYTES": "abc"}, tmp_path)
    assert (
        str(raised.value)
        == "MEDIA_MAX_BYTES='abc': Input should be a valid integer, unable to parse string as an integer"
    )


def test_every_bad_value_is_named_at_once(tmp_path):
    with pytest.raises(ConfigError) as raised:
        Config.from_env({"DEMO_MODE": "maybe", "TRUSTED_PROXIES": "-1", "SESSION_COOKIE_SECURE": "si"}, tmp_path)
    message = str(raised.value)
    assert "\n" not in message
    assert "DEMO_MODE='maybe'" in message and "TRUSTED_PROXIES='-1'" in message
    assert "SESSION_COOKIE_SECURE='si'" in message


def test_settings_do_not_change_once_read(tmp_path):
    config = Config.from_env({}, tmp_path)
    with pytest.raises(ValidationError):
        config.media_max_bytes = 1


def test_replace_checks_what_it_changes(tmp_path):
    config = Config.from_env({}, tmp_path)
    assert config.replace(media_max_bytes="1024", public_url="https://x.org/").media_max_bytes == 1024
    assert config.replace(public_url="https://x.org/").public_url == "https://x.org"
    assert config.replace(demo_mode=True).demo_mode is True
    with pytest.raises(ConfigError, match="MEDIA_MAX_BYTES='big'"):
        config.replace(media_max_bytes="big")
    with pytest.raises(ConfigError, match="media_max_byte=1"):
        config.replace(media_max_byte=1)  # a misspelt override is an error, not ignored


def test_the_readme_table_is_the_generated_one():
    readme = (ROOT / "README.md").read_text()
    assert readme_table() in readme, "run `python -m bot.config` and paste its table into the README's Configuration"
    assert readme_table().count("\n") == len(Config.model_fields) + 2


def test_a_bad_setting_refuses_to_start(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MEDIA_MAX_BYTES", "abc")
    with pytest.raises(SystemExit) as raised:
        create_app_or_exit()
    assert raised.value.code == 1
    assert capsys.readouterr().err == (
        "refusing to start, a setting is wrong: "
        "MEDIA_MAX_BYTES='abc': Input should be a valid integer, unable to parse string as an integer\n"
    )


def test_a_bad_flows_file_refuses_to_start(tmp_path, monkeypatch, capsys, redis_url):
    flows = tmp_path / "flows.yaml"
    flows.write_text((ROOT / "flows.yaml").read_text().replace("department: obras_publicas", "department: obras", 1))
    monkeypatch.setenv("FLOWS_PATH", str(flows))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.setenv("REDIS_URL", redis_url)
    with pytest.raises(SystemExit) as raised:
        create_app_or_exit()
    assert raised.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("refusing to start, the flows file has errors:\n")
    assert f"{flows}:" in err and "department 'obras' is not defined" in err


@pytest.mark.parametrize("process", [["-c", "import wsgi"], ["worker.py"]])
def test_the_processes_refuse_a_bad_setting_in_one_line(process):
    env = {**os.environ, "WORKER_TTL": "soon"}
    done = subprocess.run([sys.executable, *process], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == (
        "refusing to start, a setting is wrong: WORKER_TTL='soon': "
        "Input should be a valid integer, unable to parse string as an integer\n"
    )
