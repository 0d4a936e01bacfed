"""A survey's QR cards: the list of cards (one per park), each card's code as PNG or SVG, and the PDF to print.

Who sees a survey's results sees its cards (admins: all). The codes open a WhatsApp chat with the
city, the message written, or the web chat's page at the survey (?channel=webchat); `ventanilla qr`
writes the same files from the command line.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _

from bot.dashboard.blueprint import bp
from bot.dashboard.i18n import current_language, translated
from bot.dashboard.results import visible_survey
from bot.flows.model import Flow
from bot.qrcards import CHANNELS, Card, CardsError, cards_for
from bot.qrcards.images import png, svg
from bot.qrcards.sheet import pdf
from bot.services import services


def _channel() -> str:
    channel = request.args.get("channel", "whatsapp")
    if channel not in CHANNELS:
        abort(404)
    return channel


def _cards(flow: Flow, channel: str) -> list[Card]:
    """The survey's cards for the channel; CardsError when they cannot be made (no `qr:`, no number)."""
    svc = services()
    return cards_for(svc.flows, flow, svc.config, channel, fallback_base=request.host_url)


def _card_or_404(flow_id: str, code: str) -> Card:
    flow = visible_survey(flow_id)
    try:
        cards = _cards(flow, _channel())
    except CardsError:
        abort(404)
    card = next((c for c in cards if c.filename == code), None)
    if card is None:
        abort(404)
    return card


@bp.get("/surveys/<flow_id>/qr")
def survey_qr(flow_id: str):
    """The survey's cards: each option's name, code and message, its image to download, and the PDF of them all."""
    svc = services()
    flow, channel, lang = visible_survey(flow_id), _channel(), current_language()
    try:
        cards, problem = _cards(flow, channel), ""
    except CardsError as error:
        cards, problem = [], translated(error)
    channels = [("whatsapp", "WhatsApp"), ("webchat", _("Web chat"))]
    return render_template(
        "dashboard/survey_qr.html",
        title=_("QR cards: %(survey)s", survey=flow.title.get(lang, svc.flows.default_language)),
        flow=flow,
        cards=cards,
        problem=problem,
        channel=channel,
        channels=channels,
        call_to_action=flow.qr.call_to_action.get(svc.flows.default_language, "") if flow.qr else "",
    )


@bp.get("/surveys/<flow_id>/qr/<code>.png")
def survey_qr_png(flow_id: str, code: str):
    """One card's QR code as a PNG, to download (?download=1) or show."""
    card = _card_or_404(flow_id, code)
    return _file(png(card.link), "image/png", f"{card.filename}.png")


@bp.get("/surveys/<flow_id>/qr/<code>.svg")
def survey_qr_svg(flow_id: str, code: str):
    """One card's QR code as an SVG drawing (ours: no script in it), to download."""
    card = _card_or_404(flow_id, code)
    return _file(svg(card.link, card.name), "image/svg+xml", f"{card.filename}.svg")


@bp.get("/surveys/<flow_id>/qr.pdf")
def survey_qr_pdf(flow_id: str):
    """Every card of the survey in one PDF, a card a letter page, to print."""
    svc = services()
    flow, channel = visible_survey(flow_id), _channel()
    try:
        cards = _cards(flow, channel)
    except CardsError:
        abort(404)
    assert flow.qr is not None  # cards_for refuses a flow without cards
    lang = svc.flows.default_language  # the cards speak to residents: the city's language, not the operator's
    footer = cards[0].link.split("?")[0].split("#")[0]
    sheet = pdf(cards, flow.qr.call_to_action.get(lang, lang), footer, flow.title.get(lang, lang))
    suffix = "" if channel == "whatsapp" else f"-{channel}"
    return _file(sheet, "application/pdf", f"{flow.id}-qr{suffix}.pdf")


def _file(content: bytes, mimetype: str, filename: str) -> Response:
    """A generated file: shown inline (the page's thumbnails) unless ?download=1 makes it an attachment."""
    disposition = "attachment" if request.args.get("download") == "1" or mimetype == "application/pdf" else "inline"
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    if mimetype == "image/svg+xml":
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


def card_url(flow: Flow, card: Card, extension: str, channel: str, download: bool = False) -> str:
    """Where the page links a card's image."""
    endpoint = "dashboard.survey_qr_png" if extension == "png" else "dashboard.survey_qr_svg"
    extra = {"download": "1"} if download else {}
    channel_arg = {} if channel == "whatsapp" else {"channel": channel}
    return url_for(endpoint, flow_id=flow.id, code=card.filename, **channel_arg, **extra)


bp.add_app_template_global(card_url, "qr_card_url")
