"""`ventanilla places ...`: the city's streets, colonias, boundary, neighbouring municipalities and zones."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, NoReturn

import click

from bot.places.model import LAYERS

__all__ = ["places", "load_sample_if_empty"]

SAMPLE_KINDS = {"streets": "type"}  # the sample town keeps a street's type apart, as INEGI does: "Juárez" + "Avenida"


def _engine():
    """The app's database (DATABASE_URL), at the newest schema: places may be imported before `db upgrade`."""
    from bot.config import Config, ConfigError
    from bot.db.database import make_engine
    from bot.db.migrate import upgrade

    try:
        engine = make_engine(Config.from_env().database_url)
    except ConfigError as exc:
        _fail(f"a setting is wrong: {exc}")
    upgrade(engine)  # at head this changes nothing
    return engine


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(1)


def _where(pairs: tuple[str, ...]) -> dict[str, str]:
    where = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise click.BadParameter(f"'{pair}' is not PROPERTY=VALUE", param_hint="--where")
        where[key.strip()] = value.strip()
    return where


@click.group()
def places() -> None:
    """The city's places: import streets and areas from GeoJSON or INEGI shapefiles, list them, find an address."""


@places.command("import")
@click.argument("layer", type=click.Choice(LAYERS))
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--name-property",
    default="name",
    show_default=True,
    metavar="NAME",
    help="The property holding a name (INEGI: NOMVIAL for streets, NOMGEO for municipalities).",
)
@click.option(
    "--kind-property", metavar="NAME", help="Streets: the property holding the street type (INEGI: TIPOVIAL)."
)
@click.option(
    "--source-crs", metavar="EPSG:XXXX", help="The files' coordinate system when they do not say (INEGI's: EPSG:6372)."
)
@click.option(
    "--where",
    "where_pairs",
    multiple=True,
    metavar="PROPERTY=VALUE",
    help="Keep only features with this value (repeat for more), e.g. CVE_MUN=019.",
)
def places_import(
    layer: str,
    files: tuple[str, ...],
    name_property: str,
    kind_property: str | None,
    source_crs: str | None,
    where_pairs: tuple[str, ...],
) -> None:
    """Replace LAYER with the features of FILE... (GeoJSON or .shp), all in one go: a failure keeps the old layer.

    LAYER is streets (lines), or colonias, boundary (the city's own), municipalities (its neighbours) or
    zones (polygons). Several files are one import of the layer.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from bot.places.files import PlacesFileError, read_layer, skipped_text
    from bot.places.store import replace_layer

    if kind_property and layer != "streets":
        raise click.BadParameter("only streets have a kind", param_hint="--kind-property")
    where = _where(where_pairs)
    try:
        reads = [read_layer(f, layer, name_property, kind_property, source_crs, where) for f in files]
    except PlacesFileError as exc:
        _fail(str(exc))
    features = [feature for read in reads for feature in read.features]
    skipped = sum((read.skipped for read in reads), Counter())
    left_out = sum(read.left_out for read in reads)
    notes = [note for note in (skipped_text(skipped), f"{left_out} left out by --where" if left_out else "") if note]
    said = f" ({'; '.join(notes)})" if notes else ""
    if not features:
        _fail(f"{layer}: no features in {', '.join(files)}{said}: nothing imported, the layer is as it was")
    try:
        imported = replace_layer(_engine(), layer, features, ", ".join(Path(f).name for f in files))
    except SQLAlchemyError as exc:
        _fail(f"{layer}: the database refused the import, the layer is as it was: {getattr(exc, 'orig', None) or exc}")
    plural = "" if imported.features == 1 else "s"
    click.echo(f"{layer}: {imported.features} feature{plural} from {', '.join(files)}{said}")


@places.command("list")
def places_list() -> None:
    """Show each layer: how many features, when it was imported (UTC) and from which files."""
    from bot.places.store import imported_layers

    imported = {layer.layer: layer for layer in imported_layers(_engine())}
    for layer in LAYERS:
        found = imported.get(layer)
        if found is None:
            click.echo(f"{layer:15} {'-':>7}  not imported")
        else:
            click.echo(f"{layer:15} {found.features:>7}  {found.imported_at:%Y-%m-%d %H:%M} UTC  {found.source}")


@places.command("find")
@click.argument("text")
def places_find(text: str) -> None:
    """Print where a written address is, as JSON: the best matches, `"ask": true` when the bot would ask which.

    [{"lat": .., "lng": .., "confidence": .., "matched": "Morelos y 5 de Mayo", "colonia": "Centro", ...}], or []
    """
    from bot.places.index import PlaceIndex
    from bot.places.store import load_features

    streets, areas = load_features(_engine())
    if not streets and not areas:
        _fail("no places imported yet: `ventanilla places import streets FILE` first")
    found = PlaceIndex(streets, areas).find(text)
    matches = []
    for place in found.places:
        match: dict[str, Any] = {"lat": place.lat, "lng": place.lng, "confidence": round(place.confidence, 2)}
        match |= {"matched": place.matched, "colonia": place.colonia, "method": place.method}
        match |= {"ask": True} if found.ambiguous else {}
        matches.append(match | ({"reference": found.reference} if found.reference else {}))
    click.echo(json.dumps(matches, ensure_ascii=False))


def load_sample_if_empty(engine, folder: Path) -> str | None:
    """Import the sample town's layers (folder/<layer>.geojson) when no places are imported: `make run` geocodes
    out of the box. Returns the line to print about it, or None when there was nothing to do."""
    from bot.db.database import transaction
    from bot.places.files import PlacesFileError, read_layer
    from bot.places.store import places_version, replace_layer

    present = {layer: folder / f"{layer}.geojson" for layer in LAYERS if (folder / f"{layer}.geojson").is_file()}
    if not present or places_version(engine):
        return None
    try:
        reads = {
            layer: read_layer(path, layer, kind_property=SAMPLE_KINDS.get(layer)) for layer, path in present.items()
        }
    except PlacesFileError as exc:
        return f"places: the sample was not loaded: {exc}"
    with transaction(engine, immediate=True) as db:  # every layer or none
        for layer, read in reads.items():
            replace_layer(db, layer, read.features, present[layer].name)
    counts = ", ".join(f"{len(read.features)} {layer}" for layer, read in reads.items())
    return f"places: loaded the sample town from {folder} ({counts})"
