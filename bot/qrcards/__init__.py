"""QR cards: for each option of a flow's `qr:` step (each park), a code that starts the flow with it chosen.

`links.py` makes the cards (the wa.me link with the message written, or the web chat page's link),
`images.py` draws a card's code as PNG or SVG, `sheet.py` prints every card into one PDF. The
bot's side, knowing a card's message when it comes in, is the engine's (bot/flows/qr.py).
"""

from bot.qrcards.links import CHANNELS, Card, CardsError, cards_for

__all__ = ["CHANNELS", "Card", "CardsError", "cards_for"]
