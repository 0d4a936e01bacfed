"""A card's QR code as images: PNG for screens and printing at a size, SVG for any size (segno)."""

from __future__ import annotations

import io

import segno

__all__ = ["png", "svg", "ERROR_LEVEL"]

# 15% of the code may be dirty or torn and it still reads: a card on a park's post gets weather and stickers.
ERROR_LEVEL = "m"
BORDER = 4  # the quiet zone, in modules, that readers need around a code


def _code(link: str) -> segno.QRCode:
    return segno.make(link, error=ERROR_LEVEL, micro=False, boost_error=False)


def png(link: str, scale: int = 10) -> bytes:
    """The QR code as a black-and-white PNG, `scale` pixels a module."""
    out = io.BytesIO()
    _code(link).save(out, kind="png", scale=scale, border=BORDER)
    return out.getvalue()


def svg(link: str, title: str = "") -> bytes:
    """The QR code as an SVG drawing (with a title screen readers and file browsers show)."""
    out = io.BytesIO()
    _code(link).save(out, kind="svg", scale=10, border=BORDER, title=title or None, encoding="utf-8")
    return out.getvalue()
