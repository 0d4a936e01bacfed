"""`ventanilla apikeys ...`: the keys applications file Open311 service requests with."""

from __future__ import annotations

import click

from bot.config import Config
from bot.db.database import make_engine, transaction
from bot.db.migrate import upgrade
from bot.db.tables import as_utc
from bot.tickets.apikeys import all_keys, issue_key, revoke_key

__all__ = ["apikeys"]


def _engine():
    engine = make_engine(Config.from_env().database_url)
    upgrade(engine)  # keys may be issued before `ventanilla db upgrade`; at head this changes nothing
    return engine


@click.group()
def apikeys() -> None:
    """Open311 API keys: issue one to an application (shown once), list, revoke."""


@apikeys.command("add")
@click.argument("name")
def add(name: str) -> None:
    """Issue a key to the application NAME; it is printed once and never shown again (only its hash is kept)."""
    try:
        with transaction(_engine(), immediate=True) as session:
            issued = issue_key(session, name, created_by="cli")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"key {issued.row.id} for {issued.row.name} (copy it now: it is not shown again):")
    click.echo(issued.key)


@apikeys.command("list")
def list_keys() -> None:
    """Every key: id, the start of the key, the application, when issued, revoked or live."""
    with transaction(_engine()) as session:
        rows = all_keys(session)
    if not rows:
        click.echo("no keys yet: ventanilla apikeys add NAME")
    for row in rows:
        state = f"revoked {as_utc(row.revoked_at):%Y-%m-%d}" if row.revoked_at else "live"
        click.echo(f"{row.id}\t{row.prefix}…\t{row.name}\t{as_utc(row.created_at):%Y-%m-%d}\t{state}")


@apikeys.command("revoke")
@click.argument("key_id", type=int)
def revoke(key_id: int) -> None:
    """Revoke key KEY_ID (see `list`): requests with it are refused from now on."""
    with transaction(_engine(), immediate=True) as session:
        row = revoke_key(session, key_id)
        if row is None:
            raise click.ClickException(f"no key has id {key_id} (ventanilla apikeys list)")
        name = row.name
    click.echo(f"revoked key {key_id} ({name})")
