"""The layers of docs/architecture.md hold: imports point down only, web edges don't import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
BOT = ROOT / "bot"

# Higher numbers sit higher; a module may import its own layer (but see EDGES) and anything lower.
LAYERS = {
    "bot": 4,
    "bot.cli": 4,
    # Migrations run from `ventanilla db upgrade`; their data steps fill columns with the app's own code.
    "bot.db.migrations": 4,
    "bot.channels": 3,
    "bot.dashboard": 3,
    "bot.web": 3,
    "bot.open311": 3,
    "bot.conversation": 2,
    "bot.tickets": 2,
    "bot.messaging": 2,
    "bot.jobs": 2,
    "bot.delivery": 2,
    "bot.reports": 2,
    "bot.qrcards": 2,
    "bot.privacy": 2,
    "bot.opendata": 2,
    "bot.campaigns": 2,
    "bot.operators": 2,
    "bot.services": 2,
    "bot.flowstore": 2,
    "bot.placestore": 2,
    "bot.metrics": 2,
    "bot.observability": 2,
    "bot.i18n": 2,
    "bot.places": 1,
    "bot.translatable": 1,
    "bot.numbers": 1,
    "bot.flows": 1,
    "bot.db": 0,
    "bot.config": 0,
}
EDGES = {"bot.channels", "bot.dashboard", "bot.web", "bot.open311"}
# Modules other layers may name across the rules: a channel's contract, which use cases use without
# reaching its Flask views (the registry of providers, their errors, payload reading, which the
# departments' API shares), and the request limiter every web edge counts with.
PORTS = {"bot.channels", "bot.channels.errors", "bot.channels.payloads", "bot.channels.provider", "bot.web.ratelimit"}


def package_of(module: str) -> str:
    """The entry of LAYERS a module belongs to: its longest listed prefix."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in LAYERS:
            return ".".join(parts[:n])
    raise KeyError(f"{module} is in no layer of docs/architecture.md: add its package to LAYERS")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every bot module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "bot":
            found.add(node.module)
            found.update(
                f"{node.module}.{a.name}"
                for a in node.names
                if (BOT.parent / f"{node.module}.{a.name}".replace(".", "/")).exists()
                or (BOT.parent / (f"{node.module}.{a.name}".replace(".", "/") + ".py")).exists()
            )
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "bot")
    return found


def violation(importer: str, imported: str) -> str | None:
    """Why importer may not import imported, or None if it may."""
    src, dst = package_of(importer), package_of(imported)
    if src == dst:
        return None
    if src == "bot.flows":
        return f"{importer} is the pure core, yet imports {imported}"
    if imported in PORTS:
        return None
    if LAYERS[dst] > LAYERS[src]:
        return f"{importer} ({src}) imports {imported} from a higher layer ({dst})"
    if src in EDGES and dst in EDGES:
        return f"{importer} imports another web edge's module {imported}"
    return None


MODULES = sorted(BOT.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path):
    importer = module_name(path)
    problems = [v for imported in sorted(imports_of(path)) if (v := violation(importer, imported))]
    assert problems == []


def test_every_package_has_a_layer():
    for path in MODULES:
        package_of(module_name(path))


@pytest.mark.parametrize(
    "importer, imported, allowed",
    [
        ("bot.flows.engine", "bot.db.tables", False),
        ("bot.flows.engine", "bot.flows.model", True),
        ("bot.tickets.triage", "bot.db.tables", True),
        ("bot.db.database", "bot.tickets.search", False),
        ("bot.flows.engine", "bot.conversation.handler", False),
        ("bot.web.api", "bot.dashboard.access", False),
        ("bot.jobs.message_jobs", "bot.channels.twilio", False),
        ("bot.jobs.message_jobs", "bot.channels.provider", True),
        ("bot.cli.main", "bot.jobs.outbox", True),
        ("bot.tickets.triage", "bot.cli.main", False),
    ],
)
def test_the_rules_themselves(importer, imported, allowed):
    assert (violation(importer, imported) is None) is allowed


@pytest.mark.parametrize("path", sorted((ROOT / "tests").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_test_module_imports_another(path):
    """Helpers shared by tests live in tests/support/; a test module is never a library for another."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert [m for m in imported if m.split(".")[-1].startswith("test_") or m.split(".")[-1] == "conftest"] == []
