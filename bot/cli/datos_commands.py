"""`ventanilla datos ...`: the city's open data (/datos/)."""

from __future__ import annotations

import click

__all__ = ["datos"]


@click.group()
def datos() -> None:
    """The open data page /datos/: public figures without personal data, with CSV and GeoJSON downloads."""


@datos.command("publish")
def datos_publish() -> None:
    """Compute every figure and publish it now (the relay also does, every OPEN_DATA_EVERY_HOURS)."""
    from sqlalchemy import inspect

    from bot import create_app_or_exit
    from bot.db.tables import utcnow
    from bot.opendata import publish
    from bot.services import services

    with create_app_or_exit().app_context():
        svc = services()
        if not svc.config.open_data:
            raise click.ClickException("the open data is off (OPEN_DATA=0): nothing published")
        if not inspect(svc.engine).has_table("opendatafile"):
            raise click.ClickException("the database has no open data table yet: run `ventanilla db upgrade` first")
        publication = publish(svc.engine, svc.config, svc.flows, utcnow())
        for file in publication.files:
            click.echo(f"/datos/{file.name}  {len(file.body):,} bytes")
        click.echo(f"published {len(publication.files)} files at {publication.published_at:%Y-%m-%d %H:%M} UTC")
