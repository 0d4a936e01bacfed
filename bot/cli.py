"""The `ventanilla` command."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["main"]


@click.group()
def main() -> None:
    """Ventanilla: citizen requests over WhatsApp, SMS and web chat."""


@main.command()
def run() -> None:
    """Start web, worker and an embedded Redis (what `make run` does)."""
    from .devserver import run as run_all

    sys.exit(run_all(Path.cwd()))


@main.command("init-db")
def init_db() -> None:
    """Create the database tables that are missing."""
    from .config import Config
    from .db import create_tables, make_engine

    config = Config.from_env()
    create_tables(make_engine(config.database_url))
    click.echo(f"database ready: {config.database_url}")


@main.group()
def flows() -> None:
    """Check and inspect flows.yaml."""


@flows.command("check")
@click.argument("path", required=False)
def flows_check(path: str | None) -> None:
    """Report every error in a flows file as PATH:LINE:COL: message."""
    from .config import Config
    from .flows.loader import FlowsInvalidError, load_flows

    path = path or Config.from_env().flows_path
    try:
        loaded = load_flows(path)
    except FlowsInvalidError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    steps = sum(len(f.steps) for f in loaded.flows.values())
    click.echo(f"{path}: ok, {len(loaded.flows)} flows, {steps} steps, {len(loaded.departments)} departments")


@main.group()
def outbox() -> None:
    """Work waiting to reach RQ."""


@outbox.command("relay")
def outbox_relay() -> None:
    """Enqueue committed work that has not reached RQ yet."""
    from datetime import timedelta

    from . import create_app
    from .outbox import relay
    from .services import services

    with create_app().app_context():
        svc = services()
        click.echo(f"enqueued {relay(svc.engine, svc.queue, timedelta(0))}")
