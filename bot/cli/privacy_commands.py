"""`ventanilla privacy ...`: what retention would remove next, and removing it now."""

from __future__ import annotations

import click
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import inspect

from bot.config import Config, ConfigError
from bot.db.database import make_engine, transaction
from bot.db.tables import utcnow
from bot.flows.model import Flows
from bot.jobs.connection import connect_redis
from bot.privacy import retention

__all__ = ["privacy"]

PERIODS = (  # flows.yaml's name, how the report says it, from when it counts
    ("messages", "messages and photos", "after the contact's last ticket closed"),
    ("silent_contacts", "silent contacts", "with no message, no open ticket and no open ARCO request"),
    ("audit_events", "audit events", "after they were recorded"),
)
KINDS = (  # a count's key, what the report says is due, what apply says it did
    ("contacts", "silent contacts to erase", "silent contacts erased"),
    ("messages", "messages to blank (text, photos, pins)", "messages blanked"),
    ("ticket_photos", "closed tickets' photos to remove", "closed tickets' photos removed"),
    ("media_files", "files in the media folder", "files deleted from the media folder"),
    ("ticket_events", "tickets' audit entries to delete", "tickets' audit entries deleted"),
    ("privacy_events", "privacy audit entries to delete", "privacy audit entries deleted"),
)


@click.group()
def privacy() -> None:
    """Residents' personal data: the retention flows.yaml sets (privacy.retention)."""


def _migrated_engine(config: Config):
    """The database's engine; exit with what to do when its tables are not there yet (a fresh install)."""
    engine = make_engine(config.database_url)
    if not inspect(engine).has_table("privacyevent"):
        engine.dispose()
        click.echo("The database has no privacy tables yet: run `ventanilla db upgrade` first.", err=True)
        raise SystemExit(1)
    return engine


@privacy.command("report")
def privacy_report() -> None:
    """Print the retention periods and what applying them now would remove, by kind."""
    config, flows = _settings()
    engine = _migrated_engine(config)
    try:
        with transaction(engine) as session:
            due = retention.report(session, flows, utcnow())
    finally:
        engine.dispose()
    click.echo(f"Retention ({flows.source}, privacy.retention):")
    for name, label, counted in PERIODS:
        days = due["periods"][name]
        click.echo(f"  {label:<22} " + (f"{days} days {counted}" if days is not None else "kept (no period set)"))
    if not _counts(due):
        click.echo("Nothing is removed: no period is set.")
        return
    click.echo("Due now (`ventanilla privacy apply` removes it):")
    for key, label, _ in KINDS:
        if key in due:
            click.echo(f"  {label:<42} {due[key]:>8}")


@privacy.command("apply")
@click.option("--batch", type=click.IntRange(min=1), default=500, show_default=True, help="Rows per transaction.")
def privacy_apply(batch: int) -> None:
    """Remove what retention says is due now, in short transactions; print what was removed."""
    config, flows = _settings()
    engine = _migrated_engine(config)
    try:
        done = retention.apply(engine, config, flows, utcnow(), batch, redis=_redis(config), actor="cli")
    finally:
        engine.dispose()
    if done.get("skipped"):
        click.echo("Another process is applying retention now; nothing done.")
        return
    if not done:
        click.echo("Nothing is removed: flows.yaml sets no retention period.")
        return
    for key, _, label in KINDS:
        if key in done:
            click.echo(f"  {label:<42} {done[key]:>8}")


def _counts(due: dict) -> dict:
    return {key: value for key, value in due.items() if key != "periods"}


def _settings() -> tuple[Config, Flows]:
    from bot.flows.loader import FlowsInvalidError, load_flows

    try:
        config = Config.from_env()
    except ConfigError as exc:
        raise click.ClickException(f"a setting is wrong: {exc}") from None
    try:
        return config, load_flows(config.flows_path)
    except FlowsInvalidError as exc:
        raise click.ClickException(str(exc)) from None


def _redis(config: Config) -> Redis | None:
    """Redis, to forget erased contacts' web chat sessions; None when it does not answer (those keys expire)."""
    redis = connect_redis(config.redis_url)
    try:
        redis.ping()
    except RedisError:
        click.echo("Redis does not answer: erased contacts' web chat messages expire there on their own.", err=True)
        return None
    return redis
