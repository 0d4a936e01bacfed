"""`ventanilla qr FLOW`: print a flow's QR cards (one per park, say) as PNG, SVG and a PDF to print."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from bot.config import Config, ConfigError
from bot.qrcards import CHANNELS, CardsError, cards_for
from bot.qrcards.images import png, svg
from bot.qrcards.sheet import pdf
from bot.reports.spreadsheets import defuse

__all__ = ["qr", "FORMATS"]

FORMATS = ("png", "svg", "pdf")


@click.command("qr")
@click.argument("flow_id")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="The folder to write into (made if missing).  [default: qr-FLOW, or qr-FLOW-webchat]",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(FORMATS),
    multiple=True,
    help="What to write; repeat for several.  [default: all three]",
)
@click.option(
    "--channel",
    type=click.Choice(CHANNELS),
    default="whatsapp",
    show_default=True,
    help="What the codes open: a WhatsApp chat with the city (WHATSAPP_NUMBER), or the web chat's page "
    "(WEBCHAT_PAGE_URL).",
)
@click.option("--flows", "flows_path", type=click.Path(dir_okay=False), help="The flows file (default: FLOWS_PATH).")
def qr(flow_id: str, out_dir: str | None, formats: tuple[str, ...], channel: str, flows_path: str | None) -> None:
    """Write FLOW's QR cards: for each option of its `qr:` step (each park), a code that opens a chat with the
    city, its message written ("Hola, quiero evaluar Parque Clouthier (P001)"), and the bot starts the survey
    with that option chosen.

    Writes CODE.png and CODE.svg per option, FLOW.pdf (one card a letter page: the name, the code and the call
    to action) and cards.csv (each card's code, name, message and link, for the city's web page).
    """
    from bot.flows.loader import FlowsInvalidError, load_flows

    try:
        config = Config.from_env()
        flows = load_flows(flows_path or config.flows_path)
    except (ConfigError, FlowsInvalidError) as exc:
        raise click.ClickException(str(exc)) from None
    flow = flows.flows.get(flow_id)
    if flow is None:
        raise click.ClickException(f"no flow named '{flow_id}' in {flows_path or config.flows_path}")
    try:
        cards = cards_for(flows, flow, config, channel)
    except CardsError as exc:
        raise click.ClickException(str(exc)) from None
    folder = Path(out_dir or (f"qr-{flow.id}" if channel == "whatsapp" else f"qr-{flow.id}-{channel}"))
    folder.mkdir(parents=True, exist_ok=True)
    chosen = tuple(f for f in FORMATS if f in (formats or FORMATS))
    lang = flows.default_language
    for card in cards:
        if "png" in chosen:
            (folder / f"{card.filename}.png").write_bytes(png(card.link))
        if "svg" in chosen:
            (folder / f"{card.filename}.svg").write_bytes(svg(card.link, card.name))
    if "pdf" in chosen:
        assert flow.qr is not None  # cards_for refuses a flow without cards
        footer = cards[0].link.split("?")[0].split("#")[0]  # wa.me/<number>, or the page: for a phone with no camera
        sheet = pdf(cards, flow.qr.call_to_action.get(lang, lang), footer, flow.title.get(lang, lang))
        (folder / f"{flow.id}.pdf").write_bytes(sheet)
    _write_index(folder / "cards.csv", cards)
    written = ", ".join(f"{len(cards)} {f.upper()}" if f != "pdf" else f"{flow.id}.pdf" for f in chosen)
    click.echo(f"{flow.id}: {len(cards)} cards ({channel}) in {folder}/: {written}, cards.csv")


def _write_index(path: Path, cards) -> None:
    """Every card's code, name, message and link, as a spreadsheet reads them."""
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "message", "link"])
        writer.writerows([defuse(card.code), defuse(card.name), defuse(card.message), card.link] for card in cards)
