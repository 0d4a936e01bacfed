"""The `ventanilla` command."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from bot.cli.apikey_commands import apikeys
from bot.cli.campaign_commands import campaigns
from bot.cli.datos_commands import datos
from bot.cli.operator_commands import operators
from bot.cli.places_commands import places
from bot.cli.privacy_commands import privacy
from bot.cli.qr_commands import qr
from bot.cli.survey_commands import surveys

__all__ = ["main"]


@click.group()
def main() -> None:
    """Ventanilla: citizen requests over WhatsApp, SMS and web chat."""


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on; 0.0.0.0 lets other machines in (the demo admin's password is printed).",
)
def run(host: str) -> None:
    """Start web, worker and an embedded Redis in demo mode (what `make run` does)."""
    from bot.cli.devserver import run as run_all

    sys.exit(run_all(Path.cwd(), host=host))


@main.group()
def db() -> None:
    """The database's schema, through migrations (bot/db/migrations)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the newest schema and fill what earlier versions did not store; safe to run again."""
    from bot.config import Config
    from bot.db.database import make_engine
    from bot.db.migrate import upgrade

    config = Config.from_env()
    engine = make_engine(config.database_url)
    done = upgrade(engine, flows=_load_or_exit(config.flows_path))  # the flows' SLAs date older tickets
    moved = f"{done.before or 'empty'} -> {done.after}" if done.before != done.after else f"already at {done.after}"
    click.echo(f"database ready: {config.database_url} ({moved})")
    engine.dispose()


@db.command("current")
def db_current() -> None:
    """Print the database's revision and the newest one."""
    from bot.config import Config
    from bot.db.migrate import current, head

    revision = current(Config.from_env().database_url)
    click.echo(f"{revision or 'none (empty, or made before migrations)'} (head: {head()})")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes, in a few words.")
@click.option("--empty", is_flag=True, help="Write an empty script instead of comparing the models with the database.")
def db_revision(message: str, empty: bool) -> None:
    """Write a new migration: what the models have and the database (at head, DATABASE_URL) lacks."""
    from bot.config import Config
    from bot.db.migrate import revision

    click.echo(revision(message, autogenerate=not empty, engine_or_url=Config.from_env().database_url))


@main.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False))
def backup_command(destination: str) -> None:
    """Copy a SQLite installation's database (consistently, while it runs) and media store into DESTINATION.tar.gz."""
    from bot.config import Config
    from bot.db.backup import BackupError, backup

    config = Config.from_env()
    try:
        done = backup(config.database_url, config.media_dir, destination)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up to {done.path}: schema {done.revision or 'unknown'}, {done.media_files} media files")


@main.command("restore")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that holds data (stop web and worker first).")
def restore_command(source: str, force: bool) -> None:
    """Put a backup made by `ventanilla backup` back: the database and the media store."""
    from bot.config import Config
    from bot.db.backup import BackupError, restore

    config = Config.from_env()
    try:
        done = restore(config.database_url, config.media_dir, source, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"restored {done.path}: schema {done.revision or 'unknown'}, {done.media_files} media files;"
        " run `ventanilla db upgrade` if this version is newer"
    )


@main.command("init-db")
@click.pass_context
def init_db(context: click.Context) -> None:
    """Same as `ventanilla db upgrade`."""
    context.invoke(db_upgrade)


@main.group()
def flows() -> None:
    """Check and inspect flows.yaml."""


def _flows_path(path: str | None) -> str:
    """The flows file: the option given, else FLOWS_PATH, else flows.yaml."""
    from bot.config import Config

    return path or Config.from_env().flows_path


def _load_or_exit(path: str):
    """Load a flows file, or print its errors as PATH:LINE:COL: message and exit 1."""
    from bot.flows.loader import FlowsInvalidError, load_flows

    try:
        return load_flows(path)
    except FlowsInvalidError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


FLOWS_OPTION = click.option(
    "--flows", "flows_path", metavar="PATH", help="The flows file (default: $FLOWS_PATH or flows.yaml)."
)


@flows.command("check")
@click.argument("path", required=False)
@FLOWS_OPTION
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, not only on errors.")
def flows_check(path: str | None, flows_path: str | None, strict: bool) -> None:
    """Report every error in a flows file as PATH:LINE:COL: message, then words two flows or options share.

    Shared words are warnings (PATH:LINE:COL: warning: message): the file works, but an opener or an
    answer with such a word is ambiguous. So is a file that collects personal data with no `privacy:`
    notice, and a menu whose order changed under transcripts (transcripts/ next to the file) that answer
    it by number. Warnings fail the check only with --strict.
    """
    from bot.channels import carries
    from bot.flows.checks import missing_privacy_notice, misspelt_names
    from bot.flows.menuorder import renumbered_menu_answers
    from bot.flows.overlaps import shared_words
    from bot.flows.transcripts import find_transcripts

    path = _flows_path(path or flows_path)
    loaded = _load_or_exit(path)
    text = Path(path).read_text(encoding="utf-8")
    warnings = missing_privacy_notice(loaded, path) + shared_words(text, path) + misspelt_names(text, path)
    warnings += renumbered_menu_answers(loaded, find_transcripts(path), carries=carries)
    for warning in warnings:
        click.echo(warning.format())
    steps = sum(len(f.steps) for f in loaded.flows.values())
    counted = f", {len(warnings)} warning{'s' if len(warnings) > 1 else ''}" if warnings else ""
    click.echo(f"{path}: ok, {len(loaded.flows)} flows, {steps} steps, {len(loaded.departments)} departments{counted}")
    if strict and warnings:
        click.echo(f"{path}: failing on warnings (--strict)", err=True)
        sys.exit(1)


@flows.command("schema")
def flows_schema() -> None:
    """Print flows.schema.json as the models in bot/flows/schema.py generate it (redirect it into the file)."""
    from bot.flows.schema import render

    click.echo(render(), nl=False)


@flows.command("test")
@click.argument("files", nargs=-1, type=click.Path())
@FLOWS_OPTION
def flows_test(files: tuple[str, ...], flows_path: str | None) -> None:
    """Replay conversation transcripts against the flows (default: transcripts/*.yaml next to them).

    Prints FILE:LINE: transcript 'name': expected ..., bot said ... for every difference,
    then a summary; exits 1 if any transcript failed.
    """
    from bot.channels import carries
    from bot.flows.transcripts import find_transcripts, run_files

    path = _flows_path(flows_path)
    loaded = _load_or_exit(path)
    paths: list[Path] = []
    for name in files:
        given = Path(name)
        paths += sorted([*given.glob("*.yaml"), *given.glob("*.yml")]) if given.is_dir() else [given]
    if not files:
        paths = find_transcripts(path)
    if not paths:
        where = ", ".join(files) or str(Path(path).parent / "transcripts")
        click.echo(f"no transcripts found in {where} (files named *.yaml)", err=True)
        sys.exit(1)
    report = run_files(loaded, paths, carries=carries)
    for line in report.errors:
        click.echo(line)
    for failure in report.failures:
        click.echo(failure.format())
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


@flows.command("graph")
@click.argument("name")
@click.option("--lang", help="Language of the prompts shown (default: the flows' default language).")
@click.option(
    "--markdown",
    "as_markdown",
    is_flag=True,
    help="A page to print: the diagram in a ```mermaid block and every prompt in full below it.",
)
@FLOWS_OPTION
def flows_graph(name: str, lang: str | None, as_markdown: bool, flows_path: str | None) -> None:
    """Print one flow as a Mermaid flowchart (paste it into any Mermaid viewer)."""
    from bot.flows.graph import markdown, mermaid

    loaded = _load_or_exit(_flows_path(flows_path))
    if name not in loaded.flows:
        raise click.ClickException(f"no flow named '{name}' (flows: {', '.join(loaded.flows)})")
    draw = markdown if as_markdown else mermaid
    click.echo(draw(loaded.flows[name], lang or loaded.default_language, loaded), nl=False)


@flows.command("reload")
@FLOWS_OPTION
def flows_reload(flows_path: str | None) -> None:
    """Check the flows file and, if it is valid, have every running process load it.

    Running processes watch the file's modification time; this touches it (after checking),
    which also makes them re-read option files such as parks.csv. A broken file is left alone.
    """
    import os
    import time

    path = _flows_path(flows_path)
    loaded = _load_or_exit(path)
    stat = os.stat(path)
    os.utime(path, (stat.st_atime, max(time.time(), stat.st_mtime + 0.001)))
    click.echo(f"{path}: ok, version {loaded.version}; running processes load it within a few seconds")


@main.command("chat")
@click.option("--flow", "flow_id", metavar="NAME", help="Start directly in this flow.")
@click.option("--lang", help="The resident's language at the start (es, en, ...).")
@click.option(
    "--channel",
    type=click.Choice(["sms", "whatsapp", "webchat"]),  # bot.cli.simulator.CHANNELS
    default="whatsapp",
    show_default=True,
    help="The channel the resident writes from: SMS carries no photos or pins, the web chat no voice notes.",
)
@FLOWS_OPTION
def chat(flow_id: str | None, lang: str | None, channel: str, flows_path: str | None) -> None:
    """Chat with the flows in the terminal, as a resident would (no database, no network).

    Type messages; /location LAT,LNG [label] shares a pin, /photo [URL] sends a photo, /quit ends.
    Input may be piped: `printf 'hola\\nbache\\n' | ventanilla chat`.
    "Hoy" and "ayer" are days in the city's time zone (CITY_TIMEZONE).
    """
    from bot.cli.simulator import chat as run_chat
    from bot.cli.simulator import city_zone
    from bot.config import ConfigError
    from bot.flows.loader import FlowsInvalidError
    from bot.flowstore import FlowStore

    path = _flows_path(flows_path)
    try:
        store = FlowStore(path, check_every=0)  # a stat per message: edits show on the next one
    except FlowsInvalidError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"{path}: cannot read file: {exc.strerror}", err=True)
        sys.exit(1)
    flows_ = store.current
    if flow_id and flow_id not in flows_.flows:
        raise click.BadParameter(f"no flow named '{flow_id}' (flows: {', '.join(flows_.flows)})", param_hint="--flow")
    if lang and lang not in flows_.languages:
        raise click.BadParameter(
            f"'{lang}' is not among the languages ({', '.join(flows_.languages)})", param_hint="--lang"
        )
    try:
        zone = city_zone()
    except ConfigError as exc:
        click.echo(f"a setting is wrong: {exc}", err=True)
        sys.exit(1)
    banner = f"Ventanilla chat: {path}, version {flows_.version}, flows: {', '.join(flows_.flows)}"
    run_chat(
        store.latest,
        sys.stdin,
        sys.stdout,
        flow_id,
        lang,
        interactive=sys.stdin.isatty(),
        banner=banner,
        channel=channel,
        zone=zone,
    )


@main.group()
def outbox() -> None:
    """Work waiting to reach RQ."""


@outbox.command("relay")
@click.option("--every", type=float, default=0, help="Keep relaying every N seconds (the Procfile's relay process).")
@click.option("--grace", type=float, default=30, help="Leave rows younger than this to the enqueue after their commit.")
def outbox_relay(every: float, grace: float) -> None:
    """Enqueue committed work that has not reached RQ yet, or whose retry is due."""
    from datetime import timedelta

    from bot import create_app_or_exit
    from bot.jobs.outbox import relay, relay_forever
    from bot.observability.context import set_process_role
    from bot.services import services

    if every:
        set_process_role("relay")  # the Procfile's relay process; a one-off relay is a command like any other
    with create_app_or_exit().app_context():
        svc = services()
        if every:
            # a log line, not stdout: the relay's output is its log (JSON lines, LOG_FORMAT)
            logging.getLogger("bot.cli").info("relaying the outbox every %g s", every)
            relay_forever(
                svc.engine,
                svc.queue,
                every,
                older_than=timedelta(seconds=grace),
                retention_every_hours=svc.config.retention_every_hours,
                open_data_every_hours=svc.config.open_data_every_hours if svc.config.open_data else 0,
            )
        else:
            click.echo(f"enqueued {relay(svc.engine, svc.queue, timedelta(0))}")


@main.group()
def tickets() -> None:
    """Tickets and their delivery."""


@tickets.command("retry")
@click.argument("folio")
def tickets_retry(folio: str) -> None:
    """Deliver a ticket again (after "delivery failed", once the department is back)."""
    from bot import create_app_or_exit
    from bot.services import services
    from bot.tickets.redelivery import RedeliveryError, retry_delivery

    with create_app_or_exit().app_context():
        try:
            outbox_id = retry_delivery(services(), folio, actor="cli")
        except RedeliveryError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{folio.upper()}: delivery queued again (outbox {outbox_id})")


main.add_command(apikeys)
main.add_command(datos)
main.add_command(campaigns)
main.add_command(operators)
main.add_command(places)
main.add_command(privacy)
main.add_command(qr)
main.add_command(surveys)
