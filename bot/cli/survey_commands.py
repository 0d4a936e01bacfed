"""`ventanilla surveys ...`: counting the survey results' tallies again."""

from __future__ import annotations

import click
from sqlalchemy import inspect

from bot.config import Config, ConfigError
from bot.db.database import make_engine, transaction
from bot.reports.surveys import survey_flows
from bot.reports.tallies import rebuild

__all__ = ["surveys"]


@click.group()
def surveys() -> None:
    """Survey results (flows whose outcome is a survey)."""


@surveys.command("rebuild")
@click.argument("flow_ids", nargs=-1)
def surveys_rebuild(flow_ids: tuple[str, ...]) -> None:
    """Count every survey's responses again into its tallies, in CITY_TIMEZONE's days.

    Run it after changing CITY_TIMEZONE or a survey's steps: until then that survey's results are computed
    from its responses (correct, slower). Name flows to rebuild only those. Safe while the bot runs: a
    response stored meanwhile is counted once.
    """
    from bot.flows.loader import FlowsInvalidError, load_flows

    try:
        config = Config.from_env()
        flows = load_flows(config.flows_path)
    except (ConfigError, FlowsInvalidError) as exc:
        raise click.ClickException(str(exc)) from None
    chosen = [f for f in survey_flows(flows, None) if not flow_ids or f.id in flow_ids]
    unknown = set(flow_ids) - {f.id for f in chosen}
    if unknown:
        raise click.ClickException(f"no survey flow named {', '.join(sorted(unknown))} in {config.flows_path}")
    engine = make_engine(config.database_url)
    try:
        if not inspect(engine).has_table("surveytally"):
            raise click.ClickException("the database has no survey tallies yet: run `ventanilla db upgrade` first")
        for flow in chosen:
            with transaction(engine, immediate=True) as session:
                counted = rebuild(session, flow, config.city_zone())
            click.echo(f"{flow.id}: {counted} responses counted ({config.city_timezone})")
    finally:
        engine.dispose()
