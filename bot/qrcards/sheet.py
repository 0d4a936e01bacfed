"""The printable PDF: one card a letter-size page, with the option's name, its QR code and the call to action.

Letter size, as Mexican offices print; a page is a card to post in the park (or to cut down). The
fonts are the PDF's built-in Helvetica, so no font file ships; it writes Latin-1, which Spanish fits.
Characters beyond it (an emoji in a call to action) are left out of the print, never an error.
"""

from __future__ import annotations

import io
import unicodedata

from fpdf import FPDF

from bot.qrcards.images import png
from bot.qrcards.links import Card

__all__ = ["pdf", "printable"]

PAGE_WIDTH, MARGIN = 215.9, 20.0  # letter, in millimetres
QR_WIDTH = 130.0
QR_SCALE = 8  # pixels a module in the embedded PNG: crisp at 130 mm for any link a card holds


def printable(text: str) -> str:
    """The text as the built-in fonts can write it: composed accents kept, anything beyond Latin-1 left out."""
    composed = unicodedata.normalize("NFC", text)
    return " ".join(composed.encode("latin-1", "ignore").decode("latin-1").split())


def pdf(cards: list[Card], call_to_action: str, footer: str = "", title: str = "") -> bytes:
    """Every card on its own page, in order: name, QR code, call to action, and the code (and footer) small."""
    document = FPDF(orientation="portrait", unit="mm", format="letter")
    document.set_auto_page_break(False)
    document.set_margins(MARGIN, MARGIN, MARGIN)
    document.set_title(printable(title))
    document.set_creator("Ventanilla")
    width = PAGE_WIDTH - 2 * MARGIN
    for card in cards:
        document.add_page()
        document.set_font("helvetica", "B", 30)
        document.set_y(28)
        document.multi_cell(width, 13, printable(card.name), align="C")
        document.image(io.BytesIO(png(card.link, QR_SCALE)), x=(PAGE_WIDTH - QR_WIDTH) / 2, y=72, w=QR_WIDTH)
        document.set_font("helvetica", "", 20)
        document.set_y(72 + QR_WIDTH + 8)
        document.multi_cell(width, 9, printable(call_to_action), align="C")
        document.set_font("helvetica", "", 11)
        document.set_y(250)
        document.multi_cell(width, 6, printable(" · ".join(p for p in (footer, card.code) if p)), align="C")
    return bytes(document.output())
