"""The departments' keys: `secret` signs the tickets we send, `status_secret` checks the updates they send us.

Both come from environment variables only (the loader sees to that). A process refuses to start while a
key is unset, shorter than 32 bytes, a known example value, or one department's two keys are the same.
In demo mode (`make run`) the keys left unset are generated once into `instance/demo-secrets/`, one file
per variable, created readable by the owner only.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from bot.config import Config, ConfigError
from bot.flows.model import Flows
from bot.flowstore import FlowStore

__all__ = [
    "DepartmentKeyError",
    "MIN_KEY_BYTES",
    "EXAMPLE_KEYS",
    "weakness",
    "check_department_keys",
    "demo_keys",
    "checked_flow_store",
]

MIN_KEY_BYTES = 32
# Values people copy from examples and tutorials; refused whatever their length.
EXAMPLE_KEYS = frozenset(
    {
        "dev-secret-change-me",
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "password",
        "test",
        "example",
        "your-secret-here",
        "your_secret_here",
        "supersecret",
        "0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    }
)
log = logging.getLogger(__name__)
DEMO_DIR = "demo-secrets"
HOW = "set it to a random value: openssl rand -hex 32"


class DepartmentKeyError(ConfigError):
    """A department's key is unset or weak: the process must not start."""


def weakness(value: str) -> str | None:
    """What is wrong with a key, or None when it is fit to sign with."""
    if not value:
        return "is not set"
    if value.strip().lower() in EXAMPLE_KEYS:
        return "is a known example value"
    if len(set(value)) < 8:
        return "is not random (too few different characters)"
    if len(value.encode()) < MIN_KEY_BYTES:
        return f"is too short ({len(value.encode())} bytes; at least {MIN_KEY_BYTES})"
    return None


def check_department_keys(flows: Flows) -> None:
    """Raise DepartmentKeyError naming every variable whose key is unfit (all of them, in one message)."""
    problems = []
    for department in flows.departments.values():
        seen: dict[str, str] = {}
        for field, variable in department.secret_variables.items():
            value = department.delivery.get(field, "")
            found = weakness(value)
            if found:
                problems.append(f"{variable} (department '{department.id}', {field}) {found}; {HOW}")
            elif value in seen:
                problems.append(
                    f"{variable} and {seen[value]} (department '{department.id}') hold the same key;"
                    f" each needs its own: openssl rand -hex 32"
                )
            seen.setdefault(value, variable)
    if problems:
        raise DepartmentKeyError("; ".join(problems))


def demo_keys(flows: Flows, instance: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """Demo mode: a random key for every department key variable unset in environ, kept in instance/.

    A key is generated once and read back on the next start (and by every process), so the web
    process, the worker and the demo inbox agree. Each file is created with mode 0600.
    """
    folder = instance / DEMO_DIR
    keys = {}
    for department in flows.departments.values():
        for variable in department.secret_variables.values():
            if not environ.get(variable) and variable not in keys:
                keys[variable] = _kept_key(folder, variable)
    return keys


def _kept_key(folder: Path, variable: str) -> str:
    path = folder / variable
    if not path.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        draft = folder / f".{variable}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)  # whole or not at all; a process that got there first wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def checked_flow_store(config: Config, instance: str | Path) -> FlowStore:
    """The process's flows, once every department key in them is fit (demo mode fills in those unset).

    Raises DepartmentKeyError (a ConfigError: create_app_or_exit refuses to start with it).
    """
    store = FlowStore(config.flows_path)
    if config.demo_mode:
        log.warning("DEMO_MODE is on: department keys may be generated and the demo inbox answers; never in production")
        generated = demo_keys(store.current, Path(instance), os.environ)
        if generated:
            store = FlowStore(config.flows_path, environ={**os.environ, **generated})
    check_department_keys(store.current)
    return store
