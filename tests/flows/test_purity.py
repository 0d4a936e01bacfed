"""The flow engine stays pure: nothing under bot/flows imports I/O libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.flows

FORBIDDEN = {
    "flask",
    "sqlalchemy",
    "sqlmodel",
    "redis",
    "rq",
    "requests",
    "twilio",
    "werkzeug",
    "socket",
    "urllib",
    "http",
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level > 1:
            names.add("<outside bot.flows>")
    return names


def test_engine_package_imports_no_io():
    package = Path(bot.flows.__file__).parent
    modules = sorted(package.glob("*.py"))
    assert len(modules) >= 5
    for module in modules:
        bad = imported_roots(module) & (FORBIDDEN | {"<outside bot.flows>"})
        assert not bad, f"{module.name} imports {bad}"
