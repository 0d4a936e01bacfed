"""Reading QR cards back as a phone would: decode a code's image, the PDF's pages, a wa.me link's message."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pypdf
import zxingcpp
from PIL import Image


def decode(image: bytes | Image.Image) -> str:
    """The text of the one QR code in the image (a PNG's bytes or a picture); fails when there is none or several."""
    picture = Image.open(io.BytesIO(image)) if isinstance(image, bytes) else image
    found = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, f"{len(found)} QR codes in the image"
    return found[0].text


def pdf_pages(content: bytes) -> list[pypdf.PageObject]:
    return list(pypdf.PdfReader(io.BytesIO(content)).pages)


def page_code(page: pypdf.PageObject) -> str:
    """What the one QR code printed on a PDF page holds."""
    (image,) = page.images
    return decode(image.image)


def whatsapp_message(link: str) -> tuple[str, str]:
    """The number and the written message of a wa.me link."""
    parts = urlsplit(link)
    assert parts.scheme == "https" and parts.netloc == "wa.me", link
    return parts.path.strip("/"), parse_qs(parts.query)["text"][0]
